"""On PostgreSQL a killed worker's job runs again on another worker long before its lease
would run out: liveness is the worker's database session (an advisory lock), not the lease.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration._pg import TERMINAL, sql, start_worker, stop, wait_status
from tests.support.circuits import bell, job
from tests.support.postgres import fresh_database
from tests.support.servers import serve_process_handle

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]
SUBMIT = "/api/v1/jobs/star-5/circuit?use_timeslot=false"
LEASE_S = 60.0


@pytest.fixture()
def pg_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


def _claimed_by(url: str, job_id: str) -> str | None:
    [(owner,)] = sql(url, "SELECT claimed_by FROM jobs WHERE id = :j", j=job_id)
    return owner  # type: ignore[no-any-return]


def test_killed_worker_job_runs_again_elsewhere_within_seconds(tmp_path: Path, pg_url: str) -> None:
    data = tmp_path / "data"
    with serve_process_handle(data, ("star-5",), "--no-workers", "--database-url", pg_url) as (
        url,
        _,
    ):
        workers = [start_worker(pg_url, "star-5", lease_s=LEASE_S) for _ in range(2)]
        try:
            body = job(*[bell("QB1", "QB3")] * 300, shots=4000)
            job_id = httpx.post(f"{url}{SUBMIT}", json=body, timeout=30).json()["id"]
            wait_status(url, job_id, {"processing"})
            first = _claimed_by(pg_url, job_id)
            assert first is not None
            victim = next(w for w in workers if f":{w.pid}:" in first)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            killed_at = time.monotonic()
            while (owner := _claimed_by(pg_url, job_id)) in (first, None):
                assert time.monotonic() - killed_at < LEASE_S, "not reclaimed before the lease"
                time.sleep(0.1)
            rerun_after = time.monotonic() - killed_at
            final = wait_status(url, job_id, TERMINAL, timeout=240)
        finally:
            stop(workers)
    print(f"running again on {owner} {rerun_after:.2f} s after the kill (lease {LEASE_S} s)")
    # Well inside the lease: the lock, not the lease, revealed the death.
    assert rerun_after < LEASE_S / 6
    assert final["status"] == "completed", final["errors"]
    stages = [e["status"] for e in final["timeline"]]
    assert "reclaimed_waiting" in stages and stages.count("completed") == 1
    [(results,)] = sql(pg_url, "SELECT count(*) FROM job_results WHERE job_id = :j", j=job_id)
    assert results == 1


def test_a_lost_liveness_session_is_noticed_and_the_lock_taken_again(pg_url: str) -> None:
    from sqlalchemy import event, text

    from qstation.queue.liveness import NAMESPACE, LivenessLock, dead_workers, lock_key
    from qstation.store.db import make_sync_engine

    engine = make_sync_engine(pg_url)
    lock = LivenessLock(engine, "w-1")
    try:
        lock.hold()
        with engine.connect() as conn:
            assert dead_workers(conn, ["w-1"]) == []
            pid = conn.execute(
                text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = :ns "
                     "AND objid = :key"), {"ns": NAMESPACE, "key": lock_key("w-1")}
            ).scalar_one()
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 10
            while dead_workers(conn, ["w-1"]) != ["w-1"] and time.monotonic() < deadline:
                time.sleep(0.05)
            assert dead_workers(conn, ["w-1"]) == ["w-1"]
        lock.hold()  # sees the session ended (without a query while it is quiet) ...
        with engine.connect() as conn:
            assert dead_workers(conn, ["w-1"]) == []  # ... and holds the lock again
        sent: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
        lock.hold()  # a quiet, live session is kept without a round trip
        assert sent == []
        with engine.connect() as conn:
            assert dead_workers(conn, ["w-1"]) == []
    finally:
        lock.release()
        engine.dispose()
