"""Tokens files and login sessions: expiry, re-reading, refresh, and 401 recovery."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from qstation.client import (
    ClientAuthenticationError,
    IQMServerClient,
    PasswordSessionAuth,
    UnauthorizedError,
)
from qstation.client._tokens import jwt_claims, refresh_margin, seconds_left
from tests.unit.client.fakes import FakeIQMServer, error, jwt_for


class TokenServer(FakeIQMServer):
    """FakeIQMServer plus a token endpoint and bearer checks."""

    def __init__(self, access_ttl: float = 3600) -> None:
        super().__init__()
        self.access_ttl = access_ttl
        self.valid: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.grants: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/qstation/v1/auth/token":
            return self._token(request)
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.valid:
            self.requests.append(request)
            return error(401, "the token has expired", "TOKEN_EXPIRED")
        return super().__call__(request)

    def issue(self) -> dict[str, object]:
        access = jwt_for(self.access_ttl, n=len(self.grants))
        refresh = jwt_for(86400, n=len(self.grants), typ="refresh")
        self.valid.add(access)
        self.refresh_tokens.add(refresh)
        return {"access_token": access, "refresh_token": refresh,
                "expires_in": int(self.access_ttl)}

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.grants.append(form["grant_type"])
        if form["grant_type"] == "password":
            if form.get("password") != "right":
                return error(401, "invalid username or password", "INVALID_CREDENTIALS")
        elif form.get("refresh_token") not in self.refresh_tokens:
            return error(401, "session ended", "SESSION_ENDED")
        else:
            self.refresh_tokens.discard(form["refresh_token"])
        return httpx.Response(200, json=self.issue())


def test_jwt_helpers() -> None:
    token = jwt_for(100)
    assert jwt_claims(token)["sub"] == "u"
    assert 98 < (seconds_left(token) or 0) <= 100
    assert refresh_margin(token) == 25.0 and refresh_margin(jwt_for(3600)) == 60.0
    assert jwt_claims("not-a-jwt") is None and seconds_left("a.b.c") is None


def write(path: Path, **data: object) -> None:
    path.write_text(json.dumps(data))


def test_tokens_file_is_read_and_reread_near_expiry(tmp_path: Path) -> None:
    server = TokenServer()
    path = tmp_path / "tokens.json"
    first = server.issue()["access_token"]
    write(path, access_token=first)
    client = IQMServerClient("http://localhost", tokens_file=str(path),
                             transport=server.transport())
    client.list_quantum_computers()
    assert server.requests[-1].headers["authorization"] == f"Bearer {first}"
    # A fresh token cached in memory is used without re-reading the file...
    write(path, access_token="garbage")
    client._qcs = None
    client.list_quantum_computers()
    assert server.requests[-1].headers["authorization"] == f"Bearer {first}"


def test_expired_tokens_file_without_refresh_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    write(path, access_token=jwt_for(-5))
    client = IQMServerClient("http://localhost", tokens_file=str(path),
                             transport=TokenServer().transport())
    with pytest.raises(ClientAuthenticationError, match=r"expired or is not valid.*auth login"):
        client.list_quantum_computers()
    with pytest.raises(ClientAuthenticationError, match="does not exist"):
        IQMServerClient("http://localhost", tokens_file=str(tmp_path / "none.json"),
                        transport=TokenServer().transport()).list_quantum_computers()


def test_tokens_file_is_refreshed_in_place(tmp_path: Path) -> None:
    server = TokenServer()
    path = tmp_path / "tokens.json"
    issued = server.issue()
    write(path, access_token=jwt_for(10), refresh_token=issued["refresh_token"],
          auth_server_url="http://localhost")  # within the refresh margin
    client = IQMServerClient("http://localhost", tokens_file=str(path),
                             transport=server.transport())
    client.list_quantum_computers()
    data = json.loads(path.read_text())
    assert server.grants == ["refresh_token"]
    assert data["access_token"] in server.valid and data["refresh_status"] == "SUCCESS"
    assert data["refresh_token"] != issued["refresh_token"]
    assert (path.stat().st_mode & 0o777) == 0o600


def test_tokens_file_refresh_failure_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    write(path, access_token=jwt_for(-1), refresh_token="revoked",
          auth_server_url="http://localhost")
    client = IQMServerClient("http://localhost", tokens_file=str(path),
                             transport=TokenServer().transport())
    with pytest.raises(ClientAuthenticationError, match=r"could not refresh.*session ended"):
        client.list_quantum_computers()
    assert json.loads(path.read_text())["refresh_status"] == "FAILED"


def test_password_session_logs_in_refreshes_and_recovers() -> None:
    server = TokenServer(access_ttl=4)  # margin 1 s: every token is fresh for ~3 s
    client = IQMServerClient("http://localhost", username="u", password="right",
                             transport=server.transport())
    assert isinstance(client.auth, PasswordSessionAuth)
    client.list_quantum_computers()
    assert server.grants == ["password"]
    server.valid.clear()  # the server forgets the access token: 401, refresh, re-send
    client._qcs = None
    client.list_quantum_computers()
    assert server.grants == ["password", "refresh_token"]
    server.valid.clear()
    server.refresh_tokens.clear()  # and the session: refresh fails, so log in again
    client._qcs = None
    client.list_quantum_computers()
    assert server.grants == ["password", "refresh_token", "refresh_token", "password"]


def test_wrong_password_is_a_clear_unauthorized() -> None:
    client = IQMServerClient("http://localhost", username="u", password="wrong",
                             transport=TokenServer().transport())
    with pytest.raises(UnauthorizedError, match=r"login as 'u' .* invalid username or password"):
        client.list_quantum_computers()


def test_static_token_is_never_refreshed() -> None:
    server = TokenServer()
    client = IQMServerClient("http://localhost", token="stale", transport=server.transport())
    with pytest.raises(UnauthorizedError, match="expired") as info:
        client.list_quantum_computers()
    assert info.value.error_code == "TOKEN_EXPIRED" and server.grants == []
    assert len(server.requests) == 1  # no re-send: nothing to refresh
