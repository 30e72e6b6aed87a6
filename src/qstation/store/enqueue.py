"""The statements that put a job in the queue: its row, its first timeline marks, and its
charge to the owner's day in the usage ledger.

On PostgreSQL all of it can be one statement (data-modifying CTEs), which is atomic by
itself: run on an autocommit connection it is a whole transaction in one round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Float, String, bindparam, func, insert, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from qstation.store import orm
from qstation.store.booking_orm import USAGE_DAYS
from qstation.store.driver import run

JOBS, EVENTS, PAYLOADS = orm.JOBS, orm.JOB_EVENTS, orm.JOB_PAYLOADS
#: The fields of a new job stored in ``job_payloads`` rather than in its ``jobs`` row.
PAYLOAD_FIELDS = ("payload", "definition")
_ADD_JOB, _ADD_PAYLOAD, _ADD_EVENTS = insert(JOBS), insert(PAYLOADS), insert(EVENTS)
#: Waiting FIFO jobs of machine ``qc`` ahead of the job with ``seq`` (an index range count).
FIFO_AHEAD = select(func.count()).where(
    JOBS.c.quantum_computer == bindparam("qc"),
    JOBS.c.status == "waiting",
    JOBS.c.use_timeslot.is_(False),
    JOBS.c.seq < bindparam("seq"),
)


def split_fields(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new job's ``fields`` as its ``jobs`` row and its ``job_payloads`` row."""
    row = {k: v for k, v in fields.items() if k not in PAYLOAD_FIELDS}
    stored = {"job_id": fields["id"], "payload": fields.get("payload", ""),
              "definition": fields.get("definition")}
    return row, stored


class Charge(NamedTuple):
    """What a submission adds to its owner's day in the usage ledger."""

    owner: str
    day: str
    jobs: int
    shots: int

    def params(self) -> dict[str, Any]:
        """The bind parameters of :func:`ledger_charge` (named apart from the job's)."""
        return {f"ledger_{k}": v for k, v in self._asdict().items()}


_ledger_charges: dict[str, Any] = {}
_enqueue_statements: dict[tuple[str, ...], Any] = {}


def ledger_charge(dialect: str) -> Any:
    """``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on the ledger, built once per dialect.

    It returns the day's new totals ``(jobs, shots)``. On PostgreSQL the upsert locks the
    ledger row until commit, which serialises one user's concurrent submissions.
    """
    if dialect not in _ledger_charges:
        module: Any = postgresql if dialect == "postgresql" else sqlite
        stmt = module.insert(USAGE_DAYS).values(
            {c: bindparam(f"ledger_{c}", type_=USAGE_DAYS.c[c].type) for c in Charge._fields}
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[USAGE_DAYS.c.owner, USAGE_DAYS.c.day],
            set_={
                "jobs": USAGE_DAYS.c.jobs + stmt.excluded.jobs,
                "shots": USAGE_DAYS.c.shots + stmt.excluded.shots,
            },
        ).returning(USAGE_DAYS.c.jobs, USAGE_DAYS.c.shots)
        _ledger_charges[dialect] = stmt
    return _ledger_charges[dialect]


def bound_marks() -> Any:
    """The marks bound by :func:`mark_arrays` as rows ``(status, ts, n)``, ``n`` their
    order. PostgreSQL only."""
    return (
        func.unnest(bindparam("mark_statuses", type_=ARRAY(String())),
                    bindparam("mark_times", type_=ARRAY(Float())))
        .table_valued("status", "ts", with_ordinality="n")
        .render_derived()
    )


def marks_cte(job: Any, source: Any) -> Any:
    """A CTE inserting timeline marks for the row of ``job`` (a CTE with an ``id``) from the
    arrays bound by :func:`mark_arrays`, in their order (timelines are read by event id);
    ``source`` is the marks' source, as an SQL expression. PostgreSQL only."""
    marks = bound_marks()
    return insert(EVENTS).from_select(
        ["job_id", "source", "status", "ts"],
        select(job.c.id, source, marks.c.status, marks.c.ts)
        .select_from(job.join(marks, true()))  # every mark, for each row of ``job``
        .order_by(marks.c.n),
    ).cte("marked")


