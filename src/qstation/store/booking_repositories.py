"""Statements of timeslot bookings and of the usage ledger (quotas, usage reports).

Like :mod:`qstation.store.repositories`, writes only flush; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, and_, bindparam, case, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from qstation.store import orm
from qstation.store.booking_orm import BOOKINGS, USAGE_DAYS
from qstation.store.repositories import Connectable

JOBS = orm.JOBS

# A waiting job's view asks for the window that concerns it: open now, or the next one.
_WINDOWS = (
    select(BOOKINGS)
    .where(BOOKINGS.c.quantum_computer == bindparam("qc"), BOOKINGS.c.ends_at > bindparam("now"))
    .order_by(BOOKINGS.c.starts_at)
    .limit(bindparam("limit"))
)
_OVERLAPS = select(BOOKINGS.c.id).where(
    BOOKINGS.c.quantum_computer == bindparam("qc"),
    BOOKINGS.c.starts_at < bindparam("ends"),
    BOOKINGS.c.ends_at > bindparam("starts"),
)
_GET = select(BOOKINGS).where(BOOKINGS.c.id == bindparam("booking_id"))
_DELETE = delete(BOOKINGS).where(BOOKINGS.c.id == bindparam("booking_id"))
_ACTIVE = ("waiting", "processing")


class BookingRepository:
    """Timeslot bookings of quantum computers."""

    def __init__(self, session: Connectable) -> None:
        self.session = session

    async def _run(self, stmt: Any, params: dict[str, Any] | None = None) -> Any:
        conn = await self.session.connection()
        return await conn.execute(stmt, params or {})

    async def add(self, fields: dict[str, Any]) -> None:
        await self._run(insert(BOOKINGS), fields)

    async def get(self, booking_id: str) -> Row[Any] | None:
        row: Row[Any] | None = (await self._run(_GET, {"booking_id": booking_id})).one_or_none()
        return row

    async def delete(self, booking_id: str) -> bool:
        return bool((await self._run(_DELETE, {"booking_id": booking_id})).rowcount)

    async def overlapping(self, qc: str, starts: float, ends: float) -> list[str]:
        """Ids of the bookings of ``qc`` that share time with ``[starts, ends)``."""
        params = {"qc": qc, "starts": starts, "ends": ends}
        return list((await self._run(_OVERLAPS, params)).scalars())

    async def upcoming(self, qc: str, now: float, limit: int = 50) -> Sequence[Row[Any]]:
        """Bookings of ``qc`` not yet over at ``now``, soonest first."""
        rows: Sequence[Row[Any]] = (
            await self._run(_WINDOWS, {"qc": qc, "now": now, "limit": limit})
        ).all()
        return rows

    async def list(
        self, *, qc: str | None = None, username: str | None = None, since: float | None = None
    ) -> Sequence[Row[Any]]:
        """Bookings, by start time, filtered by machine, user and end after ``since``."""
        stmt = select(BOOKINGS).order_by(BOOKINGS.c.starts_at)
        if qc is not None:
            stmt = stmt.where(BOOKINGS.c.quantum_computer == qc)
        if username is not None:
            stmt = stmt.where(BOOKINGS.c.username == username)
        if since is not None:
            stmt = stmt.where(BOOKINGS.c.ends_at > since)
        rows: Sequence[Row[Any]] = (await self._run(stmt)).all()
        return rows


class UsageRepository:
    """The per-day usage ledger, and consumption derived from the jobs table."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def active_jobs(self, owner: str | None) -> int:
        """Jobs of ``owner`` that are waiting or processing."""
        owner_match = JOBS.c.owner.is_(None) if owner is None else JOBS.c.owner == owner
        stmt = select(func.count()).where(owner_match, JOBS.c.status.in_(_ACTIVE))
        conn = await self.session.connection()
        return int((await conn.execute(stmt)).scalar_one())

    async def ledger(self, day: str, owner: str | None = None) -> Sequence[Row[Any]]:
        """The ledger rows of ``day`` (of one owner, or everyone's)."""
        stmt = select(USAGE_DAYS).where(USAGE_DAYS.c.day == day)
        if owner is not None:
            stmt = stmt.where(USAGE_DAYS.c.owner == owner)
        conn = await self.session.connection()
        result: Any = await conn.execute(stmt)
        return list(result.all())

    async def consumption(self, since: float, owner: str | None = None) -> Sequence[Row[Any]]:
        """Per owner: jobs active now, QPU-seconds in all and since ``since``, jobs run.

        QPU-seconds are the spans from execution start to end of the jobs that ran (the
        same instants as the timeline's ``execution_started`` and ``execution_ended``).
        """
        ran = and_(JOBS.c.started_at.is_not(None), JOBS.c.finished_at.is_not(None))
        span = JOBS.c.finished_at - JOBS.c.started_at
        stmt = select(
            JOBS.c.owner,
            func.sum(case((JOBS.c.status.in_(_ACTIVE), 1), else_=0)).label("active"),
            func.sum(case((ran, 1), else_=0)).label("ran"),
            func.coalesce(func.sum(case((ran, span), else_=0.0)), 0.0).label("qpu_s"),
            func.coalesce(
                func.sum(case((and_(ran, JOBS.c.finished_at >= since), span), else_=0.0)), 0.0
            ).label("qpu_s_today"),
        ).group_by(JOBS.c.owner)
        if owner is not None:
            stmt = stmt.where(JOBS.c.owner == owner)
        conn = await self.session.connection()
        result: Any = await conn.execute(stmt)
        return list(result.all())
