"""Authentication end to end: the SDK's three ways against the real app with auth on."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qstation.client import (
    ClientAuthenticationError,
    ClientConfigurationError,
    ConflictError,
    ForbiddenError,
    IQMClient,
    IQMServerClient,
    JobStatus,
    NotFoundError,
    UnauthorizedError,
)
from qstation.client.auth import jwt_claims, login, revoke, save_tokens_file
from tests.e2e.test_sdk import bell
from tests.support.servers import InProcessWorker

pytestmark = pytest.mark.timeout(60)
URL = "http://localhost"
ADMIN = {"username": "admin", "password": "admin-pass-1"}
TTL = 2  # seconds an access token lives in these tests
#: A token's expiry is a whole second, rounded up: it lives at least TTL, less than TTL + 1.
EXPIRED = TTL + 1.2


@pytest.fixture()
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The real app with authentication on, a real worker, and users alice and bob."""
    from fastapi.testclient import TestClient

    from qstation.server.app import create_app
    from qstation.server.config import Settings
    from qstation.store import migrate

    for var in (
        "IQM_TOKEN",
        "IQM_TOKENS_FILE",
        "IQM_AUTH_SERVER",
        "IQM_AUTH_USERNAME",
        "IQM_AUTH_PASSWORD",
    ):
        monkeypatch.delenv(var, raising=False)
    settings = Settings(
        data_dir=tmp_path / "data",
        qc=["lattice-20"],
        auth=True,
        admin_password=ADMIN["password"],
        access_token_ttl=TTL,
    )
    migrate.upgrade(settings.resolved_database_url())
    with (
        TestClient(create_app(settings)) as client,
        InProcessWorker(settings.resolved_database_url(), settings.notify_dir),
    ):
        admin = IQMServerClient(URL, http_client=client, **ADMIN)
        admin.create_user("alice", "alice-pass-1")
        admin.create_user("bob", "bob-pass-12")
        yield client


def sdk(app: Any, **auth: Any) -> IQMClient:
    return IQMClient(URL, quantum_computer="lattice-20", http_client=app, **auth)


def test_no_or_bad_credentials_are_refused_clearly(app: Any) -> None:
    with pytest.raises(UnauthorizedError, match="requires a bearer token") as info:
        sdk(app).get_quantum_architecture()
    assert info.value.error_code == "MISSING_TOKEN"
    with pytest.raises(UnauthorizedError, match=r"login as 'alice'.*invalid username or password"):
        sdk(app, username="alice", password="wrong-pass").get_quantum_architecture()
    with pytest.raises(UnauthorizedError, match="invalid token"):
        sdk(app, token="not-a-token").get_quantum_architecture()
    with pytest.raises(ClientConfigurationError, match="mutually exclusive"):
        sdk(app, token="t", username="alice", password="alice-pass-1")


def test_password_session_runs_jobs_and_survives_expiry(app: Any) -> None:
    grants: list[str] = []
    bearers: list[str] = []

    def record(request: Any) -> None:
        if request.url.path.endswith("/auth/token"):
            grants.append(request.content.decode().split("&")[0])
        bearers.append(request.headers.get("authorization", ""))

    app.event_hooks["request"].append(record)
    alice = sdk(app, username="alice", password="alice-pass-1")
    assert alice.run([bell()], shots=100).result(timeout=30).status is JobStatus.COMPLETED
    me = alice.server.whoami()
    assert (me.username, me.is_admin, me.auth_enabled) == ("alice", False, True)
    time.sleep(EXPIRED)  # the access token has expired: the client refreshes first
    assert alice.list_jobs().items
    assert grants == ["grant_type=password", "grant_type=refresh_token"]
    access = bearers[-1].removeprefix("Bearer ")
    alice.server.logout()  # ends the session: its still-unexpired access token stops working
    with pytest.raises(UnauthorizedError, match="revoked"):
        sdk(app, token=access).list_jobs()
    assert alice.list_jobs().items  # the client simply logs in again


