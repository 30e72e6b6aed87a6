"""The rules of bookings, and what waiting jobs are told about timeslots.

A booking gives one user a quantum computer for ``[starts_at, ends_at)``: during the window
only that user's ``use_timeslot=true`` jobs run there and the FIFO queue waits (the claim
statement in :mod:`qstation.queue.claim` enforces it). Windows of one machine never
overlap, so at any instant at most one user holds it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from qstation.schemas.qstation_admin import BookingCreate, BookingRead
from qstation.server.config import Settings
from qstation.server.deps import Principal
from qstation.server.devices.service import DeviceService
from qstation.server.errors import BadRequest, Conflict, Forbidden, NotFound
from qstation.store.auth_repositories import UserRepository
from qstation.store.booking_repositories import BookingRepository
from qstation.store.repositories import Connectable

SOURCE = "iqm-server"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def require_admin(principal: Principal, what: str) -> None:
    """Raises Forbidden unless the caller is an admin."""
    if not principal.is_admin:
        raise Forbidden(f"only an admin may {what}", error_code="ADMIN_REQUIRED")


def booking_view(row: Row[Any], now: float | None = None) -> BookingRead:
    """The wire form of a booking row."""
    now = time.time() if now is None else now
    return BookingRead(
        id=row.id, quantum_computer=row.quantum_computer, username=row.username,
        starts_at=datetime.fromtimestamp(row.starts_at, UTC),
        ends_at=datetime.fromtimestamp(row.ends_at, UTC), note=row.note,
        created_by=row.created_by, created_at=datetime.fromtimestamp(row.created_at, UTC),
        active=row.starts_at <= now < row.ends_at,
    )


class BookingService:
    """Create, list and remove bookings (administrators only)."""

    def __init__(self, settings: Settings, devices: DeviceService) -> None:
        self.settings = settings
        self.devices = devices

    async def create(self, session: AsyncSession, p: Principal, body: BookingCreate) -> BookingRead:
        """Book a window.

        Raises:
            Forbidden: the caller is not an admin.
            BadRequest: the window is empty or already over.
            NotFound: unknown quantum computer or user.
            Conflict: the window overlaps another booking of the machine.
        """
        require_admin(p, "book timeslots")
        starts, ends = body.starts_at.timestamp(), body.ends_at.timestamp()
        if ends <= starts:
            raise BadRequest("a booking must end after it starts", error_code="INVALID_BOOKING")
        if ends <= time.time():
            raise BadRequest("the booking is already over", error_code="INVALID_BOOKING")
        await self.devices.get(session, body.quantum_computer)
        if self.settings.auth and await UserRepository(session).get(body.username) is None:
            raise NotFound(f"user {body.username!r} not found", error_code="USER_NOT_FOUND")
        repo = BookingRepository(session)
        clash = await repo.overlapping(body.quantum_computer, starts, ends)
        if clash:
            raise Conflict(
                f"{body.quantum_computer} is already booked then (booking {clash[0]})",
                error_code="BOOKING_OVERLAPS",
            )
        booking_id = str(uuid.uuid4())
        fields = {
            "id": booking_id, "quantum_computer": body.quantum_computer,
            "username": body.username, "starts_at": starts, "ends_at": ends, "note": body.note,
            "created_by": p.owner, "created_at": time.time(),
        }
        await repo.add(fields)
        row = await repo.get(booking_id)
        assert row is not None
        return booking_view(row)

    async def list(
        self, session: AsyncSession, p: Principal, *, qc: str | None, username: str | None,
        include_past: bool,
    ) -> list[BookingRead]:
        """Bookings by start time; past ones only when asked for."""
        require_admin(p, "list bookings")
        now = time.time()
        rows = await BookingRepository(session).list(
            qc=qc, username=username, since=None if include_past else now
        )
        return [booking_view(r, now) for r in rows]

    async def delete(self, session: AsyncSession, p: Principal, booking_id: str) -> str:
        """Remove a booking (an open window closes at once); returns its quantum computer.

        Raises:
            NotFound: no such booking.
        """
        require_admin(p, "remove bookings")
        repo = BookingRepository(session)
        row = await repo.get(booking_id)
        if row is None or not await repo.delete(booking_id):
            raise NotFound(f"booking {booking_id} not found", error_code="BOOKING_NOT_FOUND")
        return str(row.quantum_computer)


async def waiting_message(session: Connectable, job: Any) -> dict[str, object] | None:
    """Why a waiting job waits, as far as timeslots are concerned (None: nothing to say)."""
    now = time.time()
    windows = await BookingRepository(session).upcoming(job.quantum_computer, now, limit=20)
    qc = job.quantum_computer
    if job.use_timeslot:
        text = _timeslot_text(windows, job.owner, qc, now)
    else:
        open_now = [w for w in windows if w.starts_at <= now]
        if not open_now:
            return None
        text = (f"{qc} is booked for a timeslot until {_iso(open_now[0].ends_at)}; "
                f"jobs of the shared queue wait until then")
    return {"source": SOURCE, "message": text}


def _timeslot_text(windows: Sequence[Row[Any]], owner: str | None, qc: str, now: float) -> str:
    mine = [w for w in windows if w.username == owner]
    if not mine:
        return (f"waiting for a timeslot: {owner or 'this user'} has no booking on {qc}; "
                f"timeslot jobs run only during a booking of their owner (ask an "
                f"administrator to book one, or resubmit with use_timeslot=false)")
    first = mine[0]
    if first.starts_at <= now:
        return f"your timeslot on {qc} is open until {_iso(first.ends_at)}"
    return (f"waiting for its owner's next timeslot on {qc}: from {_iso(first.starts_at)} "
            f"to {_iso(first.ends_at)}")
