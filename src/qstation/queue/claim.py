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

from sqlalchemy import (
    LargeBinary,
    String,
    Text,
    and_,
    bindparam,
    cast,
    exists,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection

from qstation.queue.liveness import dead_workers
from qstation.store import orm
from qstation.store.booking_orm import BOOKINGS
from qstation.store.enqueue import mark_arrays, marks_cte

SOURCE = "iqm-station-control"
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


JOBS, QCS, PAYLOADS = orm.JOBS, orm.QUANTUM_COMPUTERS, orm.JOB_PAYLOADS


def _stored(column: Any) -> Any:
    """A column of the claimed job's ``job_payloads`` row, as a scalar subquery."""
    # The cast: SQLite compares the values RETURNING reads without their column's affinity,
    # and would then scan job_payloads, whose primary key it uses for a text.
    return select(column).where(PAYLOADS.c.job_id == cast(JOBS.c.id, String)).scalar_subquery()


# Claimers wait for each other on the machines' rows (in one order, so no deadlock) rather
# than skip them: a worker that finishes a job and claims its machine's next one in the same
# transaction must not find that machine skipped because an idle worker is looking at it.
# The waits are one short transaction long; job rows are still taken with SKIP LOCKED.
_LOCK_MACHINES = (
    select(QCS.c.alias)
    .where(QCS.c.alias.in_(bindparam("qcs", expanding=True)))
    .order_by(QCS.c.alias)
    .with_for_update()
)
_HEARTBEAT = (
    update(JOBS)
    .where(
        JOBS.c.id == bindparam("job_id_"),
        JOBS.c.claimed_by == bindparam("worker"),
        JOBS.c.status == "processing",
    )
    .values(lease_expires_at=bindparam("lease"))
    .returning(JOBS.c.cancel_requested)
)
_FINISH = (
    update(JOBS)
    .where(
        JOBS.c.id == bindparam("job_id_"),
        JOBS.c.claimed_by == bindparam("worker"),
        JOBS.c.status == "processing",
    )
    .values(
        status=bindparam("new_status"),
        finished_at=bindparam("now"),
        lease_expires_at=None,
        errors=bindparam("errors"),
    )
)
_ADD_RESULT = orm.JOB_RESULTS.insert()
# On PostgreSQL a job's end and its results go in one statement, one round trip: the
# results row is inserted only if the guarded UPDATE ended the job.
_ENDED = _FINISH.returning(JOBS.c.id).cte("ended")
_FINISH_WITH_RESULTS = orm.JOB_RESULTS.insert().from_select(
    ["job_id", "measurements", "counts", "sweep_results"],
    select(_ENDED.c.id, bindparam("measurements", type_=Text()),
           bindparam("counts", type_=Text()),
           bindparam("sweep_results", type_=LargeBinary())),
)
_ADD_EVENT = orm.JOB_EVENTS.insert()
# The job's stage marks go in the same statement, and only if the guarded UPDATE ended it.
_FINISH_WITH_RESULTS_AND_MARKS = _FINISH_WITH_RESULTS.add_cte(marks_cte(_ENDED, literal(SOURCE)))
_claim_statements: dict[str, Any] = {}


def _candidate() -> Any:
    """The oldest runnable job of the ``machines`` (its ``seq``), as a ``SELECT``."""
    busy = JOBS.alias("busy")
    online = select(QCS.c.alias).where(QCS.c.status == "online")
    window_open = and_(
        BOOKINGS.c.quantum_computer == JOBS.c.quantum_computer,
        BOOKINGS.c.starts_at <= bindparam("now"),
        BOOKINGS.c.ends_at > bindparam("now"),
    )
    # FIFO jobs run when no window is open on their machine; timeslot jobs only in a window
    # of their owner. One statement keeps the claim atomic without extra round trips.
    queue_allows = or_(
        and_(JOBS.c.use_timeslot.is_(False), ~exists().where(window_open)),
        and_(
            JOBS.c.use_timeslot.is_(True),
            exists().where(window_open, BOOKINGS.c.username == JOBS.c.owner),
        ),
    )
    candidate = (
        select(JOBS.c.seq)
        .where(
            JOBS.c.quantum_computer.in_(bindparam("machines", expanding=True)),
            JOBS.c.quantum_computer.in_(online),
            JOBS.c.status == "waiting",
            queue_allows,
            ~exists().where(
                and_(
                    busy.c.quantum_computer == JOBS.c.quantum_computer,
                    busy.c.status == "processing",
                )
            ),
        )
        .order_by(JOBS.c.seq)
        .limit(1)
    )
    return candidate


_CLAIMABLE = _candidate()


def _claim_statement(dialect: str) -> Any:
    """The claiming ``UPDATE … RETURNING``, built once per dialect."""
    if dialect in _claim_statements:
        return _claim_statements[dialect]
    candidate = _candidate()
    if dialect == "postgresql":
        candidate = candidate.with_for_update(skip_locked=True)
    stmt = (
        update(JOBS)
        .where(JOBS.c.seq == candidate.scalar_subquery(), JOBS.c.status == "waiting")
        .values(
            status="processing",
            claimed_by=bindparam("worker"),
            lease_expires_at=bindparam("lease"),
            started_at=bindparam("now"),
            attempts=JOBS.c.attempts + 1,
        )
        .returning(
            JOBS.c.id, JOBS.c.quantum_computer, JOBS.c.calibration_set_id, JOBS.c.shots,
            JOBS.c.type, JOBS.c.use_timeslot, JOBS.c.created_at,
            # Subqueries: SQLite's RETURNING names no other table, but may hold these.
            _stored(PAYLOADS.c.payload), _stored(PAYLOADS.c.definition),
        )
    )
    _claim_statements[dialect] = stmt
    return stmt


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
        machines = list(conn.execute(_LOCK_MACHINES, {"qcs": machines}).scalars())
        if not machines:
            return None
    return _claim(conn, dialect, machines, worker_id, lease_s)


def _claim(
    conn: Connection, dialect: str, machines: list[str], worker_id: str, lease_s: float
) -> Claimed | None:
    now = time.time()
    params = {"machines": machines, "worker": worker_id, "lease": now + lease_s, "now": now}
    row = conn.execute(_claim_statement(dialect), params).one_or_none()
    # The timeline's execution entries come from started_at/finished_at (no extra writes).
    if row is None:
        return None
    payload, definition = row[-2:]
    return Claimed(
        row.id, row.quantum_computer, row.calibration_set_id, payload, row.shots,
        row.type, definition, bool(row.use_timeslot), row.created_at, started_at=now,
    )


def claimable(conn: Connection, qcs: Sequence[str]) -> bool:
    """Whether :func:`claim` would find a job now, looked up without locking anything."""
    params = {"machines": list(qcs), "now": time.time()}
    return conn.execute(_CLAIMABLE, params).first() is not None


def heartbeat(conn: Connection, job_id: str, worker_id: str, lease_s: float) -> bool | None:
    """Extend the lease. Returns whether cancellation was requested, None if the lease is lost."""
    params = {"job_id_": job_id, "worker": worker_id, "lease": time.time() + lease_s}
    row = conn.execute(_HEARTBEAT, params).one_or_none()
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
) -> bool:
    """End a claimed job. False (write nothing) if the lease was lost or the job deleted.

    ``stages`` are the IQM stages the worker marked; a completed job is also ``ready``.
    ``now``: the job's end time (default: the current time).
    """
    now = time.time() if now is None else now
    params = {
        "job_id_": claimed.id, "worker": worker_id, "new_status": status, "now": now,
        "errors": errors or [],
    }
    marks = [*stages, ("ready", now)] if status == "completed" else list(stages)
    combined = results is not None and conn.dialect.name == "postgresql"
    if combined:
        assert results is not None
        measurements, counts = results
        params |= {"measurements": measurements, "counts": counts,
                   "sweep_results": sweep_results, **mark_arrays(marks)}
        # One round trip: the end, the results and the stage marks.
        return bool(conn.execute(_FINISH_WITH_RESULTS_AND_MARKS, params).rowcount)
    if not conn.execute(_FINISH, params).rowcount:
        return False
    if marks:
        conn.execute(_ADD_EVENT, [
            {"job_id": claimed.id, "source": SOURCE, "status": st, "ts": ts} for st, ts in marks
        ])
    if results is not None and not combined:
        measurements, counts = results
        conn.execute(_ADD_RESULT, {"job_id": claimed.id, "measurements": measurements,
                                   "counts": counts, "sweep_results": sweep_results})
    return True


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
            conn.execute(_ADD_EVENT, [
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
