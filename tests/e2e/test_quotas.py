"""Per-user quotas (429 with Retry-After) and the usage endpoint, end to end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from qstation.schemas.qaas_v1 import GRANT_TYPE, Assertion, compress
from tests.e2e.test_permissions import PASSWORDS
from tests.support.circuits import bell, job
from tests.support.qaas import BELL_QASM, QaasHarness, qaas_app

pytestmark = pytest.mark.timeout(120)
SUBMIT = "/api/v1/jobs/star-5/circuit"


@pytest.fixture()
def world(tmp_path: Any) -> Iterator[tuple[QaasHarness, dict[str, dict[str, str]]]]:
    with qaas_app(tmp_path, max_queued_jobs=2, max_shots_per_day=100) as harness:
        tokens = {}
        for role, (username, password) in PASSWORDS.items():
            grant = {"grant_type": "password", "username": username, "password": password}
            reply = harness.http.post("/qstation/v1/auth/token", json=grant).json()
            tokens[role] = {"Authorization": f"Bearer {reply['access_token']}"}
        yield harness, tokens


def _submit(h: QaasHarness, auth: dict[str, str], shots: int, timeslot: bool = False) -> Any:
    return h.http.post(
        f"{SUBMIT}?use_timeslot={str(timeslot).lower()}",
        json=job(bell("QB1", "QB3"), shots=shots),
        headers=auth,
    )


def test_too_many_unfinished_jobs_is_429_with_retry_after(world: Any) -> None:
    h, tok = world
    alice = tok["user"]
    # Timeslot jobs of a user without a booking stay waiting: they fill the queue quota.
    assert [_submit(h, alice, 1, timeslot=True).status_code for _ in range(2)] == [200, 200]
    refused = _submit(h, alice, 1, timeslot=True)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "10"
    assert refused.json()["error_code"] == "QUOTA_EXCEEDED"
    assert "at most 2 may be waiting or running" in refused.json()["message"]
    listed = h.http.get("/qstation/v1/jobs", headers=alice).json()["items"]
    assert len(listed) == 2  # the refused job was not stored
    # Another tenant is not affected by alice's queue.
    assert _submit(h, tok["other"], 1).status_code == 200


def test_daily_shots_are_limited_and_not_given_back_by_deleting(world: Any) -> None:
    h, tok = world
    carol = tok["other"]
    first = _submit(h, carol, 60)
    assert first.status_code == 200
    job_id = first.json()["id"]
    h.http.get(f"/qstation/v1/jobs/{job_id}/wait", params={"timeout": 30}, headers=carol)
    assert h.http.delete(f"/api/v1/jobs/{job_id}", headers=carol).status_code == 204
    refused = _submit(h, carol, 60)
    assert refused.status_code == 429
    retry = int(refused.headers["Retry-After"])
    assert 0 < retry <= 86_401
    assert "resets at 00:00 UTC" in refused.json()["message"]
    # The QaaS API shares the quota, and answers with its own error body.
    username, key = h.keys["other"]
    assertion = Assertion(username=username, api_key=key).encode()
    login = h.http.post(
        "/qaas/api/v1/authorisation-tokens", json={"grantType": GRANT_TYPE, "assertion": assertion}
    ).json()
    qaas = h.http.post(
        "/qaas/api/v1/circuits",
        json={
            "device_id": 2,
            "number_shots": 60,
            "job_type": "circuit",
            "description": compress([BELL_QASM]),
        },
        headers={"Authorization": f"Bearer {login['accessToken']}"},
    )
    assert qaas.status_code == 429 and "Retry-After" in qaas.headers
    assert qaas.json()["status"] == 429


def test_usage_reports_consumption_and_qpu_seconds(world: Any) -> None:
    h, tok = world
    alice, carol, admin = tok["user"], tok["other"], tok["admin"]
    job_id = _submit(h, carol, 30).json()["id"]
    h.http.get(f"/qstation/v1/jobs/{job_id}/wait", params={"timeout": 30}, headers=carol)
    _submit(h, alice, 5, timeslot=True)
    mine = h.http.get("/qstation/v1/usage", headers=carol).json()
    assert mine["limits"] == {"max_queued_jobs": 2, "max_shots_per_day": 100}
    [row] = mine["users"]
    assert (row["username"], row["jobs_today"], row["shots_today"]) == ("carol", 1, 30)
    assert row["jobs_run"] == 1 and row["queued_jobs"] == 0
    timeline = {
        e["status"]: e["timestamp"]
        for e in h.http.get(f"/api/v1/jobs/{job_id}", headers=carol).json()["timeline"]
    }
    assert "execution_started" in timeline and "execution_ended" in timeline
    assert 0 < row["qpu_seconds_total"] == row["qpu_seconds_today"] < 30
    everyone = h.http.get("/qstation/v1/usage", headers=admin).json()["users"]
    by_name = {u["username"]: u for u in everyone}
    assert {"admin", "alice", "bob", "carol"} <= set(by_name)
    assert by_name["alice"]["queued_jobs"] == 1 and by_name["bob"]["jobs_today"] == 0
    assert (
        h.http.get("/qstation/v1/usage", params={"username": "carol"}, headers=alice).status_code
        == 403
    )
