"""What a worker reports about its jobs: their metrics, the trace each continues."""

from __future__ import annotations

import logging

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine

from qstation.store.orm import JOBS
from qstation.telemetry import metrics, tracing

log = logging.getLogger("qstation.telemetry")


def count_finished(
    qc: str, use_timeslot: bool, status: str, created_at: float, started_at: float,
    finished_at: float,
) -> None:
    """Count a finished job and observe its queue wait, execution and turnaround times.

    The instants are the ones the queue wrote (created, claimed, finished), so the
    histograms agree with the job's timeline. A failure to record is only logged: a metric
    must not fail the job it describes.
    """
    try:
        metrics.job_finished(qc, use_timeslot, status, created_at, started_at, finished_at)
    except Exception:  # a broken metrics directory, say: log it and carry on
        log.warning("could not record metrics of a job on %s", qc, exc_info=True)


_CONTEXT = select(JOBS.c.trace_context).where(JOBS.c.id == bindparam("job_id"))


def trace_context(db: Engine, job_id: str) -> str | None:
    """The trace context a job was submitted in (read only when this process traces)."""
    if not tracing.enabled():
        return None
    with db.connect() as conn:
        value = conn.execute(_CONTEXT, {"job_id": job_id}).scalar_one_or_none()
    return str(value) if value else None
