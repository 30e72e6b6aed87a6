"""Timeslot bookings and usage reports of IQMServerClient (qstation's ``/qstation/v1``)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from pydantic import TypeAdapter

from qstation.client._server_base import ServerBase
from qstation.schemas.qstation_admin import BookingCreate, BookingRead, UsageReport


class AdminAPI(ServerBase):
    """Bookings of quantum computers (admins) and usage reports."""

    def add_booking(
        self, quantum_computer: str, username: str, starts_at: datetime, ends_at: datetime,
        note: str = "",
    ) -> BookingRead:
        """Book ``[starts_at, ends_at)`` on a quantum computer for a user (admin only).

        Raises:
            ForbiddenError: the caller is not an admin.
            ConflictError: the window overlaps another booking.
            NotFoundError: unknown quantum computer or user.
        """
        body = BookingCreate(quantum_computer=quantum_computer, username=username,
                             starts_at=starts_at, ends_at=ends_at, note=note)
        reply = self._post("/qstation/v1/bookings", body)
        return BookingRead.model_validate_json(reply.content)

    def list_bookings(
        self, *, quantum_computer: str | None = None, username: str | None = None,
        include_past: bool = False,
    ) -> list[BookingRead]:
        """Bookings by start time (admin only); past ones only with ``include_past``."""
        params: dict[str, str] = {"include_past": str(include_past).lower()}
        if quantum_computer:
            params["quantum_computer"] = quantum_computer
        if username:
            params["username"] = username
        reply = self._request("GET", "/qstation/v1/bookings", params=params)
        return TypeAdapter(list[BookingRead]).validate_json(reply.content)

    def remove_booking(self, booking_id: str) -> None:
        """Remove a booking (admin only).

        Raises:
            NotFoundError: no such booking.
        """
        self._request("DELETE", f"/qstation/v1/bookings/{quote(booking_id, safe='')}")

    def usage(self, username: str | None = None) -> UsageReport:
        """The caller's usage, or (admins) one user's or everyone's."""
        params = {"username": username} if username else {}
        reply = self._request("GET", "/qstation/v1/usage", params=params)
        return UsageReport.model_validate_json(reply.content)
