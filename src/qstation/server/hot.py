"""The hottest routes, ahead of FastAPI: circuit submission, status, long-poll, measurements.

Every round of a client (submit, wait, fetch the measurements) and every status poll goes
through these routes. FastAPI's routing and dependency solving cost about as much as the
work of a read, so :func:`install` puts light Starlette routes for them in front of the
app's routes. They call the very functions the FastAPI routes call, so the answers,
the authentication and the error bodies (raised exceptions go to the app's one error
handler) are the same. The FastAPI routes stay registered behind them: they describe the
paths in the OpenAPI schema, and they answer every request the light routes leave to them
(another method, or query parameters that need FastAPI's validation and its error text).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette._utils import get_route_path
from starlette.datastructures import URLPath
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound, compile_path
from starlette.types import Receive, Scope, Send

from qstation.schemas.iqm_v1 import JobStatus
from qstation.server.deps import AppState, get_principal
from qstation.server.iqm import jobs
from qstation.server.ours import MAX_WAIT_S, WAIT_TIMEOUT_S, wait_for_job_response

Endpoint = Callable[[Request, dict[str, str]], Awaitable[Response]]
#: Query values read without FastAPI: plain decimal numbers and known statuses.
_NUMBER = re.compile(r"\d{1,9}(?:\.\d{1,9})?")
_STATUSES = frozenset(s.value for s in JobStatus)


class HotRoute(BaseRoute):
    """A route that takes a request only when it can answer it exactly as FastAPI would.

    ``args`` turns the request's query string and headers into the endpoint's arguments, or
    None to leave the request to the FastAPI route of the same path.
    """

    def __init__(
        self, method: str, path: str, endpoint: Endpoint,
        args: Callable[[Scope], dict[str, str] | None] | None = None,
    ) -> None:
        self.method = method
        self.path = path  # the route template, as the request metrics label it
        self.endpoint = endpoint
        self.args = args
        self.regex, _, self.convertors = compile_path(path)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != self.method:
            return Match.NONE, {}
        found = self.regex.match(get_route_path(scope))
        if found is None:
            return Match.NONE, {}
        args = {} if self.args is None else self.args(scope)
        if args is None:
            return Match.NONE, {}
        params = {**found.groupdict(), **args}
        return Match.FULL, {"route": self, "path_params": params}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        response = await self.endpoint(request, scope["path_params"])
        await response(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: object) -> URLPath:
        # Nothing links to these routes by name (the FastAPI routes behind them have names).
        raise NoMatchFound(name, path_params)


def _query(scope: Scope) -> list[tuple[str, str]]:
    raw: bytes = scope.get("query_string", b"")
    return parse_qsl(raw.decode("latin-1"), keep_blank_values=True)


def _wait_args(scope: Scope) -> dict[str, str] | None:
    # Only values FastAPI would accept as they are; anything else gets FastAPI's answer.
    args: dict[str, str] = {}
    for key, value in _query(scope):
        if key in args:
            return None
        if key == "timeout":
            if not _NUMBER.fullmatch(value) or float(value) > MAX_WAIT_S:
                return None
        elif key == "status":
            if value not in _STATUSES:
                return None
        else:
            continue  # FastAPI ignores unknown query parameters too
        args[key] = value
    return args


def _submission_args(scope: Scope) -> dict[str, str] | None:
    # A repeated parameter or header is left to FastAPI (which picks one of them).
    args: dict[str, str] = {}
    for key, value in _query(scope):
        if key == "use_timeslot":
            if key in args:
                return None
            args[key] = value
    for name, raw in scope["headers"]:
        if name == b"idempotency-key":
            if "idempotency_key" in args:
                return None
            args["idempotency_key"] = raw.decode("latin-1")
    return args


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.qstation
    return state


async def _submit(request: Request, params: dict[str, str]) -> Response:
    principal = await get_principal(request)
    return await jobs.circuit_submission(
        _state(request), principal, request, params["qc"],
        params.get("use_timeslot", "false"), params.get("idempotency_key"),
    )


async def _status(request: Request, params: dict[str, str]) -> Response:
    principal = await get_principal(request)
    return await jobs.job_response(_state(request), principal, params["job_id"])


async def _artifact(request: Request, params: dict[str, str]) -> Response:
    principal = await get_principal(request)
    return await jobs.artifact_response(
        _state(request), principal, params["job_id"], params["kind"]
    )


async def _wait(request: Request, params: dict[str, str]) -> Response:
    principal = await get_principal(request)
    status = JobStatus(params["status"]) if "status" in params else None
    timeout = float(params["timeout"]) if "timeout" in params else WAIT_TIMEOUT_S
    return await wait_for_job_response(
        _state(request), principal, params["job_id"], status, timeout
    )


def install(app: FastAPI) -> None:
    """Put the light routes first in ``app``'s routing (after its routes are included)."""
    hot = [
        HotRoute("POST", "/api/v1/jobs/{qc}/circuit", _submit, _submission_args),
        HotRoute("GET", "/api/v1/jobs/{job_id}", _status),
        HotRoute("GET", "/api/v1/jobs/{job_id}/artifacts/{kind}", _artifact),
        HotRoute("GET", "/qstation/v1/jobs/{job_id}/wait", _wait, _wait_args),
    ]
    app.router.routes[0:0] = hot
