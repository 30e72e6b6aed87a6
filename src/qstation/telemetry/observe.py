"""What a worker reports about a job it finished: metrics from the job's own row."""

from __future__ import annotations

import logging

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from qstation.store.orm import JOBS
from qstation.telemetry import metrics

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
