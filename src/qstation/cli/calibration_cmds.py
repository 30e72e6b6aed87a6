"""``qstation calibration``: list and publish calibration sets, on the server's database.

These commands talk to the database directly (like ``qstation db``), so an operator can
recalibrate without a running server or an admin token; a running server sees the new
default on its next request. Against a server over HTTP, use
``POST /qstation/v1/quantum-computers/{qc}/recalibrate`` instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from qstation.cli._errors import NOT_FOUND, CLIError

T = TypeVar("T")


async def _with_session(url: str, kept: int, fn: Callable[[Any, Any], Awaitable[T]]) -> T:
    from qstation.server.devices.service import DeviceService
    from qstation.store.db import make_async_engine, sessionmaker

    engine = make_async_engine(url)
    try:
        async with sessionmaker(engine)() as session:
            result = await fn(session, DeviceService(kept=kept))
            await session.commit()
            return result
    finally:
        await engine.dispose()


def _url(database_url: str | None, data_dir: Path) -> str:
    """The server's database, checked without creating it; named on stderr."""
    from qstation.cli._errors import safe_url
    from qstation.cli._startup import prepare_database
    from qstation.store.db import default_url

    url = database_url or default_url(data_dir)
    prepare_database(url, create=False)
    click.echo(f"# database {safe_url(url)}", err=True)
    return url


_db_options = [
    click.option("--qc", required=True, help="Quantum computer alias, e.g. lattice-20."),
    click.option(
        "--database-url",
        envvar="QSTATION_DATABASE_URL",
        default=None,
        help="Default: SQLite in the data directory.",
    ),
    click.option(
        "--data-dir", type=click.Path(path_type=Path), default=Path(".qstation"), show_default=True
    ),
    click.option(
        "--kept",
        type=int,
        envvar="QSTATION_CALIBRATION_SETS_KEPT",
        default=10,
        show_default=True,
        help="Newest sets kept usable; older ones are retired.",
    ),
]


def _with_db_options(f: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(_db_options):
        f = option(f)
    return f


@click.group()
def calibration() -> None:
    """Calibration sets of the hosted quantum computers."""


@calibration.command("recalibrate")
@_with_db_options
def recalibrate(qc: str, database_url: str | None, data_dir: Path, kept: int) -> None:
    """Publish a drifted calibration set of --qc and make it the default."""
    from qstation.server.errors import DomainError

    async def run(session: Any, devices: Any) -> str:
        await devices.get(session, qc)
        return str(await devices.recalibrate(session, qc))

    try:
        new_id = asyncio.run(_with_session(_url(database_url, data_dir), kept, run))
    except DomainError as err:
        raise CLIError(
            err.message, "list the hosted ones with `qstation qc list`", NOT_FOUND
        ) from None
    click.echo(new_id)


@calibration.command("list")
@_with_db_options
def list_sets(qc: str, database_url: str | None, data_dir: Path, kept: int) -> None:
    """The calibration sets of --qc, newest first."""
    from qstation.server.errors import DomainError

    async def run(session: Any, devices: Any) -> tuple[str | None, list[Any]]:
        row = await devices.get(session, qc)
        return row.default_calibration_set_id, await devices.calibration_rows(session, qc)

    try:
        default, rows = asyncio.run(_with_session(_url(database_url, data_dir), kept, run))
    except DomainError as err:
        raise CLIError(
            err.message, "list the hosted ones with `qstation qc list`", NOT_FOUND
        ) from None
    click.echo(f"{'ID':<36}  {'CREATED (UTC)':<19}  STATE")
    for r, retired in reversed(rows):
        when = datetime.fromtimestamp(r.created_at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        state = "default" if r.id == default else ("retired" if retired else "kept")
        click.echo(f"{r.id:<36}  {when:<19}  {state}")
