"""A stored job and its charge to the usage ledger are written together, on both databases.

Without quota limits a fresh submission is stored by one statement on PostgreSQL (the job,
its timeline marks and the ledger's upsert); with an idempotency key or a limit it takes a
transaction. Either way the ledger counts exactly the jobs that were stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DATABASES, client_on
from tests.support.circuits import bell, job

pytestmark = pytest.mark.timeout(60)
SUBMIT = "/api/v1/jobs/star-5/circuit"


def _today(client: Any) -> dict[str, Any]:
    (row,) = client.get("/qstation/v1/usage").json()["users"]
    return dict(row)


def test_each_stored_job_is_charged_once_with_its_timeline(any_client: Any) -> None:
    first = any_client.post(SUBMIT, json=job(bell("QB1", "QB3"), shots=50))
    assert first.status_code == 200
    assert first.json()["queue_position"] == 0
    two = job(bell("QB1", "QB3"), bell("QB2", "QB3"), shots=30)
    keyed = [any_client.post(SUBMIT, json=two, headers={"Idempotency-Key": "k1"})
             for _ in range(2)]
    assert keyed[0].json()["id"] == keyed[1].json()["id"]  # the replay stores nothing
    usage = _today(any_client)
    assert (usage["jobs_today"], usage["shots_today"]) == (2, 50 + 2 * 30)
    done = any_client.get(f"/qstation/v1/jobs/{first.json()['id']}/wait?timeout=30").json()
    assert done["status"] == "completed"
    view = any_client.get(f"/api/v1/jobs/{first.json()['id']}").json()
    marks = [(t["source"], t["status"]) for t in view["timeline"]]
    assert marks[:2] == [("iqm-server", "created"), ("iqm-server", "received")]
    assert ("iqm-server", "pending_execution") in marks
    assert ("iqm-station-control", "ready") in marks
    assert marks[-1] == ("iqm-server", "completed")


@pytest.mark.parametrize("database", DATABASES)
def test_a_refused_submission_leaves_neither_job_nor_charge(
    database: str, tmp_path: Path
) -> None:
    with client_on(database, tmp_path, max_shots_per_day=100) as client:
        assert client.post(SUBMIT, json=job(bell("QB1", "QB3"), shots=60)).status_code == 200
        refused = client.post(SUBMIT, json=job(bell("QB1", "QB3"), shots=60))
        assert refused.status_code == 429
        assert refused.json()["error_code"] == "QUOTA_EXCEEDED"
        usage = _today(client)
        assert (usage["jobs_today"], usage["shots_today"]) == (1, 60)
        assert len(client.get("/qstation/v1/jobs").json()["items"]) == 1


@pytest.mark.parametrize("database", DATABASES)
def test_the_unfinished_jobs_limit_counts_the_job_just_stored(
    database: str, tmp_path: Path
) -> None:
    # Timeslot jobs wait for a booking that nobody made: they stay unfinished.
    with client_on(database, tmp_path, max_queued_jobs=1) as client:
        url = SUBMIT + "?use_timeslot=true"
        assert client.post(url, json=job(bell("QB1", "QB3"), shots=10)).status_code == 200
        refused = client.post(url, json=job(bell("QB1", "QB3"), shots=10))
        assert refused.status_code == 429
        assert refused.json()["error_code"] == "QUOTA_EXCEEDED"
        assert "unfinished" in refused.json()["message"]
        assert int(refused.headers["Retry-After"]) >= 1
        usage = _today(client)
        assert (usage["jobs_today"], usage["shots_today"]) == (1, 10)
