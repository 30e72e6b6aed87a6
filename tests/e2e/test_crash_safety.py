"""Acknowledged jobs survive crashes of workers and of the API server (real processes)."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.circuits import bell, job
from tests.support.servers import child_pids, serve_process_handle

pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]
SUBMIT = "/api/v1/jobs/star-5/circuit?use_timeslot=false"


def _wait_status(url: str, job_id: str, wanted: set[str], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = httpx.get(f"{url}/api/v1/jobs/{job_id}").json()
        if data["status"] in wanted:
            return data
        time.sleep(0.05)
    raise TimeoutError(f"job {job_id} never reached {wanted}")


def test_killed_worker_job_is_rerun_and_completes_once(tmp_path: Path) -> None:
    env = {"QSTATION_LEASE_SECONDS": "1.5"}
    served = serve_process_handle(tmp_path / "d", ("star-5",), "--workers", "1", env=env)
    with served as (url, proc):
        body = job(*[bell("QB1", "QB3")] * 300, shots=4000)
        job_id = httpx.post(f"{url}{SUBMIT}", json=body, timeout=30).json()["id"]
        _wait_status(url, job_id, {"processing"})
        [worker] = child_pids(proc.pid)
        os.kill(worker, signal.SIGKILL)
        final = _wait_status(url, job_id, {"completed", "failed", "cancelled"}, timeout=150)
        assert final["status"] == "completed", final["errors"]
        stages = [e["status"] for e in final["timeline"]]
        assert "reclaimed_waiting" in stages
        assert stages.count("execution_started") == 2
        assert stages.count("completed") == 1
        counts = httpx.get(f"{url}/api/v1/jobs/{job_id}/artifacts/measurement_counts").json()
        assert len(counts) == 300 and all(sum(c["counts"].values()) == 4000 for c in counts)


def test_acknowledged_jobs_survive_api_kill(tmp_path: Path) -> None:
    data = tmp_path / "d"
    body = job(bell("QB1", "QB3"), shots=10)
    acked: list[str] = []
    with serve_process_handle(data, ("star-5",), "--no-workers") as (url, proc):

        first_ack = threading.Event()

        def submit(_: int) -> str | None:
            try:
                reply = httpx.post(f"{url}{SUBMIT}", json=body, timeout=10)
            except httpx.HTTPError:
                return None
            if reply.status_code != 200:
                return None
            first_ack.set()
            return str(reply.json()["id"])

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(submit, i) for i in range(400)]
            # Kill mid-stream: once submissions are being acknowledged (how soon depends on
            # the machine), a little later, while most are still in flight.
            first_ack.wait(timeout=60)
            time.sleep(0.2)
            proc.send_signal(signal.SIGKILL)
            acked = [f.result() for f in futures if f.result()]
    assert acked, "no submission was acknowledged before the kill"
    with serve_process_handle(data, ("star-5",)) as (url, _):
        for job_id in acked:
            reply = httpx.get(f"{url}/api/v1/jobs/{job_id}")
            assert reply.status_code == 200, job_id
        last = _wait_status(url, acked[-1], {"completed"}, timeout=120)
        assert last["status"] == "completed"
