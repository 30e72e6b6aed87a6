"""The permission matrix: every route x (anonymous, user, another tenant, member, admin).

``alice`` (role ``user``) owns every job and token the routes act on; ``carol`` is another
tenant with the same role and ``bob`` a member. Jobs, results and payloads are visible to
their owner and to admins only: others get 404, as if the job did not exist. A last test
checks that the matrix names every route of the app, so a new route cannot slip past it.
"""

from __future__ import annotations

import base64
import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from qstation.client.auth import jwt_claims
from qstation.schemas.qaas_v1 import GRANT_TYPE, Assertion, compress
from tests.support.circuits import bell, job
from tests.support.qaas import ADMIN_PASSWORD, BELL_QASM, QaasHarness, qaas_app

pytestmark = pytest.mark.timeout(300)
ROLES = ("anon", "user", "other", "member", "admin")
PASSWORDS = {
    "user": ("alice", "alice-password"),
    "other": ("carol", "carol-password"),
    "member": ("bob", "bob-password"),
    "admin": ("admin", ADMIN_PASSWORD),
}
QAAS = "/qaas/api/v1"
_counter = itertools.count()


# Expected status per role: who may act (2xx), who is refused (403) and who is not shown the
# resource at all (404, tenancy). Anonymous callers always get 401.
def everyone(ok: int) -> dict[str, int]:
    return {"anon": 401, "user": ok, "other": ok, "member": ok, "admin": ok}


def owner(ok: int) -> dict[str, int]:
    return {"anon": 401, "user": ok, "other": 404, "member": 404, "admin": ok}


def admin(ok: int) -> dict[str, int]:
    return {"anon": 401, "user": 403, "other": 403, "member": 403, "admin": ok}


def member(ok: int) -> dict[str, int]:
    return {"anon": 401, "user": 403, "other": 403, "member": ok, "admin": ok}


def public(ok: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, ok)


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # {placeholders} are filled with fresh resources, see Resources
    expect: dict[str, int]
    body: str | None = None  # a key of BODIES


def _qasm_job() -> dict[str, Any]:
    return {
        "device_id": 2,
        "number_shots": 10,
        "job_type": "circuit",
        "description": compress([BELL_QASM]),
    }


def _record(field: str) -> dict[str, Any]:
    value = base64.urlsafe_b64encode(b'{"a": 1}').decode()
    return {
        "name": f"r{next(_counter)}",
        field: value,
        "device_id": 1,
        "user_id": 1,
        "description": "d",
        "qililab_version": "0.27.0",
    }


def _booking() -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(days=30 + next(_counter))
    return {
        "quantum_computer": "star-5",
        "username": "alice",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
    }


BODIES: dict[str, Callable[[], Any]] = {
    "circuit": lambda: job(bell("QB1", "QB3"), shots=10),
    "qasm": _qasm_job,
    "runcard": lambda: _record("runcard"),
    "calibration": lambda: _record("calibration"),
    "booking": _booking,
    "user": lambda: {"username": f"u{uuid.uuid4().hex[:8]}", "password": "a-long-password"},
    "token": lambda: {"label": "matrix"},
    "apikey": lambda: {"username": "alice"},
    "role": lambda: {"role": "user"},
    "device": lambda: {"status": "online"},
    "revoke": lambda: {"token_id": "no-such-token"},
    "login": lambda: {"grant_type": "password", "username": "alice", "password": "wrong-pass"},
    "qlogin": lambda: {
        "grantType": GRANT_TYPE,
        "assertion": Assertion(username="alice", api_key="qaas_1_wrong").encode(),
    },
}

