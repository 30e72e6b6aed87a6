"""Routes of timeslot bookings under ``/qstation/v1/bookings`` (administrators only)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from qstation.queue.notify import QUEUE
from qstation.schemas.qstation_admin import BookingCreate, BookingRead
from qstation.server.bookings.service import BookingService
from qstation.server.deps import PrincipalDep, StateDep, unit_of_work

router = APIRouter(prefix="/qstation/v1/bookings")


def _service(state: StateDep) -> BookingService:
    return BookingService(state.settings, state.devices)


@router.post("", response_model=BookingRead, status_code=201)
async def add_booking(body: BookingCreate, state: StateDep, p: PrincipalDep) -> BookingRead:
    """Book a window on a quantum computer for a user."""
    async with unit_of_work(state, write=True) as session:
        booking = await _service(state).create(session, p, body)
    # A window opening now should not wait for the workers' next poll.
    state.notifier.publish(QUEUE, booking.quantum_computer)
    return booking


@router.get("", response_model=list[BookingRead])
async def list_bookings(
    state: StateDep,
    p: PrincipalDep,
    quantum_computer: str | None = None,
    username: str | None = None,
    include_past: bool = Query(default=False, description="also bookings already over"),
) -> list[BookingRead]:
    """Bookings by start time (current and future ones unless ``include_past``)."""
    async with unit_of_work(state) as session:
        return await _service(state).list(
            session, p, qc=quantum_computer, username=username, include_past=include_past
        )


@router.delete("/{booking_id}", status_code=204)
async def remove_booking(booking_id: str, state: StateDep, p: PrincipalDep) -> Response:
    """Remove a booking; FIFO jobs of its machine may run again at once."""
    async with unit_of_work(state, write=True) as session:
        qc = await _service(state).delete(session, p, booking_id)
    state.notifier.publish(QUEUE, qc)
    return Response(status_code=204)
