"""Repositories: every SQL statement of qstation lives here.

Write methods ``flush`` only; the caller's unit of work commits once. State transitions are
conditional ``UPDATE`` statements guarded by the current status, so concurrent cancels,
completions and reclaims resolve to one consistent state on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import (
    Row,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from qstation.store import orm
from qstation.store.driver import StatementPool, bypasses
from qstation.store.enqueue import (
    FIFO_AHEAD,
    Charge,
    enqueue_params,
    split_fields,
    sqlite_enqueue,
)
from qstation.store.orm import (
    CalibrationSetRow,
    QuantumComputerRow,
)


class QuantumComputerRepository:
    """Hosted quantum computers and their calibration sets."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self) -> Sequence[QuantumComputerRow]:
        result = await self.session.scalars(select(QuantumComputerRow).order_by("created_at"))
        return result.all()

    async def get(self, alias: str) -> QuantumComputerRow | None:
        return await self.session.get(QuantumComputerRow, alias)

    async def add(self, row: QuantumComputerRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def get_calibration(self, qc: str, cal_id: str) -> CalibrationSetRow | None:
        row = await self.session.get(CalibrationSetRow, cal_id)
        return row if row is not None and row.quantum_computer == qc else None

    async def list_calibrations(self, qc: str) -> Sequence[CalibrationSetRow]:
        stmt = (
            select(CalibrationSetRow)
            .where(CalibrationSetRow.quantum_computer == qc)
            .order_by(CalibrationSetRow.created_at)
        )
        return (await self.session.scalars(stmt)).all()

    async def add_calibration(self, row: CalibrationSetRow, *, make_default: bool) -> None:
        self.session.add(row)
        await self.session.flush()
        if make_default:
            await self.session.execute(
                update(QuantumComputerRow)
                .where(QuantumComputerRow.alias == row.quantum_computer)
                .values(default_calibration_set_id=row.id)
            )


class Connectable(Protocol):
    """What job and booking lookups run on: a session, or a :class:`Reader`."""

    async def connection(self) -> AsyncConnection: ...


class Reader:
    """A bare connection for lookups, without a session around it.

    The hottest reads (a job's status, its measurements) are one or two prebuilt
    statements; an ORM session's setup, bookkeeping and commit cost more than they do.
    """

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def connection(self) -> AsyncConnection:
        """The connection the statements run on."""
        return self._conn


JOBS, EVENTS, RESULTS = orm.JOBS, orm.JOB_EVENTS, orm.JOB_RESULTS
#: A job as read from the database: a row with the ``jobs`` columns as attributes.
JobRecord = Row[Any]

# Hot-path statements are built once: constructing SQLAlchemy expressions costs more than
# running them on SQLite.
_GET = select(JOBS).where(JOBS.c.id == bindparam("job_id_"))
_EVENTS = (
    select(EVENTS.c.source, EVENTS.c.status, EVENTS.c.ts)
    .where(EVENTS.c.job_id == bindparam("job_id_"))
    .order_by(EVENTS.c.id)
)
# A timeslot job runs only in its owner's windows, so only the owner's earlier timeslot
# jobs on that machine are ahead of it; other users' timeslot jobs run in their own windows.
_SLOT_POSITION = select(func.count()).where(
    JOBS.c.quantum_computer == bindparam("qc"),
    JOBS.c.status == "waiting",
    JOBS.c.use_timeslot.is_(True),
    JOBS.c.owner.is_not_distinct_from(bindparam("owner")),
    JOBS.c.seq < bindparam("seq"),
)
_RESULT = select(RESULTS).where(RESULTS.c.job_id == bindparam("job_id_"))
_ADD_JOB = insert(JOBS)
_ADD_PAYLOAD = insert(orm.JOB_PAYLOADS)
_PAYLOAD = select(orm.JOB_PAYLOADS.c.payload, orm.JOB_PAYLOADS.c.definition).where(
    orm.JOB_PAYLOADS.c.job_id == bindparam("job_id_")
)
_ADD_RESULT = insert(RESULTS)
_ADD_EVENT = insert(EVENTS)
_REQUEST_CANCEL = (
    update(JOBS)
    .where(JOBS.c.id == bindparam("job_id_"), JOBS.c.status == "processing")
    .values(cancel_requested=True)
)
_DELETE = delete(JOBS).where(JOBS.c.id == bindparam("job_id_"))

class JobRepository:
    """Jobs, their timeline events and their results."""

    def __init__(self, session: Connectable) -> None:
        self.session = session

    async def _run(
        self, stmt: Any, params: dict[str, Any] | list[dict[str, Any]] | None = None
    ) -> Any:
        # Core execution on the session's connection skips the ORM layer (hot paths).
        conn = await self.session.connection()
        return await conn.execute(stmt, params or {})

    async def add(self, fields: dict[str, Any]) -> int:
        """Insert a job (``fields`` are ``jobs`` columns, with ``payload`` and ``definition``
        stored beside them); returns its queue ``seq``."""
        row, stored = split_fields(fields)
        result = await self._run(_ADD_JOB, row)
        await self._run(_ADD_PAYLOAD, stored)
        return int(result.inserted_primary_key[0])

    async def enqueue(
        self, fields: dict[str, Any], source: str, marks: Sequence[tuple[str, float]],
        charge: Charge,
    ) -> tuple[int, int, int]:
        """Insert a job and its first timeline ``marks``, and add ``charge`` to the usage
        ledger; returns its ``seq``, its FIFO position and its owner's new shot total of the
        day. On PostgreSQL this is one statement, atomic by itself; there the ledger's upsert
        locks the owner's day until commit, which serialises one owner's concurrent
        submissions. On SQLite the statements run on the driver's connection."""
        conn = await self.session.connection()
        if conn.dialect.name == "sqlite":
            sync = conn.sync_connection
            if sync is not None and bypasses(sync):  # nothing to wait for: run it here
                return sqlite_enqueue(sync, fields, source, marks, charge)
            return await conn.run_sync(sqlite_enqueue, fields, source, marks, charge)
        stmt, params = enqueue_params(fields, source, marks, charge)
        row = (await conn.execute(stmt, params)).one()
        return int(row[0]), int(row[1]), int(row[2])

    async def add_event(
        self, job_id: str, source: str, status: str, ts: float | None = None
    ) -> None:
        params = {"job_id": job_id, "source": source, "status": status, "ts": ts or time.time()}
        await self._run(_ADD_EVENT, params)

    async def get(self, job_id: str) -> JobRecord | None:
        result = await self._run(_GET, {"job_id_": job_id})
        row: JobRecord | None = result.one_or_none()
        return row

    async def payload(self, job_id: str) -> tuple[str, bytes | None]:
        """What a job was submitted with: its request body (circuit jobs) and its run
        definition (run jobs)."""
        row = (await self._run(_PAYLOAD, {"job_id_": job_id})).one()
        return str(row.payload), row.definition

    async def by_idempotency_key(self, owner: str | None, key: str) -> JobRecord | None:
        owner_match = JOBS.c.owner.is_(None) if owner is None else JOBS.c.owner == owner
        stmt = select(JOBS).where(owner_match, JOBS.c.idempotency_key == key)
        row: JobRecord | None = (await self._run(stmt)).one_or_none()
        return row

    async def events(self, job_id: str) -> Sequence[Row[Any]]:
        rows: Sequence[Row[Any]] = (await self._run(_EVENTS, {"job_id_": job_id})).all()
        return rows

    async def queue_position(self, job: JobRecord) -> int:
        """Jobs ahead of ``job`` in its queue: the machine's FIFO queue, or its owner's
        timeslot queue on that machine."""
        params = {"qc": job.quantum_computer, "seq": job.seq}
        if job.use_timeslot:
            params["owner"] = job.owner
            return int((await self._run(_SLOT_POSITION, params)).scalar_one())
        return int((await self._run(FIFO_AHEAD, params)).scalar_one())

    async def transition(
        self, job_id: str, frm: Sequence[str], to: str, **values: Any
    ) -> bool:
        """Move a job from one of ``frm`` to ``to``; False if it was in no such state."""
        stmt = (
            update(JOBS)
            .where(JOBS.c.id == job_id, JOBS.c.status.in_(frm))
            .values(status=to, **values)
        )
        return bool((await self._run(stmt)).rowcount)

    async def owner_has_jobs(self, owner: str) -> bool:
        """Whether any job of ``owner`` is stored."""
        stmt = select(JOBS.c.seq).where(JOBS.c.owner == owner).limit(1)
        return (await self._run(stmt)).first() is not None

    async def request_cancel(self, job_id: str) -> bool:
        return bool((await self._run(_REQUEST_CANCEL, {"job_id_": job_id})).rowcount)

    async def delete(self, job_id: str) -> bool:
        return bool((await self._run(_DELETE, {"job_id_": job_id})).rowcount)

    async def result(self, job_id: str) -> Row[Any] | None:
        row: Row[Any] | None = (await self._run(_RESULT, {"job_id_": job_id})).one_or_none()
        return row

    async def page(
        self, owner: str | None, *, limit: int, before_seq: int | None = None,
        status: str | None = None, quantum_computer: str | None = None,
    ) -> Sequence[JobRecord]:
        """Jobs of ``owner`` (None: everyone's), newest first, older than ``before_seq``."""
        stmt = select(JOBS).order_by(JOBS.c.seq.desc()).limit(limit)
        if owner is not None:
            stmt = stmt.where(JOBS.c.owner == owner)
        if before_seq is not None:
            stmt = stmt.where(JOBS.c.seq < before_seq)
        if status is not None:
            stmt = stmt.where(JOBS.c.status == status)
        if quantum_computer is not None:
            stmt = stmt.where(JOBS.c.quantum_computer == quantum_computer)
        rows: Sequence[JobRecord] = (await self._run(stmt)).all()
        return rows

    async def add_result(self, job_id: str, measurements: str, counts: str) -> None:
        params = {"job_id": job_id, "measurements": measurements, "counts": counts}
        await self._run(_ADD_RESULT, params)


async def enqueue_at_once(
    pool: StatementPool, fields: dict[str, Any], source: str,
    marks: Sequence[tuple[str, float]], charge: Charge,
) -> tuple[int, int, int]:
    """PostgreSQL: what :meth:`JobRepository.enqueue` does, as one statement on ``pool``,
    which is its own transaction (durable when this returns)."""
    stmt, params = enqueue_params(fields, source, marks, charge)
    row = (await pool.execute(stmt, params))[0]
    return int(row[0]), int(row[1]), int(row[2])