IQM_JOB = "/api/v1/jobs/{job}"
CASES = [
    # IQM Server API v1: discovery is for any logged-in user.
    Case("GET", "/api/v1/about", public(200)),
    Case("GET", "/api/v1/quantum-computers", everyone(200)),
    Case("GET", "/api/v1/quantum-computers/star-5/health", everyone(200)),
    Case("GET", "/api/v1/quantum-computers/star-5/artifacts/about", everyone(200)),
    Case(
        "GET",
        "/api/v1/quantum-computers/star-5/artifacts/static-quantum-architectures",
        everyone(200),
    ),
    Case("GET", "/api/v1/quantum-computers/star-5/artifacts/duts", everyone(200)),
    Case("GET", "/api/v1/quantum-computers/star-5/artifacts/channel-properties", everyone(200)),
    Case("GET", "/api/v1/quantum-computers/star-5/artifacts/settings", everyone(200)),
    Case("GET", "/api/v1/quantum-computers/star-5/artifacts/chip-design-records", everyone(200)),
    Case("GET", "/station/star-5/exa/configuration", everyone(200)),
    Case(
        "GET", "/api/v1/calibration-sets/star-5/default/dynamic-quantum-architecture", everyone(200)
    ),
    Case("GET", "/api/v1/calibration-sets/star-5/default", everyone(200)),
    Case("GET", "/api/v1/calibration-sets/star-5/default/metrics", everyone(200)),
    # IQM jobs: anyone submits; only the owner and admins see or touch a job.
    Case("POST", "/api/v1/jobs/star-5/circuit", everyone(200), "circuit"),
    # An empty body is no run definition: refused before anything is queued.
    Case("POST", "/api/v1/jobs/star-5/run", everyone(400)),
    Case("POST", "/api/v1/jobs/star-5/sweep", everyone(400)),
    Case("GET", IQM_JOB, owner(200)),
    Case("GET", IQM_JOB + "/payload", owner(200)),
    Case("GET", "/api/v1/jobs/{done}/artifacts/measurement_counts", owner(200)),
    Case("GET", "/api/v1/jobs/{done}/artifacts/measurements", owner(200)),
    Case("POST", IQM_JOB + "/cancel", owner(204)),
    Case("DELETE", IQM_JOB, owner(204)),
    # qstation's own routes.
    Case("GET", "/qstation/v1/health", public(200)),
    Case("GET", "/qstation/v1/jobs", everyone(200)),
    Case("GET", "/qstation/v1/jobs/{job}/wait?timeout=0", owner(200)),
    Case("GET", "/qstation/v1/bookings", admin(200)),
    Case("POST", "/qstation/v1/bookings", admin(201), "booking"),
    Case("DELETE", "/qstation/v1/bookings/{booking}", admin(204)),
    Case("GET", "/qstation/v1/quantum-computers/star-5/calibration-sets", everyone(200)),
    Case("POST", "/qstation/v1/quantum-computers/lattice-20/recalibrate", admin(200)),
    Case("GET", "/qstation/v1/usage", everyone(200)),
    Case("GET", "/qstation/v1/usage?username=alice", {**owner(200), "other": 403, "member": 403}),
    Case("POST", "/qstation/v1/auth/token", public(401), "login"),
    Case("POST", "/qstation/v1/auth/revoke", {**everyone(404), "anon": 401}, "revoke"),
    Case("GET", "/qstation/v1/auth/whoami", everyone(200)),
    Case("GET", "/qstation/v1/users", admin(200)),
    Case("POST", "/qstation/v1/users", admin(201), "user"),
    Case("DELETE", "/qstation/v1/users/{victim}", admin(204)),
    Case("POST", "/qstation/v1/tokens", everyone(201), "token"),
    Case("GET", "/qstation/v1/tokens", everyone(200)),
    Case("DELETE", "/qstation/v1/tokens/{token}", owner(204)),
    Case("GET", "/qstation/v1/qaas/api-keys", everyone(200)),
    Case(
        "POST", "/qstation/v1/qaas/api-keys", {**owner(201), "other": 403, "member": 403}, "apikey"
    ),
    Case("DELETE", "/qstation/v1/qaas/api-keys/{apikey}", owner(204)),
    Case("PUT", "/qstation/v1/qaas/users/carol", admin(200), "role"),
    # The QaaS API (qiboconnection's protocol), with its own logins.
    Case("GET", "/qaas/status", public(200)),
    Case("POST", QAAS + "/authorisation-tokens", public(401), "qlogin"),
    Case("POST", QAAS + "/authorisation-tokens/refresh", public(401)),
    Case("GET", QAAS + "/users/{alice_id}", {**owner(200), "other": 403, "member": 403}),
    Case("GET", QAAS + "/devices", everyone(200)),
    Case("GET", QAAS + "/devices/2", everyone(200)),
    Case("PUT", QAAS + "/devices/2", admin(200), "device"),
    Case("POST", QAAS + "/circuits", everyone(201), "qasm"),
    Case("GET", QAAS + "/jobs", everyone(200)),
    Case("GET", QAAS + "/jobs/{qjob}", owner(200)),
    # The job may finish before the cancel arrives: then the owner gets 409, still not 404.
    Case("PUT", QAAS + "/jobs/cancel/{qjob}", {**owner(204), "user": 0, "admin": 0}),
    Case("DELETE", QAAS + "/jobs/{qjob}", owner(204)),
    Case("PUT", "/qaas/qstation/v1/jobs/{qjob}/favourite", owner(204)),
    Case("DELETE", "/qaas/qstation/v1/jobs/{qjob}/favourite", owner(204)),
    *(
        case
        for kind in ("runcard", "calibration")
        for case in (
            Case("GET", f"{QAAS}/{kind}s", member(200)),
            Case("POST", f"{QAAS}/{kind}s", member(201), kind),
            Case("GET", f"{QAAS}/{kind}s/by_keys?name={{{kind}_name}}", member(200)),
            Case("GET", f"{QAAS}/{kind}s/{{{kind}}}", member(200)),
            Case("PUT", f"{QAAS}/{kind}s/{{{kind}}}", member(200), kind),
            Case("DELETE", f"{QAAS}/{kind}s/{{{kind}}}", member(204)),
        )
    ),
]


