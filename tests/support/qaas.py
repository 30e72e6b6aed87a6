"""A QaaS-ready app in process: auth on, accounts for each role, and our client wired to it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.servers import InProcessWorker

ADMIN_PASSWORD = "e2e-admin-password"
BELL_QASM = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg register0[2];
h q[0];
cx q[0],q[1];
measure q[0] -> register0[0];
measure q[1] -> register0[1];
"""


@dataclass
class QaasHarness:
    """The running app (``http`` is a TestClient) and one QaaS API key per role."""

    http: Any
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    admin_headers: dict[str, str] = field(default_factory=dict)

    def api(self, role: str = "user", **kwargs: Any) -> Any:
        """Our client, logged in as ``role`` (``user``, ``member``, ``admin`` or ``other``)."""
        from qstation.qaas import API

        username, key = self.keys[role]
        return API.login(
            username, key, url="http://testserver/qaas", transport=self.http._transport, **kwargs
        )

    def add_user(self, role: str, username: str, member: bool = False) -> None:
        body = {"username": username, "password": f"{username}-password"}
        self.http.post(
            "/qstation/v1/users", json=body, headers=self.admin_headers
        ).raise_for_status()
        self.add_key(role, username)
        if member:
            self.http.put(
                f"/qstation/v1/qaas/users/{username}",
                json={"role": "member"},
                headers=self.admin_headers,
            ).raise_for_status()

    def add_key(self, role: str, username: str) -> str:
        reply = self.http.post(
            "/qstation/v1/qaas/api-keys", json={"username": username}, headers=self.admin_headers
        )
        key: str = reply.raise_for_status().json()["api_key"]
        self.keys[role] = (username, key)
        return key


@contextlib.contextmanager
def qaas_app(tmp_path: Path, *, auth: bool = True, **settings: Any) -> Iterator[QaasHarness]:
    """The real app and an in-process worker, hosting lattice-20, star-5 and resonator-6."""
    from fastapi.testclient import TestClient

    from qstation.server.app import create_app
    from qstation.server.config import Settings
    from qstation.store import migrate

    config = Settings(
        data_dir=tmp_path / "data",
        qc=["lattice-20", "star-5", "resonator-6"],
        auth=auth,
        admin_password=ADMIN_PASSWORD,
        **settings,
    )
    migrate.upgrade(config.resolved_database_url())
    with (
        TestClient(create_app(config)) as http,
        InProcessWorker(config.resolved_database_url(), config.notify_dir),
    ):
        harness = QaasHarness(http)
        if auth:
            harness.admin_headers = {"Authorization": f"Bearer {_admin_api_token(http)}"}
            harness.add_key("admin", "admin")
            harness.add_user("user", "alice")
            harness.add_user("member", "bob", member=True)
            harness.add_user("other", "carol")
        else:
            harness.keys = {role: (role, "any-key") for role in ("user", "member", "admin")}
        yield harness


def _admin_api_token(http: Any) -> str:
    """A long-lived admin API token, minted with a fresh login.

    Some harnesses run with one-second access tokens; on a loaded machine the login token
    can lapse before it is used, so a 401 here means "log in again", a few times at most.
    """
    grant = {"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD}
    for _ in range(5):
        login = http.post("/qstation/v1/auth/token", json=grant).json()["access_token"]
        bearer = {"Authorization": f"Bearer {login}"}
        answer = http.post("/qstation/v1/tokens", json={"label": "e2e"}, headers=bearer)
        if answer.status_code != 401:
            answer.raise_for_status()
            return str(answer.json()["token"])
    raise AssertionError(f"could not mint an admin token: {answer.status_code} {answer.text}")
