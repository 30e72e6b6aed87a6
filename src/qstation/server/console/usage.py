"""What the console shows of usage and bookings: per user and day, and the timeslot calendar."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qstation.server.deps import Principal
from qstation.store.booking_repositories import BookingRepository
from qstation.store.orm import JOBS

#: Days of history on the usage page, and of bookings ahead on the calendar.
DAYS = 14
CALENDAR_DAYS = 7


@dataclass
class DayUsage:
    """One user's consumption on one UTC day."""

    username: str
    day: str
    jobs: int = 0
    shots: int = 0
    qpu_seconds: float = 0.0


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


async def per_user_and_day(session: AsyncSession, p: Principal, days: int = DAYS) -> list[DayUsage]:
    """Jobs submitted, shots (x circuits) and QPU-seconds per user and day, newest day first.

    A job counts on the day it was submitted; its QPU-seconds (execution start to end) on
    that day too, so one row says what a day's submissions cost.
    """
    since = time.time() - days * 86400
    stmt = select(
        JOBS.c.owner,
        JOBS.c.created_at,
        JOBS.c.shots,
        JOBS.c.n_circuits,
        JOBS.c.started_at,
        JOBS.c.finished_at,
    ).where(JOBS.c.created_at >= since)
    if not p.is_admin:
        stmt = stmt.where(JOBS.c.owner == p.owner)
    table: dict[tuple[str, str], DayUsage] = {}
    for owner, created, shots, n, started, finished in (await session.execute(stmt)).all():
        who = owner or "(anonymous)"
        row = table.setdefault((_day(created), who), DayUsage(who, _day(created)))
        row.jobs += 1
        row.shots += int(shots) * int(n)
        if started is not None and finished is not None:
            row.qpu_seconds += float(finished) - float(started)
    return sorted(table.values(), key=lambda r: (r.day, r.username), reverse=True)


@dataclass
class CalendarDay:
    """One day of the timeslot calendar with the bookings that touch it."""

    day: str
    bookings: list[dict[str, Any]] = field(default_factory=list)


async def calendar(
    session: AsyncSession, p: Principal, days: int = CALENDAR_DAYS
) -> list[CalendarDay]:
    """Bookings of the coming days, placed on each day they overlap (as a share of it).

    Everyone sees when a machine is reserved; only admins and the booker see by whom.
    """
    now = time.time()
    start = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    out = [CalendarDay((start + timedelta(days=i)).strftime("%Y-%m-%d")) for i in range(days)]
    rows = await BookingRepository(session).list(since=now)
    for row in rows:
        for i, cell in enumerate(out):
            day_start = (start + timedelta(days=i)).timestamp()
            day_end = day_start + 86400
            lo, hi = max(row.starts_at, day_start), min(row.ends_at, day_end)
            if lo >= hi:
                continue
            visible = p.is_admin or p.owner == row.username
            cell.bookings.append(
                {
                    "qc": row.quantum_computer,
                    "who": row.username if visible else "reserved",
                    "from": datetime.fromtimestamp(lo, UTC).strftime("%H:%M"),
                    "to": "24:00"
                    if hi == day_end
                    else datetime.fromtimestamp(hi, UTC).strftime("%H:%M"),
                    "left": round(100 * (lo - day_start) / 86400, 2),
                    "width": max(round(100 * (hi - lo) / 86400, 2), 0.5),
                }
            )
    return out


def by_user(rows: list[DayUsage]) -> dict[str, dict[str, float]]:
    """Totals per user over the shown days."""
    totals: dict[str, dict[str, float]] = defaultdict(
        lambda: {"jobs": 0, "shots": 0, "qpu_seconds": 0.0}
    )
    for r in rows:
        t = totals[r.username]
        t["jobs"] += r.jobs
        t["shots"] += r.shots
        t["qpu_seconds"] += r.qpu_seconds
    return dict(totals)