class Resources:
    """Fresh resources of alice's (or shared ones) for the placeholders of a path."""

    def __init__(self, harness: QaasHarness, tokens: dict[str, dict[str, str]]) -> None:
        self.h, self.tokens = harness, tokens
        self.done = self._iqm_job(wait=True)

    def _post(self, path: str, body: Any, role: str = "user") -> Any:
        reply = self.h.http.post(path, json=body, headers=self.tokens[role])
        assert reply.status_code < 300, reply.text
        return reply.json()

    def _iqm_job(self, wait: bool = False) -> str:
        job_id: str = self._post("/api/v1/jobs/star-5/circuit", BODIES["circuit"]())["id"]
        if wait:
            self.h.http.get(
                f"/qstation/v1/jobs/{job_id}/wait",
                params={"timeout": 60},
                headers=self.tokens["user"],
            )
        return job_id

    def fill(self, path: str) -> str:
        makers: dict[str, Callable[[], object]] = {
            "job": self._iqm_job,
            "done": lambda: self.done,
            "qjob": lambda: self._post(QAAS + "/circuits", _qasm_job(), "quser")["job_id"],
            "booking": lambda: self._post("/qstation/v1/bookings", _booking(), "admin")["id"],
            "victim": lambda: self._post("/qstation/v1/users", BODIES["user"](), "admin")[
                "username"
            ],
            "token": lambda: self._post("/qstation/v1/tokens", {"label": "t"})["id"],
            "apikey": lambda: self._post(
                "/qstation/v1/qaas/api-keys", {"username": "alice"}, "admin"
            )["id"],
            "alice_id": lambda: jwt_claims(self.tokens["quser"]["Authorization"].split()[1])[
                "user_id"
            ],
            "runcard_name": lambda: self._record("runcard")[1],
            "calibration_name": lambda: self._record("calibration")[1],
            "runcard": lambda: self._record("runcard")[0],
            "calibration": lambda: self._record("calibration")[0],
        }
        for name, make in makers.items():
            if "{" + name + "}" in path:
                path = path.replace("{" + name + "}", str(make()))
        return path

    def _record(self, kind: str) -> tuple[int, str]:
        body = _record(kind)
        return int(self._post(f"{QAAS}/{kind}s", body, "qmember")[f"{kind}_id"]), body["name"]


def _qaas_login(harness: QaasHarness, role: str) -> dict[str, str]:
    username, key = harness.keys[role]
    body = {
        "grantType": GRANT_TYPE,
        "assertion": Assertion(username=username, api_key=key).encode(),
    }
    token = harness.http.post(QAAS + "/authorisation-tokens", json=body).json()["accessToken"]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[QaasHarness, Resources]]:
    # Every route is tried with bad credentials from one address: login throttling (tested
    # in test_login_throttle) would answer 429 instead of the 401 checked here.
    unthrottled = {"login_free_failures": 10**6, "login_free_failures_per_address": 10**6}
    with qaas_app(tmp_path_factory.mktemp("permissions"), **unthrottled) as harness:
        tokens: dict[str, dict[str, str]] = {"anon": {}}
        for role, (username, password) in PASSWORDS.items():
            grant = {"grant_type": "password", "username": username, "password": password}
            reply = harness.http.post("/qstation/v1/auth/token", json=grant)
            tokens[role] = {"Authorization": f"Bearer {reply.json()['access_token']}"}
        qaas_roles = {"user": "user", "other": "other", "member": "member", "admin": "admin"}
        for role, key_role in qaas_roles.items():
            tokens["q" + role] = _qaas_login(harness, key_role)
        tokens["qanon"] = {}
        yield harness, Resources(harness, tokens)


def _id(case: Case) -> str:
    return f"{case.method} {case.path}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_route_permissions(world: tuple[QaasHarness, Resources], case: Case, role: str) -> None:
    harness, res = world
    path = res.fill(case.path)
    qaas = path.startswith("/qaas")
    headers = res.tokens[("q" if qaas else "") + role]
    body = BODIES[case.body]() if case.body else None
    reply = harness.http.request(case.method, path, json=body, headers=headers)
    expected = case.expect[role]
    allowed = (204, 409) if expected == 0 else (expected,)
    assert reply.status_code in allowed, f"{role} {case.method} {path}: {reply.text[:300]}"


def test_matrix_covers_every_route(world: tuple[QaasHarness, Resources]) -> None:
    harness, _ = world
    spec = harness.http.get("/openapi.json").json()["paths"]
    routes = {(m.upper(), p) for p, ops in spec.items() for m in ops}

    def template(path: str) -> str:
        return path.split("?")[0]

    covered = {(c.method, template(c.path)) for c in CASES}
    missing = set()
    for method, path in routes:
        parts = path.strip("/").split("/")
        if not any(m == method and _matches(parts, p.strip("/").split("/")) for m, p in covered):
            missing.add(f"{method} {path}")
    assert not missing, f"routes without a permission case: {sorted(missing)}"


def _matches(route: list[str], case: list[str]) -> bool:
    return len(route) == len(case) and all(
        r.startswith("{") or r == c for r, c in zip(route, case, strict=True)
    )
