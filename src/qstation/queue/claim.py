"""Claiming, leasing, reclaiming and finishing jobs: the queue's transitions.

A quantum computer runs one job at a time, as hardware would: a job is claimed only when no
other job of its quantum computer is processing. Timeslots split each machine's queue in two:
while a booking window is open on a machine, only its user's ``use_timeslot`` jobs run there
and the FIFO queue waits; outside every window of its owner, a timeslot job waits (workers
poll, so a window opening or closing is seen within one poll interval). On PostgreSQL the
quantum computers' rows are locked (``FOR UPDATE``, in one order) so concurrent workers never
claim two jobs of one machine, and the job is picked with ``FOR UPDATE SKIP LOCKED``; on
SQLite the single ``UPDATE … RETURNING`` statement is atomic by itself.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection

from qstation.queue import statements as sql
from qstation.queue.liveness import dead_workers
from qstation.queue.statements import SOURCE
from qstation.store import orm
from qstation.store.driver import pipelined, run
from qstation.store.enqueue import mark_arrays

MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Claimed:
    """A job a worker holds a lease on."""

    id: str
    quantum_computer: str
    calibration_set_id: str
    payload: str
    shots: int
    type: str = "circuit"
    definition: bytes | None = None  # a run job's protobuf run definition
    # For the finished job's metrics, which then need no read of the row.
    use_timeslot: bool = False
    created_at: float = 0.0
    started_at: float = 0.0


JOBS = orm.JOBS


def claim(
    conn: Connection, qcs: Sequence[str], worker_id: str, lease_s: float, *,
    held: str | None = None,
) -> Claimed | None:
    """Claim the oldest runnable job of ``qcs`` (FIFO, or of an open timeslot), or None.

    ``held``: the machine whose processing job this transaction has just ended (the job's
    row stays locked until commit). The caller commits.
    """
    dialect = conn.dialect.name
    if dialect == "postgresql" and held is not None:
        # Until this transaction commits, every other claimer still sees ``held`` busy
        # with the job it ended, so its next job is taken without locking the machines.
        nxt = _claim(conn, dialect, [held], worker_id, lease_s)
        if nxt is not None or set(qcs) == {held}:
            return nxt
    machines = list(qcs)
    if dialect == "postgresql":
        # Lock the machines' rows: concurrent workers then never claim two jobs of one.
        locked = run(conn, sql.lock_machines(tuple(machines)), {}).fetchall()
        machines = [row[0] for row in locked]
        if not machines:
            return None
    return _claim(conn, dialect, machines, worker_id, lease_s)


def claim_pipelined(
    conn: Connection, qcs: Sequence[str], worker_id: str, lease_s: float
) -> Claimed | None:
    """PostgreSQL, on an autocommit ``conn``: :func:`claim`'s transaction (``BEGIN``, the
    machines' lock, the claim, ``COMMIT``) sent in one round trip instead of four.

    The statements still run one after the other, each with its own snapshot: the claim
    reads the queue only once the machines are locked, as in :func:`claim`. It names every
    machine of ``qcs`` rather than those the lock found, which is the same claim (a job
    of a machine not in the table is never runnable).
    """
    machines = tuple(qcs)
    now = time.time()
    params = {"worker": worker_id, "lease": now + lease_s, "now": now}
    rows = pipelined(conn, [(sql.lock_machines(machines), {}),
                            (sql.claim("postgresql", machines), params)])
    row = rows[1].fetchone()
    return None if row is None else _claimed(row, now)


def _claim(
    conn: Connection, dialect: str, machines: list[str], worker_id: str, lease_s: float
) -> Claimed | None:
    now = time.time()
    params = {"worker": worker_id, "lease": now + lease_s, "now": now}
    row = run(conn, sql.claim(dialect, tuple(machines)), params).fetchone()
    # The timeline's execution entries come from started_at/finished_at (no extra writes).
    return None if row is None else _claimed(row, now)


def _claimed(row: Sequence[Any], now: float) -> Claimed:
    job_id, qc, cal_id, shots, kind, use_timeslot, created_at, payload, definition = row
    return Claimed(
        job_id, qc, cal_id, payload, shots, kind, definition, bool(use_timeslot), created_at,
        started_at=now,
    )


def claimable(conn: Connection, qcs: Sequence[str]) -> bool:
    """Whether :func:`claim` would find a job now, looked up without locking anything."""
    return run(conn, sql.candidate(tuple(qcs)), {"now": time.time()}).fetchone() is not None


def heartbeat(conn: Connection, job_id: str, worker_id: str, lease_s: float) -> bool | None:
    """Extend the lease. Returns whether cancellation was requested, None if the lease is lost."""
    params = {"job_id_": job_id, "worker": worker_id, "lease": time.time() + lease_s}
    row = run(conn, sql.HEARTBEAT, params).fetchone()
    return None if row is None else bool(row[0])


def finish(
    conn: Connection,
    claimed: Claimed,
    worker_id: str,
    status: str,
    *,
    errors: list[dict[str, object]] | None = None,
    results: tuple[str, str] | None = None,
    stages: Sequence[tuple[str, float]] = (),
    sweep_results: bytes | None = None,
    now: float | None = None,
    notify: tuple[str, str] | None = None,
) -> bool:
    """End a claimed job. False (write nothing) if the lease was lost or the job deleted.

    ``stages`` are the IQM stages the worker marked; a completed job is also ``ready``.
    ``now``: the job's end time (default: the current time).
    ``notify``: PostgreSQL's ``(channel, message)`` telling the job's waiters, sent in this
    transaction (see :meth:`~qstation.queue.notify.Notifier.in_transaction`).
    """
    now = time.time() if now is None else now
    params = _ending(claimed, worker_id, status, errors, now)
    marks = _marks(status, stages, now)
    combined = results is not None and conn.dialect.name == "postgresql"
    if combined:
        assert results is not None
        params |= _results(results, sweep_results, marks)
        # One round trip: the end, the results, the stage marks (and the notification).
        if notify is None:
            return bool(run(conn, sql.FINISH_WITH_RESULTS_AND_MARKS, params).rowcount)
        params |= {"channel": notify[0], "message": notify[1]}
        return bool(run(conn, sql.FINISH_NOTIFYING, params).rowcount)
    if not run(conn, sql.FINISH, params).rowcount:
        return False
    if notify is not None:
        run(conn, sql.NOTIFY, {"channel": notify[0], "message": notify[1]})
    if marks:
        run(conn, sql.ADD_EVENT, [
            {"job_id": claimed.id, "source": SOURCE, "status": st, "ts": ts} for st, ts in marks
        ])
    if results is not None:
        measurements, counts = results
        run(conn, sql.ADD_RESULT, {"job_id": claimed.id, "measurements": measurements,
                                "counts": counts, "sweep_results": sweep_results})
    return True


def finish_and_claim(
    conn: Connection, claimed: Claimed, worker_id: str, results: tuple[str, str], *,
    stages: Sequence[tuple[str, float]], sweep_results: bytes | None, now: float,
    notify: tuple[str, str], lease_s: float,
) -> tuple[bool, Claimed | None]:
    """PostgreSQL: complete ``claimed`` (as :func:`finish` does, notifying its waiters) and
    claim the next runnable job of its machine, in one statement on an autocommit ``conn``:
    one round trip, no transaction around it. Returns whether the job ended (False: the
    lease was lost, and nothing was written or claimed) and the job claimed, if any."""
    params = _ending(claimed, worker_id, "completed", None, now)
    params |= _results(results, sweep_results, _marks("completed", stages, now))
    params |= {"channel": notify[0], "message": notify[1], "lease": now + lease_s}
    row = run(conn, sql.finish_and_claim(claimed.quantum_computer), params).fetchone()
    if row is None:
        return False, None
    return True, None if row[1] is None else _claimed(row[1:], now)


def _ending(
    claimed: Claimed, worker_id: str, status: str, errors: list[dict[str, object]] | None,
    now: float,
) -> dict[str, Any]:
    return {"job_id_": claimed.id, "worker": worker_id, "new_status": status, "now": now,
            "errors_": errors or []}


def _marks(
    status: str, stages: Sequence[tuple[str, float]], now: float
) -> list[tuple[str, float]]:
    return [*stages, ("ready", now)] if status == "completed" else list(stages)


def _results(
    results: tuple[str, str], sweep_results: bytes | None, marks: list[tuple[str, float]]
) -> dict[str, Any]:
    measurements, counts = results
    return {"measurements": measurements, "counts": counts, "sweep_results": sweep_results,
            **mark_arrays(marks)}


def reclaim_stalled(conn: Connection) -> list[str]:
    """Hand jobs whose worker stopped heart-beating, or died, back to the queue (or end them).

    On PostgreSQL a worker whose liveness lock is free is dead (see :mod:`.liveness`): its
    jobs are reclaimed at once, without waiting for their lease to run out.

    A job already asked to cancel ends cancelled; one that lost its worker
    ``MAX_ATTEMPTS`` times fails; any other goes back to the head of its queue (its ``seq``
    is kept) and will be re-run from the start.
    """
    now = time.time()
    stalled = and_(JOBS.c.status == "processing", JOBS.c.lease_expires_at < now)
    owners = select(JOBS.c.claimed_by).where(JOBS.c.status == "processing").distinct()
    dead = dead_workers(conn, conn.execute(owners).scalars())
    if dead:
        stalled = or_(stalled, and_(JOBS.c.status == "processing", JOBS.c.claimed_by.in_(dead)))
    outcomes: tuple[tuple[Any, str, dict[str, Any]], ...] = (
        (JOBS.c.cancel_requested.is_(True), "cancelled", {"finished_at": now}),
        (JOBS.c.attempts >= MAX_ATTEMPTS, "failed", {"finished_at": now, "errors": [_lost()]}),
        (None, "waiting", {}),
    )
    moved: list[str] = []
    for extra, status, values in outcomes:
        cond = stalled if extra is None else and_(stalled, extra)
        stmt = (
            update(JOBS)
            .where(cond)
            .values(status=status, claimed_by=None, lease_expires_at=None, **values)
            .returning(JOBS.c.id, JOBS.c.started_at)
        )
        rows = conn.execute(stmt).all()
        for job_id, started_at in rows:
            # Keep the lost attempt in the timeline: its start and its reclaim.
            conn.execute(sql.ADD_EVENT, [
                {"job_id": job_id, "source": SOURCE, "status": "execution_started",
                 "ts": started_at or now},
                {"job_id": job_id, "source": SOURCE, "status": f"reclaimed_{status}", "ts": now},
            ])
        moved += [job_id for job_id, _ in rows]
    return moved


def _lost() -> dict[str, object]:
    return {
        "message": f"the job lost its worker {MAX_ATTEMPTS} times and was given up",
        "error_code": "WORKER_LOST",
        "source": "qstation-worker",
    }
