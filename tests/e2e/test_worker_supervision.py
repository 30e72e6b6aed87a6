"""``qstation serve`` supervises its embedded workers: one killed with ``kill -9`` is
replaced, and its job runs again on a worker long before its lease would run out."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from tests.support.circuits import bell, job
from tests.support.servers import serve_process

pytestmark = pytest.mark.timeout(300)
LEASE_S = 60.0
TERMINAL = {"completed", "failed", "cancelled"}


def _claim(data: Path, job_id: str) -> tuple[str, str | None]:
    with sqlite3.connect(f"file:{data / 'qstation.db'}?mode=ro", uri=True) as db:
        row = db.execute("SELECT status, claimed_by FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return row[0], row[1]


def test_killed_embedded_worker_is_replaced_and_its_job_rerun(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"QSTATION_LEASE_SECONDS": str(LEASE_S)}
    with serve_process(data, ("star-5",), "--workers", "2", env=env) as url:
        body = job(*[bell("QB1", "QB3")] * 300, shots=4000)
        job_id = httpx.post(f"{url}/api/v1/jobs/star-5/circuit", json=body, timeout=30).json()["id"]
        while (claim := _claim(data, job_id))[0] != "processing":
            time.sleep(0.1)
        first = claim[1]
        assert first is not None
        os.kill(int(first.split(":")[1]), signal.SIGKILL)
        killed_at = time.monotonic()
        while (claim := _claim(data, job_id))[1] in (first, None) and claim[0] not in TERMINAL:
            assert time.monotonic() - killed_at < LEASE_S, "not reclaimed before the lease"
            time.sleep(0.1)
        rerun_after = time.monotonic() - killed_at
        while (final := httpx.get(f"{url}/api/v1/jobs/{job_id}", timeout=30).json())[
            "status"
        ] not in TERMINAL:
            time.sleep(0.5)
        with sqlite3.connect(f"file:{data / 'qstation.db'}?mode=ro", uri=True) as db:
            (results,) = db.execute(
                "SELECT count(*) FROM job_results WHERE job_id = ?", (job_id,)
            ).fetchone()
    print(f"running again {rerun_after:.2f} s after the kill (lease {LEASE_S} s)")
    assert rerun_after < LEASE_S / 6  # the supervisor, not the lease, noticed
    assert final["status"] == "completed", final
    assert results == 1
