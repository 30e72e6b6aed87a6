"""A bare Starlette app answering qstation's paths with fixed JSON: the reference of
``bench/request_path.py``.

It parses every submitted body (as qstation must) and answers each path with the bytes
qstation answered in the same run, so both sides move the same sizes over the same uvicorn.

    .venv/bin/python -m bench.bare_app --port 8123 --bodies bodies.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def create_app(bodies: dict[str, str]) -> Starlette:
    """The app; ``bodies`` maps ``submit``, ``status``, ``wait`` and ``measurements`` to the
    JSON text each answers."""
    fixed = {k: v.encode() for k, v in bodies.items()}

    def answer(kind: str) -> Response:
        return Response(fixed[kind], media_type="application/json")

    async def submit(request: Request) -> Response:
        json.loads(await request.body())  # qstation parses every submission; so does this
        return answer("submit")

    async def status(request: Request) -> Response:
        return answer("status")

    async def wait(request: Request) -> Response:
        return answer("wait")

    async def measurements(request: Request) -> Response:
        return answer("measurements")

    async def health(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return Starlette(
        routes=[
            Route("/api/v1/jobs/{qc}/circuit", submit, methods=["POST"]),
            Route("/api/v1/jobs/{job_id}", status),
            Route("/qstation/v1/jobs/{job_id}/wait", wait),
            Route("/api/v1/jobs/{job_id}/artifacts/measurements", measurements),
            Route("/qstation/v1/health", health),
        ]
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bodies", type=Path, required=True)
    args = parser.parse_args()
    app = create_app(json.loads(args.bodies.read_text()))
    # The same uvicorn settings as ``qstation serve``.
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
