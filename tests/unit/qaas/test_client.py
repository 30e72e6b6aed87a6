"""``qstation.qaas.API`` against a fake server behind ``httpx.MockTransport``: login, token
refresh, error mapping, pagination and job submission bodies."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from qstation.qaas import (
    API,
    AuthenticationError,
    Conflict,
    JobFailed,
    NotFound,
    TransportError,
    UnsupportedJobType,
)
from qstation.schemas.qaas_v1 import Assertion, compress, decompress

BASE = "http://qaas.test/qaas"


def jwt(claims: dict[str, Any]) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


def tokens(access: str, refresh: str | None = "R") -> httpx.Response:
    body = {
        "accessToken": access,
        "refreshToken": refresh,
        "tokenType": "bearer",
        "expiresIn": 0,
        "issuedAt": "0",
    }
    return httpx.Response(201, json=body)


class FakeServer:
    """A tiny QaaS server: routes by (method, path), records every request."""

    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []
        self.access = jwt({"user_id": 7, "user_role": "member", "n": 0})
        self.routes: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]] = {}
        self.route("POST", "/qaas/api/v1/authorisation-tokens", self._login)

    def route(self, method: str, path: str, fn: Callable[[httpx.Request], httpx.Response]) -> None:
        self.routes[(method, path)] = fn

    def _login(self, request: httpx.Request) -> httpx.Response:
        who = Assertion.decode(json.loads(request.content)["assertion"])
        if who.api_key != "good":
            return httpx.Response(401, json={"detail": "Invalid username or api key"})
        return tokens(self.access)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        handler = self.routes.get((request.method, request.url.path))
        if handler is None:
            return httpx.Response(404, json={"detail": f"no route {request.url.path}"})
        return handler(request)

    def api(self) -> API:
        return API.login("alice", "good", url=BASE, transport=httpx.MockTransport(self))


def test_login_reads_identity_from_the_token() -> None:
    server = FakeServer()
    api = server.api()
    assert (api.user_id, api.role) == (7, "member")
    with pytest.raises(AuthenticationError, match="Invalid username"):
        API.login("alice", "bad", url=BASE, transport=httpx.MockTransport(server))


def test_a_401_refreshes_once_and_resends() -> None:
    server = FakeServer()
    fresh = jwt({"user_id": 7, "n": 1})
    server.route("POST", "/qaas/api/v1/authorisation-tokens/refresh", lambda r: tokens(fresh))

    def device(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] != f"Bearer {fresh}":
            return httpx.Response(401, json={"detail": "Signature has expired"})
        return httpx.Response(200, json={"id": 1, "name": "d", "status": "online"})

    server.route("GET", "/qaas/api/v1/devices/1", device)
    assert server.api().get_device(1).name == "d"
    refresh = next(r for r in server.seen if r.url.path.endswith("/refresh"))
    assert refresh.headers["Authorization"] == "Bearer R"


def test_a_failed_refresh_leaves_the_401() -> None:
    server = FakeServer()
    server.route(
        "POST",
        "/qaas/api/v1/authorisation-tokens/refresh",
        lambda r: httpx.Response(401, json={"detail": "The session has ended"}),
    )
    server.route(
        "GET",
        "/qaas/api/v1/jobs/3",
        lambda r: httpx.Response(401, json={"detail": "Signature has expired"}),
    )
    with pytest.raises(AuthenticationError, match="session has ended"):
        server.api().get_job(3)


def test_errors_map_to_exceptions() -> None:
    server = FakeServer()
    server.route(
        "GET",
        "/qaas/api/v1/jobs/5",
        lambda r: httpx.Response(
            404, json={"title": "Not Found", "status": 404, "detail": "job 5 does not exist"}
        ),
    )
    server.route(
        "PUT", "/qaas/api/v1/jobs/cancel/6", lambda r: httpx.Response(409, text="not json")
    )
    api = server.api()
    with pytest.raises(NotFound, match="does not exist") as info:
        api.get_job(5)
    assert info.value.status_code == 404
    with pytest.raises(Conflict, match="not json"):
        api.cancel_job(6)


def test_transport_failures_are_wrapped() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TransportError, match="refused"):
        API.login("a", "b", url=BASE, transport=httpx.MockTransport(down))


def test_pagination_follows_next_on_our_own_url() -> None:
    server = FakeServer()

    def jobs(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        assert request.url.params["favourites"] == "true"
        nxt = f"http://elsewhere/x?page={page + 1 if page < 3 else 'None'}&per_page=1"
        item = {
            "id": page,
            "user_id": 7,
            "device_id": 1,
            "status": "completed",
            "job_type": "circuit",
            "number_shots": 1,
        }
        return httpx.Response(200, json={"items": [item], "links": {"next": nxt}})

    server.route("GET", "/qaas/api/v1/jobs", jobs)
    assert [j.id for j in server.api().list_jobs(favourites=True)] == [1, 2, 3]


def test_execute_bodies_and_refused_kinds() -> None:
    server = FakeServer()
    bodies: list[dict[str, Any]] = []

    def submit(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        bodies.append(body)
        if body["job_type"] != "circuit":
            return httpx.Response(201, json={"job_id": 9, "status": "error", "error": "no"})
        return httpx.Response(201, json={"job_id": len(bodies)})

    server.route("POST", "/qaas/api/v1/circuits", submit)
    api = server.api()
    assert api.execute(circuit="OPENQASM 2.0;", device_id=4, nshots=3) == 1
    assert api.execute(circuit=["a", "b"], device_ids=[1, 2]) == [2, 3]
    first = bodies[0]
    assert (first["device_id"], first["number_shots"], first["user_id"]) == (4, 3, 7)
    assert decompress(first["description"]) == ["OPENQASM 2.0;"]
    with pytest.raises(UnsupportedJobType) as info:
        api.execute(vqa={"vqa_dict": {"x": 1}, "init_params": [0]}, device_id=1)
    assert info.value.job_id == 9 and api.last_job.id == 9
    vqa = json.loads(bodies[-1]["description"])
    assert vqa["init_params"] == [0] and vqa["optimizer_params"] == {}
    with pytest.raises(ValueError, match="no device"):
        api.execute(circuit="x")
    with pytest.raises(TypeError):
        api.execute(circuit=object(), device_id=1)


def test_results_of_finished_jobs() -> None:
    server = FakeServer()
    common = {
        "user_id": 7,
        "device_id": 1,
        "job_type": "circuit",
        "queue_position": 0,
        "number_shots": 2,
        "description": compress(["q"]),
        "name": "-",
        "summary": "-",
    }
    result = compress([{"probabilities": {"1": 1.0}, "counts": {"1": 2}, "samples": [[1], [1]]}])
    server.route(
        "GET",
        "/qaas/api/v1/jobs/1",
        lambda r: httpx.Response(
            200, json={**common, "job_id": 1, "status": "completed", "result": result}
        ),
    )
    server.route(
        "GET",
        "/qaas/api/v1/jobs/2",
        lambda r: httpx.Response(
            200, json={**common, "job_id": 2, "status": "error", "result": None, "error": "boom"}
        ),
    )
    server.route(
        "GET",
        "/qaas/api/v1/jobs/3",
        lambda r: httpx.Response(
            200, json={**common, "job_id": 3, "status": "running", "result": None}
        ),
    )
    api = server.api()
    (first,) = api.get_result(1)
    assert first.frequencies() == {"1": 2}
    with pytest.raises(JobFailed, match="boom"):
        api.get_result(2)
    assert api.get_result(3) is None
