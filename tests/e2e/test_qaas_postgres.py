"""The QaaS API on PostgreSQL: id hand-out, listings, favourites and records."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.postgres import fresh_database
from tests.support.qaas import BELL_QASM, qaas_app

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


def test_qaas_session_on_postgres(tmp_path: Path) -> None:
    with (
        fresh_database() as url,
        qaas_app(tmp_path, database_url=url) as harness,
        harness.api("user") as alice,
        harness.api("member") as bob,
        harness.api("admin") as admin,
    ):
        assert [d.id for d in alice.list_devices()] == [1, 2, 3]
        (results,) = alice.execute_and_return_results(
            circuit=BELL_QASM, nshots=200, device_id=2, timeout=60, interval=0.2
        )
        counts = results[0].counts
        assert (counts.get("00", 0) + counts.get("11", 0)) / 200 > 0.85
        job_id = alice.list_jobs()[0].id
        alice.favourite_job(job_id)
        assert [j.id for j in alice.list_jobs(favourites=True)] == [job_id]
        assert bob.list_jobs() == []
        card = bob.save_runcard("rc", "d", {"k": [1, 2]}, 1, bob.user_id, "0.1")
        assert bob.get_runcard(runcard_name="rc").id == card
        admin.set_device_to_maintenance(1)
        assert alice.get_device(1).status == "maintenance"
        admin.set_device_to_online(1)