def test_tokens_file_is_refreshed_in_place_and_expiry_is_clear(app: Any, tmp_path: Path) -> None:
    tokens = login(URL, "bob", "bob-pass-12", http_client=app)
    assert "-" not in tokens.access_token.split(".")[1]  # standard-base64 safe (IQM clients)
    assert "_" not in tokens.access_token.split(".")[1]
    path = tmp_path / "tokens.json"
    save_tokens_file(path, tokens, URL)
    bob = sdk(app, tokens_file=str(path))
    job_id = bob.submit_circuits([bell()], shots=10)
    time.sleep(EXPIRED)
    assert bob.wait_for_results(job_id, timeout_secs=30).status is JobStatus.COMPLETED
    refreshed = json.loads(path.read_text())
    assert refreshed["access_token"] != tokens.access_token
    assert refreshed["refresh_token"] != tokens.refresh_token
    assert jwt_claims(refreshed["access_token"])["sub"] == "bob"  # type: ignore[index]
    # The access token alone has expired; without a refresh token that is a clear error.
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps({"access_token": tokens.access_token}))
    with pytest.raises(ClientAuthenticationError, match="expired"):
        sdk(app, tokens_file=str(stale)).list_jobs()
    with pytest.raises(UnauthorizedError, match="expired") as info:
        sdk(app, token=tokens.access_token).list_jobs()
    assert info.value.error_code == "TOKEN_EXPIRED"
    # Reusing a rotated-away refresh token ends the session (reuse detection).
    old = tmp_path / "old.json"
    save_tokens_file(old, tokens, URL)
    with pytest.raises(ClientAuthenticationError, match="already used"):
        sdk(app, tokens_file=str(old)).list_jobs()
    with pytest.raises(ClientAuthenticationError, match="session"):
        sdk(app, tokens_file=str(path)).list_jobs()


def test_api_tokens_are_issued_by_admin_and_revocable(app: Any) -> None:
    admin = IQMServerClient(URL, http_client=app, **ADMIN)
    issued = admin.create_api_token(username="alice", label="ci")
    alice = sdk(app, token=issued.token)
    assert alice.server.whoami().username == "alice"
    assert alice.run([bell()], shots=10).wait(timeout=30) is JobStatus.COMPLETED
    listed = {t.id: t for t in admin.list_api_tokens(all_users=True)}
    assert listed[issued.id].kind == "api" and not listed[issued.id].revoked
    admin.revoke_token(issued.id)
    with pytest.raises(UnauthorizedError, match="revoked"):
        alice.list_jobs()
    alice_password = sdk(app, username="alice", password="alice-pass-1")
    mine = alice_password.server.create_api_token(label="mine", expires_in=3600)
    assert mine.username == "alice" and mine.expires_at is not None
    with pytest.raises(ForbiddenError):
        alice_password.server.create_api_token(username="bob")
    revoke(URL, mine.token, http_client=app)
    with pytest.raises(UnauthorizedError):
        sdk(app, token=mine.token).list_jobs()


def test_jobs_are_scoped_to_their_owner(app: Any) -> None:
    alice = sdk(app, username="alice", password="alice-pass-1")
    bob = sdk(app, username="bob", password="bob-pass-12")
    job = alice.run([bell()], shots=10, idempotency_key="shared-key")
    job.wait(timeout=30)
    for call in (
        bob.get_run_status,
        bob.get_run,
        bob.get_job_measurement_counts,
        bob.cancel_job,
        bob.delete_job,
        lambda j: bob.wait_for_results(j, timeout_secs=5),
    ):
        with pytest.raises(NotFoundError):
            call(job.job_id)
    assert bob.list_jobs().items == []
    assert [j.id for j in alice.list_jobs().items] == [job.job_id]
    with pytest.raises(ForbiddenError):
        bob.list_jobs(all_users=True)
    admin = sdk(app, **ADMIN)
    assert admin.list_jobs().items == []  # an admin's own jobs by default...
    everyone = admin.list_jobs(all_users=True).items  # ...and everyone's when asked
    assert [(j.id, j.owner) for j in everyone] == [(job.job_id, "alice")]
    # Idempotency keys are per owner: the same key gives bob his own job.
    assert bob.submit_circuits([bell()], shots=10, idempotency_key="shared-key") != job.job_id


def test_only_admins_manage_users(app: Any) -> None:
    admin = IQMServerClient(URL, http_client=app, **ADMIN)
    alice = IQMServerClient(URL, http_client=app, username="alice", password="alice-pass-1")
    with pytest.raises(ForbiddenError, match="admin"):
        alice.create_user("mallory", "mallory-pass")
    with pytest.raises(ForbiddenError):
        alice.list_users()
    assert [u.username for u in admin.list_users()] == ["admin", "alice", "bob"]
    admin.delete_user("bob")
    with pytest.raises(UnauthorizedError):
        IQMServerClient(
            URL, http_client=app, username="bob", password="bob-pass-12"
        ).list_quantum_computers()
    with pytest.raises(NotFoundError):
        admin.delete_user("bob")


def test_removed_users_name_is_not_reused_while_their_jobs_remain(app: Any) -> None:
    admin = IQMServerClient(URL, http_client=app, **ADMIN)
    bob = sdk(app, username="bob", password="bob-pass-12")
    job = bob.run([bell()], shots=10)
    job.wait(timeout=30)
    admin.delete_user("bob")
    # A new "bob" would inherit the old one's jobs, so the name stays retired.
    with pytest.raises(ConflictError, match="removed user"):
        admin.create_user("bob", "new-bob-pass-1")
    admin.create_user("robert", "robert-pass-1")
