"""Faults on PostgreSQL with real processes: a killed worker, a killed API, a database outage.

Zero acknowledged jobs lost, zero results written twice.
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration._pg import TERMINAL, sql, start_worker, stop, wait_status
from tests.support.circuits import bell, job
from tests.support.postgres import fresh_database
from tests.support.servers import serve_process_handle

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(300)]
SUBMIT = "/api/v1/jobs/star-5/circuit?use_timeslot=false"


@pytest.fixture()
def pg_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


def _api(tmp_path: Path, pg_url: str, name: str = "d"):  # type: ignore[no-untyped-def]
    return serve_process_handle(tmp_path / name, ("star-5",), "--no-workers",
                                "--database-url", pg_url)


def test_killed_worker_job_is_rerun_and_completes_once(tmp_path: Path, pg_url: str) -> None:
    with _api(tmp_path, pg_url) as (url, _):
        first = start_worker(pg_url, "star-5", lease_s=1.5)
        workers = [first]
        try:
            body = job(*[bell("QB1", "QB3")] * 300, shots=4000)
            job_id = httpx.post(f"{url}{SUBMIT}", json=body, timeout=30).json()["id"]
            wait_status(url, job_id, {"processing"})
            first.send_signal(signal.SIGKILL)
            first.wait()
            workers.append(start_worker(pg_url, "star-5", lease_s=1.5))
            final = wait_status(url, job_id, TERMINAL, timeout=200)
        finally:
            stop(workers)
    assert final["status"] == "completed", final["errors"]
    stages = [e["status"] for e in final["timeline"]]
    assert "reclaimed_waiting" in stages
    assert stages.count("execution_started") == 2 and stages.count("completed") == 1
    [(results,)] = sql(pg_url, "SELECT count(*) FROM job_results WHERE job_id = :j", j=job_id)
    assert results == 1


def test_acknowledged_jobs_survive_api_kill(tmp_path: Path, pg_url: str) -> None:
    body = job(bell("QB1", "QB3"), shots=10)
    with _api(tmp_path, pg_url) as (url, proc):

        def submit(_: int) -> str | None:
            try:
                reply = httpx.post(f"{url}{SUBMIT}", json=body, timeout=10)
            except httpx.HTTPError:
                return None
            return str(reply.json()["id"]) if reply.status_code == 200 else None

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(submit, i) for i in range(600)]
            time.sleep(1.0)
            proc.send_signal(signal.SIGKILL)
            acked = [r for f in futures if (r := f.result())]
    assert 0 < len(acked) < 600, "the kill should land in the middle of the burst"
    stored = {row[0] for row in sql(pg_url, "SELECT id FROM jobs")}
    assert set(acked) <= stored
    with _api(tmp_path, pg_url, "again") as (url, _):
        worker = start_worker(pg_url, "star-5")
        try:
            for job_id in acked:
                assert httpx.get(f"{url}/api/v1/jobs/{job_id}").status_code == 200, job_id
            assert wait_status(url, acked[-1], TERMINAL)["status"] == "completed"
        finally:
            stop([worker])


def _cluster(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
                   check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("pg_ctlcluster") is None or os.geteuid() != 0,
                    reason="stopping PostgreSQL needs pg_ctlcluster and root")
def test_database_outage_gives_503_and_recovers(tmp_path: Path, pg_url: str) -> None:
    body = job(bell("QB1", "QB3"), shots=10)
    with _api(tmp_path, pg_url) as (url, _):
        before = [httpx.post(f"{url}{SUBMIT}", json=body, timeout=10).json()["id"]
                  for _ in range(5)]
        _cluster("stop")
        try:
            down = httpx.get(f"{url}/api/v1/jobs/{before[0]}", timeout=30)
            refused = httpx.post(f"{url}{SUBMIT}", json=body, timeout=30)
        finally:
            _cluster("start")
        for reply in (down, refused):
            assert reply.status_code == 503
            assert int(reply.headers["Retry-After"]) > 0  # a real outage says when to retry
            error = reply.json()
            assert error["error_code"] == "SERVICE_UNAVAILABLE"
            assert error["message"] == "the database is unavailable; retry later"
        deadline = time.monotonic() + 60
        while httpx.get(f"{url}/api/v1/jobs/{before[0]}", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "the API did not recover"
            time.sleep(0.2)
        after = httpx.post(f"{url}{SUBMIT}", json=body, timeout=10)
        assert after.status_code == 200
        worker = start_worker(pg_url, "star-5")
        try:
            final = [wait_status(url, j, TERMINAL)["status"] for j in [*before, after.json()["id"]]]
        finally:
            stop([worker])
    assert final == ["completed"] * 6


@pytest.mark.skipif(shutil.which("pg_ctlcluster") is None or os.geteuid() != 0,
                    reason="stopping PostgreSQL needs pg_ctlcluster and root")
def test_worker_rides_out_a_database_outage(tmp_path: Path, pg_url: str) -> None:
    body = job(*[bell("QB1", "QB3")] * 50, shots=500)
    with _api(tmp_path, pg_url) as (url, _):
        worker = start_worker(pg_url, "star-5")
        try:
            ids = [httpx.post(f"{url}{SUBMIT}", json=body, timeout=10).json()["id"]
                   for _ in range(4)]
            wait_status(url, ids[0], {"processing", *TERMINAL})
            _cluster("stop")
            try:
                time.sleep(3)
                assert worker.poll() is None, "the worker died with the database"
            finally:
                _cluster("start")
            final = [wait_status(url, j, TERMINAL)["status"] for j in ids]
            assert worker.poll() is None
        finally:
            stop([worker])
    assert final == ["completed"] * 4
