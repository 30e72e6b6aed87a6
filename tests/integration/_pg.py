"""Helpers of the PostgreSQL fault and race tests: worker processes, waiting, raw SQL."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import httpx
from sqlalchemy import text

from qstation.store.db import make_sync_engine

TERMINAL = {"completed", "failed", "cancelled"}


def start_worker(url: str, *qcs: str, lease_s: float = 30.0) -> subprocess.Popen[bytes]:
    """A real ``qstation worker`` process on the database at ``url``."""
    args = [a for qc in qcs for a in ("--qc", qc)]
    cmd = [sys.executable, "-m", "qstation.cli.main", "worker", "--database-url", url,
           "--lease-seconds", str(lease_s), "--poll-seconds", "0.5", *args]
    return subprocess.Popen(cmd)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Terminate processes this test started, then reap them."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_status(url: str, job_id: str, wanted: set[str], timeout: float = 120) -> dict[str, Any]:
    """Poll a job until its status is one of ``wanted``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = httpx.get(f"{url}/api/v1/jobs/{job_id}", timeout=10)
        if reply.status_code == 200 and reply.json()["status"] in wanted:
            data: dict[str, Any] = reply.json()
            return data
        time.sleep(0.05)
    raise TimeoutError(f"job {job_id} never reached {wanted}")


def sql(url: str, statement: str, **params: Any) -> list[Any]:
    """Rows of one SQL statement run directly on the database."""
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            return list(conn.execute(text(statement), params).all())
    finally:
        engine.dispose()
