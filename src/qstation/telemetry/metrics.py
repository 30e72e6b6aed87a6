"""Prometheus instruments shared by the API and the workers (the official client library).

The API and its workers are separate processes, so the counters and histograms use the
client's multi-process mode: each process writes its samples to memory-mapped files in
``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` adds them up. ``qstation serve`` sets that
directory up (in its data directory) before any instrument exists; the client reads the
variable once, when it is first imported, which is why every instrument here is created
lazily. What the database knows better (queue depth, calibration age, busy workers) is
read from it at scrape time instead (see :mod:`qstation.server.metrics`).

Workers on other hosts count in their own processes: give each host's workers and API the
same directory only if they share it; otherwise scrape each API and aggregate in Prometheus.
"""

from __future__ import annotations

import os
import shutil
import threading
from functools import cache
from pathlib import Path
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: Seconds; from a quick job on a small twin to hours in a busy queue.
TIME_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600)
HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30)


def prepare_multiprocess_dir(default: Path) -> Path:
    """Use ``$PROMETHEUS_MULTIPROC_DIR`` or ``default``, emptied: call before the first metric.

    Files of a previous run would add its counts to this one's, so a directory that qstation
    chose itself starts empty; one given by the operator is theirs to manage.
    """
    given = os.environ.get(MULTIPROC_ENV)
    path = Path(given) if given else default
    if not given and path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)
    return path


def multiprocess() -> bool:
    """Whether samples go to files shared between processes."""
    return bool(os.environ.get(MULTIPROC_ENV))


_lock = threading.Lock()


def instruments() -> dict[str, Any]:
    """The process's instruments, created on first use (after the mode is settled)."""
    # API, worker and test threads may ask first at once; each name registers only once.
    with _lock:
        return _create()


@cache
def _create() -> dict[str, Any]:
    from prometheus_client import Counter, Gauge, Histogram

    qc = ["quantum_computer", "queue"]
    return {
        "submitted": Counter("qstation_jobs_submitted", "Jobs accepted into a queue.", qc),
        "finished": Counter(
            "qstation_jobs_finished",
            "Jobs that ended, by final status (completed, failed, cancelled).",
            [*qc, "status"],
        ),
        "wait": Histogram(
            "qstation_job_queue_wait_seconds",
            "From submission to the start of execution.",
            qc,
            buckets=TIME_BUCKETS,
        ),
        "execution": Histogram(
            "qstation_job_execution_seconds",
            "From the start to the end of execution.",
            qc,
            buckets=TIME_BUCKETS,
        ),
        "turnaround": Histogram(
            "qstation_job_turnaround_seconds",
            "From submission to the end of execution.",
            qc,
            buckets=TIME_BUCKETS,
        ),
        "workers": Gauge(
            "qstation_workers", "Worker processes running.", multiprocess_mode="livesum"
        ),
        "requests": Counter(
            "qstation_http_requests", "HTTP requests served.", ["method", "route", "status"]
        ),
        "latency": Histogram(
            "qstation_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["method", "route"],
            buckets=HTTP_BUCKETS,
        ),
    }


def _queue(use_timeslot: bool) -> str:
    return "timeslot" if use_timeslot else "fifo"


def job_submitted(qc: str, use_timeslot: bool) -> None:
    """Count a stored job."""
    instruments()["submitted"].labels(qc, _queue(use_timeslot)).inc()


def job_finished(
    qc: str,
    use_timeslot: bool,
    status: str,
    created_at: float,
    started_at: float | None,
    finished_at: float,
) -> None:
    """Count a job's end and observe its times (a job cancelled while waiting never ran)."""
    m, labels = instruments(), (qc, _queue(use_timeslot))
    m["finished"].labels(*labels, status).inc()
    m["turnaround"].labels(*labels).observe(max(finished_at - created_at, 0.0))
    if started_at is not None:
        m["wait"].labels(*labels).observe(max(started_at - created_at, 0.0))
        m["execution"].labels(*labels).observe(max(finished_at - started_at, 0.0))


def worker_started() -> None:
    """Count this process as a live worker (its file goes when the process is marked dead)."""
    instruments()["workers"].set(1)


def process_exited(pid: int) -> None:
    """Drop a dead process's live gauges (the supervisor calls this for its workers)."""
    if multiprocess():
        from prometheus_client import multiprocess as mp

        mp.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def serve_worker_metrics(port: int, host: str = "0.0.0.0") -> None:
    """Expose this worker process's metrics on ``http://host:port/metrics`` (a thread).

    For workers on hosts without an API: Prometheus scrapes each of them beside the API.
    """
    from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

    registry = REGISTRY
    if multiprocess():  # this host's processes share a directory: serve their sum
        from prometheus_client import multiprocess as mp

        registry = CollectorRegistry()
        mp.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    instruments()
    start_http_server(port, addr=host, registry=registry)
