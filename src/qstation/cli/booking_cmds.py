"""``qstation bookings``: timeslots of the quantum computers, from the shell (admins)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click

from qstation.cli._common import SDKCommand, SDKGroup, table, with_client

if TYPE_CHECKING:  # the SDK is imported when a command runs, not when `qstation` starts
    from qstation.client import IQMClient


def _instant(text: str) -> datetime:
    """ISO 8601 (UTC when no zone is given), or ``now``."""
    if text == "now":
        return datetime.now(UTC)
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _duration(text: str) -> timedelta:
    """``90m``, ``2h``, ``1d`` or plain seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text[-1:] in units:
        return timedelta(seconds=float(text[:-1]) * units[text[-1]])
    return timedelta(seconds=float(text))


@click.group(cls=SDKGroup)
def bookings() -> None:
    """Timeslots: book a quantum computer for a user (admins)."""


@bookings.command("add")
@click.argument("username")
@click.option(
    "--start",
    "start",
    default="now",
    show_default=True,
    help="ISO 8601 instant (UTC unless a zone is given), or 'now'.",
)
@click.option("--end", "end", default=None, help="ISO 8601 instant the window ends.")
@click.option("--duration", default=None, help="Length instead of --end: 90m, 2h, 1d.")
@click.option("--note", default="", help="Why the window is booked.")
@with_client
def bookings_add(
    client: IQMClient, username: str, start: str, end: str | None, duration: str | None, note: str
) -> None:
    """Book a window on the quantum computer (--qc) for USERNAME; prints the booking's id."""
    if (end is None) == (duration is None):
        raise click.UsageError("give exactly one of --end and --duration")
    starts = _instant(start)
    ends = _instant(end) if end else starts + _duration(duration or "0")
    booking = client.server.add_booking(client.quantum_computer, username, starts, ends, note)
    click.echo(
        f"booked {booking.quantum_computer} for {booking.username} from "
        f"{booking.starts_at.isoformat()} to {booking.ends_at.isoformat()}",
        err=True,
    )
    click.echo(str(booking.id))  # alone on stdout, for `id=$(qstation bookings add ...)`


@bookings.command("list")
@click.option("--user", "username", default=None, help="Only this user's bookings.")
@click.option("--all-qcs", is_flag=True, help="Every quantum computer, not just --qc.")
@click.option("--past", is_flag=True, help="Also bookings that are over.")
@with_client
def bookings_list(client: IQMClient, username: str | None, all_qcs: bool, past: bool) -> None:
    """List bookings by start time."""
    qc = None if all_qcs else client.quantum_computer
    rows = [
        (
            b.id,
            b.quantum_computer,
            b.username,
            b.starts_at.isoformat(),
            b.ends_at.isoformat(),
            "yes" if b.active else "",
            b.note,
        )
        for b in client.server.list_bookings(
            quantum_computer=qc, username=username, include_past=past
        )
    ]
    click.echo(table(("ID", "QC", "USER", "STARTS", "ENDS", "ACTIVE", "NOTE"), rows))


@bookings.command("remove")
@click.argument("booking_id")
@with_client
def bookings_remove(client: IQMClient, booking_id: str) -> None:
    """Remove a booking; an open window closes at once."""
    client.server.remove_booking(booking_id)
    click.echo(f"removed booking {booking_id}")


@click.command(cls=SDKCommand)
@click.option("--user", "username", default=None, help="One user's usage (admins).")
@with_client
def usage(client: IQMClient, username: str | None) -> None:
    """Show consumption: jobs and shots today, queued jobs, QPU seconds."""
    report = client.server.usage(username)
    rows = [
        (
            u.username or "-",
            u.day,
            u.jobs_today,
            u.shots_today,
            u.queued_jobs,
            u.jobs_run,
            f"{u.qpu_seconds_today:.3f}",
            f"{u.qpu_seconds_total:.3f}",
        )
        for u in report.users
    ]
    click.echo(
        table(("USER", "DAY", "JOBS", "SHOTS", "QUEUED", "RUN", "QPU S TODAY", "QPU S TOTAL"), rows)
    )
    limits = report.limits
    click.echo(
        f"limits: queued jobs {limits.max_queued_jobs or 'none'}, "
        f"shots per day {limits.max_shots_per_day or 'none'}"
    )


BOOKING_COMMANDS = (bookings, usage)
