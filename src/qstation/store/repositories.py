"""Repositories: every SQL statement of qstation lives here.

Write methods ``flush`` only; the caller's unit of work commits once. State transitions are
conditional ``UPDATE`` statements guarded by the current status, so concurrent cancels,
completions and reclaims resolve to one consistent state on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from qstation.store.orm import (
    CalibrationSetRow,
    JobEventRow,
    JobResultRow,
    JobRow,
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


class JobRepository:
    """Jobs, their timeline events and their results."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, job: JobRow, *, source: str, status: str) -> None:
        self.session.add(job)
        await self.session.flush()
        await self.add_event(job.id, source, status, job.created_at)

    async def add_event(self, job_id: str, source: str, status: str, ts: float | None = None) -> None:
        await self.session.execute(
            insert(JobEventRow).values(
                job_id=job_id, source=source, status=status, ts=ts or time.time()
            )
        )

    async def get(self, job_id: str) -> JobRow | None:
        return (
            await self.session.scalars(select(JobRow).where(JobRow.id == job_id))
        ).one_or_none()

    async def by_idempotency_key(self, owner: str | None, key: str) -> JobRow | None:
        owner_match = JobRow.owner.is_(None) if owner is None else JobRow.owner == owner
        stmt = select(JobRow).where(owner_match, JobRow.idempotency_key == key)
        return (await self.session.scalars(stmt)).one_or_none()

    async def events(self, job_id: str) -> Sequence[JobEventRow]:
        stmt = select(JobEventRow).where(JobEventRow.job_id == job_id).order_by(JobEventRow.id)
        return (await self.session.scalars(stmt)).all()

    async def queue_position(self, job: JobRow) -> int:
        """Jobs ahead of ``job`` in its queue (same quantum computer and queue kind)."""
        stmt = select(func.count()).where(
            JobRow.quantum_computer == job.quantum_computer,
            JobRow.status == "waiting",
            JobRow.use_timeslot == job.use_timeslot,
            JobRow.seq < job.seq,
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def transition(
        self, job_id: str, frm: Sequence[str], to: str, **values: Any
    ) -> bool:
        """Move a job from one of ``frm`` to ``to``; False if it was in no such state."""
        stmt = (
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.status.in_(frm))
            .values(status=to, **values)
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def request_cancel(self, job_id: str) -> bool:
        stmt = (
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.status == "processing")
            .values(cancel_requested=True)
        )
        return bool((await self.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def delete(self, job_id: str) -> bool:
        result = await self.session.execute(delete(JobRow).where(JobRow.id == job_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def result(self, job_id: str) -> JobResultRow | None:
        return await self.session.get(JobResultRow, job_id)

    async def add_result(self, job_id: str, measurements: str, counts: str) -> None:
        await self.session.execute(
            insert(JobResultRow).values(job_id=job_id, measurements=measurements, counts=counts)
        )
