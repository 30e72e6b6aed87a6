"""The queue's statements, as Core: claiming, heart-beating and finishing jobs.

A claim names its machines as literals, one statement per set of machines (a worker serves
the same set throughout): a statement with an expanding list is rendered at each execution,
and one without runs on the driver's connection as it is (:mod:`qstation.store.driver`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import (
    LargeBinary,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from qstation.store import orm
from qstation.store.booking_orm import BOOKINGS
from qstation.store.enqueue import bound_marks, marks_cte

#: The source of the timeline marks a worker writes.
SOURCE = "iqm-station-control"

JOBS, QCS, PAYLOADS = orm.JOBS, orm.QUANTUM_COMPUTERS, orm.JOB_PAYLOADS


def _stored(column: Any) -> Any:
    """A column of the claimed job's ``job_payloads`` row, as a scalar subquery."""
    # The cast: SQLite compares the values RETURNING reads without their column's affinity,
    # and would then scan job_payloads, whose primary key it uses for a text.
    return select(column).where(PAYLOADS.c.job_id == cast(JOBS.c.id, String)).scalar_subquery()


#: The job ``job_id_`` while worker ``worker`` holds its lease. (A parameter named as a
#: column of ``jobs`` would become an extra ``SET`` value of each ``UPDATE`` of the
#: statement when it runs through SQLAlchemy, hence the trailing underscores.)
_HELD = and_(
    JOBS.c.id == bindparam("job_id_"),
    JOBS.c.claimed_by == bindparam("worker"),
    JOBS.c.status == "processing",
)
HEARTBEAT = (
    update(JOBS)
    .where(_HELD)
    .values(lease_expires_at=bindparam("lease"))
    .returning(JOBS.c.cancel_requested)
)
FINISH = (
    update(JOBS)
    .where(_HELD)
    .values(
        status=bindparam("new_status"),
        finished_at=bindparam("now"),
        lease_expires_at=None,
        errors=bindparam("errors_"),
    )
)
ADD_RESULT = orm.JOB_RESULTS.insert()
ADD_EVENT = orm.JOB_EVENTS.insert()
# On PostgreSQL a job's end, its results and its stage marks go in one statement, one round
# trip: the results row and the marks are inserted only if the guarded UPDATE ended the job.
_ENDED = FINISH.returning(
    JOBS.c.id, JOBS.c.owner, JOBS.c.type, JOBS.c.status, JOBS.c.calibration_set_id,
    JOBS.c.created_at, JOBS.c.started_at, JOBS.c.finished_at, JOBS.c.messages, JOBS.c.errors,
).cte("ended")
_MARKED = marks_cte(_ENDED, literal(SOURCE))
_RESULT_COLUMNS = ["job_id", "measurements", "counts", "sweep_results"]
_RESULTS = select(
    _ENDED.c.id, bindparam("measurements", type_=Text()), bindparam("counts", type_=Text()),
    bindparam("sweep_results", type_=LargeBinary()),
)
FINISH_WITH_RESULTS_AND_MARKS = (
    orm.JOB_RESULTS.insert().from_select(_RESULT_COLUMNS, _RESULTS).add_cte(_MARKED)
)
_NOTICE = func.pg_notify(bindparam("channel", type_=String()),
                         bindparam("message", type_=String()))


#: The longest view a job's end notification carries (a notification holds < 8000 bytes),
#: and the longest result (measurements and counts texts together) that comes along in it.
TOLD_MAX, RESULT_ALONG = 7800, 6000


def _told() -> Any:
    """The ended job's view as JSON text: its row's viewed columns, its events so far, the
    marks this statement adds, and its result texts where they are short enough."""
    events = orm.JOB_EVENTS.alias("told_events")
    marks = bound_marks()
    earlier = select(func.json_agg(aggregate_order_by(
        func.json_build_array(events.c.ts, events.c.source, events.c.status), events.c.id,
    ))).where(events.c.job_id == _ENDED.c.id).scalar_subquery()
    added = select(func.json_agg(aggregate_order_by(
        func.json_build_array(marks.c.ts, literal(SOURCE), marks.c.status), marks.c.n,
    ))).scalar_subquery()
    texts = [bindparam("measurements", type_=Text()), bindparam("counts", type_=Text())]
    short = func.octet_length(texts[0]) + func.octet_length(texts[1]) <= RESULT_ALONG
    view = func.json_build_array(
        _ENDED.c.owner, _ENDED.c.id, _ENDED.c.type, _ENDED.c.status,
        _ENDED.c.calibration_set_id, _ENDED.c.created_at, _ENDED.c.started_at,
        _ENDED.c.finished_at, _ENDED.c.messages, _ENDED.c.errors, earlier, added,
        *(case((short, t), else_=null()) for t in texts),
    )
    # Materialized: the view is built once, then measured and sent.
    return select(cast(view, Text()).label("view")).select_from(_ENDED).cte(
        "told").prefix_with("MATERIALIZED")


