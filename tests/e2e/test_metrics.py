"""``/metrics`` in the Prometheus text format, the request ids and the access log."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.circuits import bell, job
from tests.support.servers import free_port, serve_process

pytestmark = pytest.mark.timeout(120)


def scrape(url: str, **kw: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of ``/metrics``, parsed by the official parser: (name, labels) → value."""
    reply = httpx.get(f"{url}/metrics", **kw)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/plain; version=")
    out = {}
    for family in text_string_to_metric_families(reply.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_counters_and_histograms_move_across_api_and_worker_processes(tmp_path: Path) -> None:
    # The API and its worker are separate processes: counts are added up across them.
    with serve_process(tmp_path / "data", ("star-5",), "--workers", "1") as url:
        before = scrape(url)
        deadline = time.monotonic() + 60  # the worker process starts beside the API
        while value(before, "qstation_workers") < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
            before = scrape(url)
        assert value(before, "qstation_workers") == 1.0  # the worker process counts itself
        assert value(before, "qstation_calibration_age_seconds", quantum_computer="star-5") > 0
        fifo = {"quantum_computer": "star-5", "queue": "fifo"}
        slot = {"quantum_computer": "star-5", "queue": "timeslot"}
        ids = []
        for _ in range(3):
            reply = httpx.post(
                f"{url}/api/v1/jobs/star-5/circuit", json=job(bell("QB1", "QB3"), shots=100)
            )
            ids.append(reply.json()["id"])
        for job_id in ids:
            done = httpx.get(f"{url}/qstation/v1/jobs/{job_id}/wait?timeout=60", timeout=70)
            assert done.json()["status"] == "completed"
        # A timeslot job without a booking waits; cancelling it ends it in the API process.
        waiting = httpx.post(
            f"{url}/api/v1/jobs/star-5/circuit?use_timeslot=true", json=job(bell("QB1", "QB3"))
        ).json()["id"]
        mid = scrape(url)
        assert value(mid, "qstation_queue_depth", status="waiting", **slot) == 1.0
        httpx.post(f"{url}/api/v1/jobs/{waiting}/cancel").raise_for_status()
        after = scrape(url)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("qstation_jobs_submitted_total", **fifo) == 3
    assert moved("qstation_jobs_submitted_total", **slot) == 1
    assert moved("qstation_jobs_finished_total", status="completed", **fifo) == 3
    assert moved("qstation_jobs_finished_total", status="cancelled", **slot) == 1
    assert moved("qstation_job_execution_seconds_count", **fifo) == 3
    assert moved("qstation_job_queue_wait_seconds_count", **fifo) == 3
    assert moved("qstation_job_turnaround_seconds_count", **fifo) == 3
    assert moved("qstation_job_turnaround_seconds_count", **slot) == 1  # it never ran
    assert moved("qstation_job_execution_seconds_count", **slot) == 0
    assert moved("qstation_job_execution_seconds_sum", **fifo) > 0
    # Histogram buckets are cumulative and end in +Inf = count.
    assert value(after, "qstation_job_turnaround_seconds_bucket", le="+Inf", **fifo) == 3
    assert value(after, "qstation_queue_depth", status="waiting", **slot) == 0.0
    submit = {"method": "POST", "route": "/api/v1/jobs/{qc}/circuit", "status": "200"}
    assert moved("qstation_http_requests_total", **submit) == 4
    assert (
        value(
            after,
            "qstation_http_request_duration_seconds_count",
            method="POST",
            route="/api/v1/jobs/{qc}/circuit",
        )
        == 4
    )


@pytest.fixture()
def client(tmp_path: Path) -> Any:
    from fastapi.testclient import TestClient

    from qstation.server.app import create_app
    from qstation.server.config import Settings
    from qstation.store import migrate

    def make(**settings: Any) -> Any:
        s = Settings(data_dir=tmp_path / "data", qc=["star-5"], **settings)
        migrate.upgrade(s.resolved_database_url())
        return TestClient(create_app(s))

    return make


def test_metrics_token_protects_the_endpoint(client: Any) -> None:
    with client(metrics_token="s3cret-scrape") as c:
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
        ok = c.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
        assert ok.status_code == 200 and "qstation_queue_depth" in ok.text


def test_request_ids_and_the_access_log(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    from qstation.server.observe import access_log

    access_log.addHandler(caplog.handler)
    try:
        with client() as c:  # embedded mode: no access log by default
            c.get("/qstation/v1/health")
        assert not [r for r in caplog.records if r.name == "qstation.access"]
        with client(access_log=True) as c:
            given = c.get("/qstation/v1/health", headers={"X-Request-ID": "trace-me-42"})
            fresh = c.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000")
            bad = c.get("/qstation/v1/health", headers={"X-Request-ID": "bad id\nwith newline"})
        assert given.headers["x-request-id"] == "trace-me-42"
        assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["x-request-id"])
        assert bad.headers["x-request-id"] != "bad id\nwith newline"
        lines = [r.getMessage() for r in caplog.records if r.name == "qstation.access"]
        assert any(
            '"GET /qstation/v1/health HTTP/1.1" 200' in ln and "rid=trace-me-42" in ln
            for ln in lines
        )
        assert any(" 404 " in ln and f"rid={fresh.headers['x-request-id']}" in ln for ln in lines)
        caplog.clear()
        with client(access_log=True, access_log_json=True) as c:
            c.get("/qstation/v1/health?x=1")
        record = [r for r in caplog.records if r.name == "qstation.access"][-1].getMessage()
        assert '"path": "/qstation/v1/health?x=1"' in record and '"status": 200' in record
    finally:
        access_log.removeHandler(caplog.handler)
        logging.getLogger("qstation.access").setLevel(logging.WARNING)


def test_a_worker_on_another_host_serves_its_own_metrics(tmp_path: Path) -> None:
    data = tmp_path / "data"
    port = free_port()
    with serve_process(data, ("star-5",), "--no-workers") as url:
        cmd = [
            sys.executable,
            "-m",
            "qstation.cli.main",
            "worker",
            "--database-url",
            f"sqlite:///{data / 'qstation.db'}",
            "--notify-dir",
            str(data / "run"),
            "--qc",
            "star-5",
            "--metrics-port",
            str(port),
        ]
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        worker = subprocess.Popen(cmd, env=env)
        try:
            job_id = httpx.post(
                f"{url}/api/v1/jobs/star-5/circuit", json=job(bell("QB1", "QB3"), shots=50)
            ).json()["id"]
            done = httpx.get(f"{url}/qstation/v1/jobs/{job_id}/wait?timeout=60", timeout=70)
            assert done.json()["status"] == "completed"
            remote = scrape(f"http://127.0.0.1:{port}")
            api = scrape(url)
        finally:
            worker.terminate()
            worker.wait(timeout=15)
    fifo = {"quantum_computer": "star-5", "queue": "fifo"}
    # The worker counts what it ran; the API what it accepted (and the database's gauges).
    assert value(remote, "qstation_jobs_finished_total", status="completed", **fifo) == 1
    assert value(remote, "qstation_job_execution_seconds_count", **fifo) == 1
    assert value(remote, "qstation_workers") == 1
    assert value(api, "qstation_jobs_submitted_total", **fifo) == 1
    assert value(api, "qstation_jobs_finished_total", status="completed", **fifo) == 0
    assert value(api, "qstation_queue_depth", status="waiting", **fifo) == 0