def mark_arrays(marks: Sequence[tuple[str, float]]) -> dict[str, list[Any]]:
    """The parameters of a :func:`marks_cte`: ``marks`` as (status, time) pairs."""
    return {"mark_statuses": [m[0] for m in marks], "mark_times": [m[1] for m in marks]}


def enqueue_params(
    fields: dict[str, Any], source: str, marks: Sequence[tuple[str, float]], charge: Charge
) -> tuple[Any, dict[str, Any]]:
    """PostgreSQL: the :func:`enqueue_statement` that stores a job of ``fields``, and its
    parameters."""
    job, stored = split_fields(fields)
    params = {**job, "payload": stored["payload"], "definition": stored["definition"],
              "source": source, "qc": fields["quantum_computer"],
              **mark_arrays(marks), **charge.params()}
    return enqueue_statement(tuple(job)), params


def enqueue_statement(columns: tuple[str, ...]) -> Any:
    """PostgreSQL: a job's row (``columns`` of ``jobs``), its payload (the parameters
    ``payload`` and ``definition``), its timeline marks and its charge to the ledger
    (:class:`Charge`'s parameters) in one statement, which returns the job's ``seq``, its
    FIFO position and the day's new shot total of its owner.

    The position is read in the statement's snapshot, like a count run just before the insert.
    """
    if columns not in _enqueue_statements:
        job = (
            insert(JOBS)
            .values({c: bindparam(c, type_=JOBS.c[c].type) for c in columns})
            .returning(JOBS.c.seq, JOBS.c.id)
            .cte("job")
        )
        marked = marks_cte(job, bindparam("source", type_=String()))
        stored = insert(PAYLOADS).from_select(
            ["job_id", "payload", "definition"],
            select(job.c.id, bindparam("payload", type_=PAYLOADS.c.payload.type),
                   bindparam("definition", type_=PAYLOADS.c.definition.type)),
        ).cte("stored")
        charged = ledger_charge("postgresql").cte("charged")
        ahead = JOBS.alias("ahead")
        position = (
            select(func.count())
            .where(
                ahead.c.quantum_computer == bindparam("qc"),
                ahead.c.status == "waiting",
                ahead.c.use_timeslot.is_(False),
                ahead.c.seq < job.c.seq,
            )
            .scalar_subquery()
        )
        # One row each, the job's and the owner's day in the ledger: joined on nothing.
        stmt = (
            select(job.c.seq, position, charged.c.shots)
            .select_from(job.join(charged, true()))
            .add_cte(marked, stored)
        )
        _enqueue_statements[columns] = stmt
    return _enqueue_statements[columns]


def sqlite_enqueue(
    conn: Connection, fields: dict[str, Any], source: str,
    marks: Sequence[tuple[str, float]], charge: Charge,
) -> tuple[int, int, int]:
    """SQLite: what :func:`enqueue_statement` does, in five statements of the caller's
    transaction (on the driver's connection where :func:`.driver.bypasses` allows); returns
    the same ``seq``, FIFO position and shot total of the day."""
    job, stored = split_fields(fields)
    added: Any = run(conn, _ADD_JOB, job)  # an sqlite3 cursor or a SQLAlchemy result
    seq = int(added.lastrowid)
    run(conn, _ADD_PAYLOAD, stored)
    if marks:
        run(conn, _ADD_EVENTS, [
            {"job_id": fields["id"], "source": source, "status": st, "ts": ts} for st, ts in marks
        ])
    day = run(conn, ledger_charge("sqlite"), charge.params()).fetchone()
    position = run(conn, FIFO_AHEAD, {"qc": fields["quantum_computer"], "seq": seq}).fetchone()
    return seq, int(position[0]), int(day[1])