# ... and the notification of the job's waiters. It carries the ended job's view (with a
# short result), so that API processes answer long-polls without reading the job back:
# ``done|<id>|<view>``, or ``done|<id>`` where the view does not fit. ``pg_notify`` runs
# once per ended row (the insert reads its CTE, so PostgreSQL evaluates it), and
# notifications leave at commit.
_TOLD = _told()
_NOTIFIED = select(
    func.pg_notify(
        bindparam("channel", type_=String()),
        bindparam("message", type_=String()) + case(
            (func.octet_length(_TOLD.c.view) <= TOLD_MAX, literal("|") + _TOLD.c.view),
            else_=literal(""),
        ),
    ).label("sent")
).select_from(_TOLD).cte("notified")
FINISH_NOTIFYING = orm.JOB_RESULTS.insert().from_select(
    _RESULT_COLUMNS, _RESULTS.select_from(_ENDED.join(_NOTIFIED, true()))
).add_cte(_MARKED)
#: PostgreSQL: a notification sent in a transaction (it leaves at commit).
NOTIFY = select(_NOTICE)

def _listed(machines: tuple[str, ...]) -> list[Any]:
    return [literal(m) for m in machines]


@cache
def lock_machines(machines: tuple[str, ...]) -> Any:
    """PostgreSQL: lock the rows of ``machines``, in one order (so no deadlock).

    Claimers wait for each other on the machines' rows rather than skip them: a worker that
    finishes a job and claims its machine's next one in the same transaction must not find
    that machine skipped because an idle worker is looking at it. The waits are one short
    transaction long; job rows are still taken with SKIP LOCKED.
    """
    return (
        select(QCS.c.alias)
        .where(QCS.c.alias.in_(_listed(machines)))
        .order_by(QCS.c.alias)
        .with_for_update()
    )


@cache
def candidate(machines: tuple[str, ...], ending: bool = False) -> Any:
    """The oldest runnable job of ``machines``, as a ``SELECT`` of its ``seq``.

    ``ending``: the job ``job_id_`` ends in the same statement, which still sees it
    processing: its machine counts as free.
    """
    busy = JOBS.alias("busy")
    running = and_(busy.c.quantum_computer == JOBS.c.quantum_computer,
                   busy.c.status == "processing")
    if ending:
        running = and_(running, busy.c.id != bindparam("job_id_"))
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
    return (
        select(JOBS.c.seq)
        .where(
            JOBS.c.quantum_computer.in_(_listed(machines)),
            JOBS.c.quantum_computer.in_(online),
            JOBS.c.status == "waiting",
            queue_allows,
            ~exists().where(running),
        )
        .order_by(JOBS.c.seq)
        .limit(1)
    )


@cache
def claim(dialect: str, machines: tuple[str, ...]) -> Any:
    """The claiming ``UPDATE … RETURNING`` of the oldest runnable job of ``machines``."""
    return _claiming(dialect, candidate(machines))


def _claiming(dialect: str, oldest: Any, *where: Any) -> Any:
    if dialect == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    return (
        update(JOBS)
        .where(JOBS.c.seq == oldest.scalar_subquery(), JOBS.c.status == "waiting", *where)
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


@cache
def finish_and_claim(machine: str) -> Any:
    """PostgreSQL: :data:`FINISH_NOTIFYING` and the claim of ``machine``'s next job, one
    statement that needs no transaction around it. The claim is made only if the job ended
    (its lease was still held). One row, the ended job's id and the claimed job's columns
    (NULL when none was runnable), or no row when the job did not end."""
    stored = (
        orm.JOB_RESULTS.insert()
        .from_select(_RESULT_COLUMNS, _RESULTS.select_from(_ENDED.join(_NOTIFIED, true())))
        .returning(orm.JOB_RESULTS.c.job_id)
        .cte("stored")
    )
    gate = exists(select(stored.c.job_id))
    claimed = _claiming("postgresql", candidate((machine,), ending=True), gate).cte("claimed")
    return (
        select(stored.c.job_id, *claimed.c)
        .select_from(stored.outerjoin(claimed, true()))
        .add_cte(_MARKED)
    )
