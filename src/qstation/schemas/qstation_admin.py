"""Wire models of timeslot bookings and usage reports (``/qstation/v1/bookings``, ``/usage``).

Our own additions, beside :mod:`qstation.schemas.qstation_v1`; instants are ISO 8601 with a
time zone (naive ones are refused, so a booking never shifts by the server's zone).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field


class BookingCreate(BaseModel):
    """Book ``[starts_at, ends_at)`` on a quantum computer for one user."""

    quantum_computer: str = Field(min_length=1, max_length=64)
    username: str = Field(min_length=1, max_length=64)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    note: str = Field(default="", max_length=256)


class BookingRead(BaseModel):
    """A stored booking; ``active`` tells whether its window is open now."""

    id: str
    quantum_computer: str
    username: str
    starts_at: datetime
    ends_at: datetime
    note: str
    created_by: str | None
    created_at: datetime
    active: bool


class QuotaLimits(BaseModel):
    """The limits a user's submissions are held to (None: no limit)."""

    max_queued_jobs: int | None
    max_shots_per_day: int | None


class UserUsage(BaseModel):
    """One user's consumption: today (UTC) from the quota ledger, QPU time from the jobs.

    ``shots_today`` counts shots x circuits, the shots the quantum computer executes.
    """

    username: str | None
    day: str
    jobs_today: int
    shots_today: int
    queued_jobs: int
    jobs_run: int
    qpu_seconds_today: float
    qpu_seconds_total: float


class UsageReport(BaseModel):
    """The usage endpoint's answer: the limits in force and one row per user."""

    limits: QuotaLimits
    users: list[UserUsage]
