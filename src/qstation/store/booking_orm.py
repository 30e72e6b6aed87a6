"""Tables of timeslots and usage: bookings of a quantum computer, and a per-day usage ledger.

They share :class:`qstation.store.orm.Base`; migration ``0004`` creates them.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from qstation.store.orm import Base


class BookingRow(Base):
    """A window ``[starts_at, ends_at)`` during which one user has a quantum computer.

    ``username`` is the ``jobs.owner`` it is booked for. It is deliberately not a foreign
    key to ``users``: jobs name their owner the same way, and removing a user must not
    rewrite history.
    """

    __tablename__ = "bookings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    quantum_computer: Mapped[str] = mapped_column(
        ForeignKey("quantum_computers.alias", ondelete="CASCADE")
    )
    username: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[float] = mapped_column(Float)
    ends_at: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(256), default="")
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)

    # The claim statement asks "is a window open on this machine now?" on every claim.
    __table_args__ = (Index("ix_bookings_qc_end", "quantum_computer", "ends_at"),)


class UsageDayRow(Base):
    """What one user submitted on one UTC day (the quota ledger).

    Kept apart from ``jobs`` so deleting jobs does not give a user back their day's quota.
    ``owner`` is ``""`` for the shared tenant of a server without authentication.
    """

    __tablename__ = "usage_days"

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, UTC
    jobs: Mapped[int] = mapped_column(Integer, default=0)
    shots: Mapped[int] = mapped_column(BigInteger, default=0)


BOOKINGS = cast(Table, BookingRow.__table__)
USAGE_DAYS = cast(Table, UsageDayRow.__table__)
