"""The queue on PostgreSQL: real server, several real workers, SKIP LOCKED claiming."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from qstation.store import migrate
from qstation.store.db import DatabaseNotMigratedError
from tests.support.circuits import bell, job
from tests.support.postgres import fresh_database
from tests.support.servers import serve_process

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]


@pytest.fixture()
def pg_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


def _worker(url: str, *qcs: str) -> subprocess.Popen[bytes]:
    args = [a for qc in qcs for a in ("--qc", qc)]
    cmd = [sys.executable, "-m", "qstation.cli.main", "worker", "--database-url", url, *args]
    return subprocess.Popen(cmd)


def _wait_all(url: str, ids: list[str], timeout: float = 120) -> list[dict]:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, timeout=30) as client:
        for job_id in ids:
            remaining = max(0.1, deadline - time.monotonic())
            client.get(f"/qstation/v1/jobs/{job_id}/wait", params={"timeout": min(remaining, 60)})
        return [client.get(f"/api/v1/jobs/{job_id}").json() for job_id in ids]


def test_unmigrated_database_is_refused(tmp_path: Path) -> None:
    with fresh_database() as url:
        from sqlalchemy import text

        from qstation.store.db import make_sync_engine

        engine = make_sync_engine(url)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'old'"))
        engine.dispose()
        with pytest.raises(DatabaseNotMigratedError, match="qstation db upgrade"):
            migrate.check(url)


def test_many_workers_run_each_job_once_one_at_a_time(tmp_path: Path, pg_url: str) -> None:
    qcs = ("star-5", "lattice-20")
    with serve_process(tmp_path / "d", qcs, "--no-workers", "--database-url", pg_url) as url:
        workers = [_worker(pg_url) for _ in range(3)]
        try:
            with httpx.Client(base_url=url, timeout=30) as client:
                ids = [
                    client.post(f"/api/v1/jobs/{qc}/circuit?use_timeslot=false",
                                json=job(bell("QB1", "QB3" if qc == "star-5" else "QB2"),
                                         shots=200)).json()["id"]
                    for _ in range(15) for qc in qcs
                ]
            jobs = _wait_all(url, ids)
        finally:
            for w in workers:
                w.terminate()
            for w in workers:
                w.wait(timeout=30)
    assert [j["status"] for j in jobs] == ["completed"] * len(ids)
    # Each job ran once, and a quantum computer never ran two jobs at the same time.
    for qc_jobs in (jobs[0::2], jobs[1::2]):
        spans = []
        for j in qc_jobs:
            stages = {e["status"]: e["timestamp"] for e in j["timeline"]}
            assert [e["status"] for e in j["timeline"]].count("execution_started") == 1
            spans.append((stages["execution_started"], stages["execution_ended"]))
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end <= start


def test_a_submission_is_answered_with_its_place_and_its_timeline_kept_in_order(
    tmp_path: Path, pg_url: str
) -> None:
    """On PostgreSQL a job, its first marks and its FIFO position are one statement."""
    from qstation.queue.stages import ORDER

    body = job(bell("QB1", "QB3"), shots=100)
    with serve_process(tmp_path / "d", ("star-5",), "--no-workers", "--database-url",
                       pg_url) as url, httpx.Client(base_url=url, timeout=30) as client:
        acks = [client.post("/api/v1/jobs/star-5/circuit?use_timeslot=false", json=body).json()
                for _ in range(3)]
        assert [a["queue_position"] for a in acks] == [0, 1, 2]
        views = [client.get(f"/api/v1/jobs/{a['id']}").json() for a in acks]
        assert [v["queue_position"] for v in views] == [0, 1, 2]
        worker = _worker(pg_url)
        try:
            done = _wait_all(url, [a["id"] for a in acks])
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    for j in done:
        marks = [e["status"] for e in j["timeline"]]
        assert marks[-1] == "completed" and "ready" in marks
        known = [m for m in marks if m in ORDER]
        assert known == sorted(known, key=ORDER.index), marks
        stamps = [e["timestamp"] for e in j["timeline"]]
        assert stamps == sorted(stamps)
