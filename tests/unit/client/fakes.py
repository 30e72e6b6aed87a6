"""Tiny fake servers for ``httpx.MockTransport``: no network, no patching."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

DQA = {
    "calibration_set_id": "c0ffee00-0000-4000-8000-0000000000aa",
    "qubits": ["QB1", "QB2", "QB3"],
    "computational_resonators": [],
    "gates": {
        "prx": {"implementations": {"drag": {"loci": [["QB1"], ["QB2"], ["QB3"]]}},
                "default_implementation": "drag", "override_default_implementation": {}},
        "cz": {"implementations": {"tgss": {"loci": [["QB1", "QB2"], ["QB2", "QB3"]]}},
               "default_implementation": "tgss", "override_default_implementation": {}},
        "measure": {"implementations": {"constant": {"loci": [["QB1"], ["QB2"], ["QB3"]]}},
                    "default_implementation": "constant", "override_default_implementation": {}},
    },
}


def error(status: int, message: str, code: str = "ERR", headers: dict[str, str] | None = None
          ) -> httpx.Response:
    body = {"message": message, "error_code": code, "source": "iqm-server"}
    return httpx.Response(status, json=body, headers=headers)


def make_jwt(claims: dict[str, Any]) -> str:
    def seg(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{seg({'alg': 'none', 'typ': 'JWT'})}.{seg(claims)}.sig"


def jwt_for(ttl: float, **claims: Any) -> str:
    now = int(time.time())
    return make_jwt({"sub": "u", "iat": now, "exp": now + ttl, **claims})


class FakeIQMServer:
    """Quantum computers, a DQA and circuit jobs that advance one state per status read.

    ``long_poll``: serve ``/qstation/v1/jobs/{id}/wait``; otherwise it is an unknown path.
    ``script``: path → list of responses returned (and consumed) before normal handling.
    """

    def __init__(self, *, qcs: tuple[str, ...] = ("sim",), long_poll: bool = True) -> None:
        self.qcs = qcs
        self.long_poll = long_poll
        self.requests: list[httpx.Request] = []
        self.jobs: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, str] = {}
        self.script: dict[str, list[httpx.Response | Exception]] = {}
        self.final = "completed"

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        scripted = self.script.get(path)
        if scripted:
            item = scripted.pop(0)
            if isinstance(item, Exception):
                raise item
            return item
        for prefix, handler in self._routes():
            if path.startswith(prefix):
                return handler(request, path.removeprefix(prefix))
        return httpx.Response(404, text="Not Found")

    def _routes(self) -> list[tuple[str, Callable[[httpx.Request, str], httpx.Response]]]:
        return [
            ("/api/v1/quantum-computers", self._qcs),
            ("/api/v1/calibration-sets/", lambda r, p: httpx.Response(200, json=DQA)),
            ("/api/v1/jobs/", self._jobs),
            ("/qstation/v1/jobs/", self._wait),
        ]

    def _qcs(self, request: httpx.Request, rest: str) -> httpx.Response:
        if rest:
            return httpx.Response(200, json={"status": "healthy"})
        qcs = [{"id": str(uuid.uuid4()), "alias": a, "display_name": a.upper()} for a in self.qcs]
        return httpx.Response(200, json={"quantum_computers": qcs})

    def _data(self, job_id: str) -> dict[str, Any]:
        job = self.jobs[job_id]
        data = {"id": job_id, "type": "circuit", "status": job["status"]}
        if job["status"] == "failed":
            data["errors"] = [{"message": "boom", "error_code": "CIRCUIT_VALIDATION_FAILED"}]
        return data

    def _advance(self, job_id: str) -> None:
        job = self.jobs[job_id]
        order = ["waiting", "processing", self.final]
        if job["status"] in order[:-1]:
            job["status"] = order[order.index(job["status"]) + 1]

    def _jobs(self, request: httpx.Request, rest: str) -> httpx.Response:
        parts = rest.split("/")
        if request.method == "POST" and parts[-1] == "circuit":
            key = request.headers.get("idempotency-key", "")
            job_id = self.keys.get(key) or str(uuid.uuid4())
            self.keys[key] = job_id
            body = json.loads(request.content)
            self.jobs.setdefault(job_id, {"status": "waiting", "body": body})
            return httpx.Response(200, json=self._data(job_id))
        job_id = parts[0]
        if job_id not in self.jobs:
            return error(404, f"job {job_id} not found", "JOB_NOT_FOUND")
        if request.method == "GET" and len(parts) == 1:
            data = self._data(job_id)
            self._advance(job_id)
            return httpx.Response(200, json=data)
        if parts[1:] == ["artifacts", "measurements"]:
            shots = self.jobs[job_id]["body"]["shots"]
            return httpx.Response(200, json=[{"m": [[0, 0]] * shots}])
        if parts[1:] == ["payload"]:
            return httpx.Response(200, json=self.jobs[job_id]["body"])
        if parts[1:] == ["cancel"]:
            self.jobs[job_id]["status"] = "cancelled"
            return httpx.Response(204)
        if request.method == "DELETE":
            del self.jobs[job_id]
            return httpx.Response(204)
        return httpx.Response(404, text="Not Found")

    def _wait(self, request: httpx.Request, rest: str) -> httpx.Response:
        if not self.long_poll:
            return httpx.Response(404, json={"detail": "Not Found"})
        job_id = rest.split("/")[0]
        if job_id not in self.jobs:
            return error(404, f"job {job_id} not found", "JOB_NOT_FOUND")
        terminal = ("completed", "failed", "cancelled")
        known = request.url.params.get("status")
        # As the real server: without a known status, answer once the job is terminal.
        while self.jobs[job_id]["status"] not in terminal and (
            known is None or self.jobs[job_id]["status"] == known
        ):
            self._advance(job_id)
        return httpx.Response(200, json=self._data(job_id))
