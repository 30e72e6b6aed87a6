"""What a worker reports about its jobs: metrics from the job's row, the trace it continues."""

from __future__ import annotations

import logging

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection, Engine

from qstation.store.orm import JOBS
from qstation.telemetry import metrics, tracing

log = logging.getLogger("qstation.telemetry")
# The instants the queue itself wrote (created, claimed, finished), so the histograms
# agree with the job's timeline; one indexed read in the finishing transaction.
_TIMES = select(
    JOBS.c.quantum_computer,
    JOBS.c.use_timeslot,
    JOBS.c.status,
    JOBS.c.created_at,
    JOBS.c.started_at,
    JOBS.c.finished_at,
).where(JOBS.c.id == bindparam("job_id"))


def job_finished(conn: Connection, job_id: str) -> None:
    """Count a finished job and observe its queue wait, execution and turnaround times.

    Database errors propagate (the worker retries the transaction); a failure to record
    is only logged: a metric must not fail the job it describes.
    """
    row = conn.execute(_TIMES, {"job_id": job_id}).one_or_none()
    if row is None or row.finished_at is None:
        return
    try:
        metrics.job_finished(
            row.quantum_computer,
            bool(row.use_timeslot),
            row.status,
            row.created_at,
            row.started_at,
            row.finished_at,
        )
    except Exception:  # a broken metrics directory, say: log it and carry on
        log.warning("could not record metrics of job %s", job_id, exc_info=True)


_CONTEXT = select(JOBS.c.trace_context).where(JOBS.c.id == bindparam("job_id"))


def trace_context(db: Engine, job_id: str) -> str | None:
    """The trace context a job was submitted in (read only when this process traces)."""
    if not tracing.enabled():
        return None
    with db.connect() as conn:
        value = conn.execute(_CONTEXT, {"job_id": job_id}).scalar_one_or_none()
    return str(value) if value else None
