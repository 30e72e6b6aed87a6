"""Logins, tokens, roles and isolation of the QaaS API, through our client and raw HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from qstation.qaas import API, AuthenticationError, NotFound, PermissionDenied
from tests.support.qaas import BELL_QASM, QaasHarness, qaas_app

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QaasHarness]:
    # Access tokens last one second, so a test can watch one expire and be refreshed.
    with qaas_app(tmp_path_factory.mktemp("qaas-accounts"), access_token_ttl=1) as running:
        yield running


def test_login_identity_and_bad_keys(harness: QaasHarness) -> None:
    with harness.api("user") as alice, harness.api("member") as bob:
        assert alice.user_id != bob.user_id and alice.ping() == "OK"
        assert (alice.role, bob.role) == ("user", "member")
    for username, key in (
        ("alice", "qaas_1_wrong"),
        ("alice", "garbage"),
        ("bob", harness.keys["user"][1]),
        ("nobody", "qaas_9_x"),
    ):
        with pytest.raises(AuthenticationError, match="Invalid username or api key"):
            API.login(
                username, key, url="http://testserver/qaas", transport=harness.http._transport
            )


def test_expired_access_token_is_refreshed_transparently(harness: QaasHarness) -> None:
    with harness.api("user") as alice:
        alice.list_devices()
        time.sleep(2.1)
        assert len(alice.list_devices()) == 3  # 401, refresh, re-send
        time.sleep(2.1)
        assert alice.get_device(1).name == "lattice-20"  # the same refresh token again


def test_revoked_key_cannot_log_in(harness: QaasHarness) -> None:
    key = harness.add_key("spare", "carol")
    keys = harness.http.get(
        "/qstation/v1/qaas/api-keys", params={"username": "carol"}, headers=harness.admin_headers
    ).json()
    key_id = next(k["id"] for k in keys if key.startswith(f"qaas_{k['id']}_"))
    harness.http.delete(
        f"/qstation/v1/qaas/api-keys/{key_id}", headers=harness.admin_headers
    ).raise_for_status()
    with pytest.raises(AuthenticationError):
        API.login("carol", key, url="http://testserver/qaas", transport=harness.http._transport)


def test_roles_are_enforced(harness: QaasHarness) -> None:
    with harness.api("user") as alice, harness.api("member") as bob, harness.api("admin") as admin:
        for call in (
            lambda: alice.set_device_to_maintenance(1),
            lambda: bob.set_device_to_online(1),
            lambda: alice.save_runcard("rc", "d", {}, 1, alice.user_id, "0"),
            lambda: alice.list_runcards(),
            lambda: alice.save_calibration("c", "d", "x", 1, alice.user_id, "0"),
            lambda: alice._conn.call("GET", f"/users/{bob.user_id}"),
        ):
            with pytest.raises(PermissionDenied):
                call()
        bob.save_runcard("rc", "d", {"k": 1}, 1, bob.user_id, "0")
        admin.set_device_to_maintenance(1)
        admin.set_device_to_online(1)
        assert admin._conn.call("GET", f"/users/{bob.user_id}")["username"] == "bob"
        assert alice._conn.call("GET", f"/users/{alice.user_id}")["role"] == "user"


def test_users_see_only_their_own_jobs(harness: QaasHarness) -> None:
    with harness.api("user") as alice, harness.api("other") as carol, harness.api("admin") as admin:
        job_id = alice.execute(circuit=BELL_QASM, nshots=5, device_id=1)
        assert job_id not in [j.id for j in carol.list_jobs()]
        for call in (
            lambda: carol.get_job(job_id),
            lambda: carol.cancel_job(job_id),
            lambda: carol.delete_job(job_id),
        ):
            with pytest.raises(NotFound, match="does not exist"):
                call()
        assert admin.get_job(job_id).user_id == alice.user_id


def test_account_routes_need_authority(harness: QaasHarness) -> None:
    grant = {"grant_type": "password", "username": "alice", "password": "alice-password"}

    def alice() -> dict[str, str]:
        # This harness's tokens live 1 s (to test refresh elsewhere): log in per request.
        token = harness.http.post("/qstation/v1/auth/token", json=grant).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    own = harness.http.post("/qstation/v1/qaas/api-keys", json={"label": "mine"}, headers=alice())
    assert own.status_code == 201 and own.json()["username"] == "alice"
    other = harness.http.post(
        "/qstation/v1/qaas/api-keys", json={"username": "bob"}, headers=alice()
    )
    assert other.status_code == 403
    role = harness.http.put(
        "/qstation/v1/qaas/users/alice", json={"role": "member"}, headers=alice()
    )
    assert role.status_code == 403


def test_without_auth_everyone_is_the_shared_admin(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with (
        qaas_app(tmp_path_factory.mktemp("qaas-open"), auth=False) as open_app,
        open_app.api("user") as anyone,
    ):
        assert (anyone.user_id, anyone.role) == (0, "admin")
        assert anyone.save_runcard("rc", "d", {}, 1, 0, "0") == 1
        reply = open_app.http.post("/qstation/v1/qaas/api-keys", json={})
        assert reply.status_code == 409 and "authentication is off" in reply.json()["message"]
