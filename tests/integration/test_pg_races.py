"""Races on PostgreSQL: cancels against completions, and timeslot claiming, with real workers.

Every job ends in exactly one consistent state: completed with exactly one result, or
cancelled with none; its timeline names one end.
"""

from __future__ import annotations

import concurrent.futures
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.integration._pg import TERMINAL, sql, start_worker, stop, wait_status
from tests.support.circuits import bell, job
from tests.support.postgres import fresh_database
from tests.support.servers import serve_process_handle

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture()
def pg_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


def test_cancel_and_complete_races_end_consistently(tmp_path: Path, pg_url: str) -> None:
    body = job(*[bell("QB1", "QB3")] * 20, shots=500)
    rng = random.Random(7)
    with serve_process_handle(tmp_path / "d", ("star-5",), "--no-workers",
                              "--database-url", pg_url) as (url, _):
        workers = [start_worker(pg_url, "star-5") for _ in range(2)]
        try:
            with httpx.Client(base_url=url, timeout=30) as client:
                ids = [client.post("/api/v1/jobs/star-5/circuit", json=body).json()["id"]
                       for _ in range(30)]

                def cancel(job_id: str) -> int:
                    # Land cancels while jobs wait, run, and just after they completed.
                    wait_status(url, job_id, {"waiting", "processing", *TERMINAL})
                    if rng.random() < 0.5:
                        wait_status(url, job_id, {"processing", *TERMINAL})
                    return client.post(f"/api/v1/jobs/{job_id}/cancel").status_code

                with concurrent.futures.ThreadPoolExecutor(8) as pool:
                    codes = list(pool.map(cancel, ids))
            final = [wait_status(url, j, TERMINAL) for j in ids]
        finally:
            stop(workers)
    assert set(codes) == {204}
    results = dict(sql(pg_url, "SELECT job_id, count(*) FROM job_results GROUP BY job_id"))
    statuses = [data["status"] for data in final]
    assert set(statuses) <= {"completed", "cancelled"} and "cancelled" in statuses
    for data in final:
        ends = [e["status"] for e in data["timeline"] if e["status"] in TERMINAL]
        assert ends == [data["status"]], data["timeline"]
        assert results.get(str(data["id"]), 0) == (1 if data["status"] == "completed" else 0)
    assert not sql(pg_url, "SELECT id FROM jobs WHERE status = 'processing'")


def test_timeslot_claims_on_postgres(tmp_path: Path, pg_url: str) -> None:
    """Within a window only the booked user's timeslot jobs run (auth off: owner is NULL,
    so a booking for anyone leaves the shared tenant's timeslot jobs waiting)."""
    with serve_process_handle(tmp_path / "d", ("star-5",), "--no-workers",
                              "--database-url", pg_url) as (url, _):
        worker = start_worker(pg_url, "star-5")
        try:
            with httpx.Client(base_url=url, timeout=30) as client:
                submit = "/api/v1/jobs/star-5/circuit?use_timeslot="
                small = job(bell("QB1", "QB3"), shots=10)
                slot = client.post(submit + "true", json=small).json()["id"]
                start = datetime.now(UTC) - timedelta(seconds=1)
                booking = client.post("/qstation/v1/bookings", json={
                    "quantum_computer": "star-5", "username": "someone",
                    "starts_at": start.isoformat(),
                    "ends_at": (start + timedelta(minutes=10)).isoformat(),
                }).json()
                fifo = client.post(submit + "false", json=small).json()["id"]
                data = client.get(f"/api/v1/jobs/{fifo}").json()
                assert data["status"] == "waiting" and data["queue_position"] == 0
                assert any("booked for a timeslot" in m["message"] for m in data["messages"])
                client.delete(f"/qstation/v1/bookings/{booking['id']}")
                assert wait_status(url, fifo, TERMINAL)["status"] == "completed"
                assert client.get(f"/api/v1/jobs/{slot}").json()["status"] == "waiting"
        finally:
            stop([worker])
