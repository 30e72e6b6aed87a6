"""Starting and stopping ``qstation serve`` and ``qstation worker`` cleanly.

Everything that can stop a service from starting is checked before it says it is ready, and
reported as one :class:`~qstation.cli._errors.CLIError`: an unknown device (listing the known
ones), a database that is unreachable, refuses the credentials or is not migrated, a port
that is in use. The service then prints one line when ready and one when it stops.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import uvicorn

from qstation.cli._common import SERVER_RECORD
from qstation.cli._errors import ADDRESS, DATABASE, USAGE, CLIError, database_error, safe_url


def check_devices(names: list[str]) -> None:
    """Every named device has a catalog file.

    Raises:
        CLIError: naming the devices that exist and where more come from.
    """
    from qstation.qpu.registry import catalog

    known = sorted(catalog())
    for name in names:
        if name not in known:
            raise CLIError(
                f"unknown device {name!r}; the known devices are {', '.join(known)}",
                "pick one of them with --qc, or add a device file to a folder in "
                "QSTATION_DEVICE_PATH (docs/devices.md)",
                USAGE,
            )


def prepare_database(url: str, *, create: bool) -> None:
    """Make sure the database at ``url`` is usable at this qstation's schema.

    Args:
        url: the database URL.
        create: migrate it (the embedded SQLite database is created on first start);
            otherwise only check it.

    Raises:
        CLIError: unreachable, refused, or not migrated; the message says what fixes it.
    """
    from qstation.store import migrate
    from qstation.store.db import is_sqlite

    if not create and is_sqlite(url):
        require_sqlite_file(url)
    try:
        if create:
            migrate.upgrade(url)
        else:
            migrate.check(url)
    except Exception as err:
        found = database_error(err, url)
        if found is None:
            raise
        raise found from err


def require_sqlite_file(url: str) -> None:
    """Refuse to go on when a SQLite database does not exist (opening it would create it).

    Raises:
        CLIError: naming the file and where the server's database is found.
    """
    from sqlalchemy.engine import make_url

    path = make_url(url).database
    if path and path != ":memory:" and not Path(path).exists():
        raise CLIError(
            f"there is no qstation database at {path}",
            "run this where `qstation serve` runs (its .qstation folder), or pass "
            "--data-dir or --database-url (QSTATION_DATABASE_URL)",
            DATABASE,
        )


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, taken before the service says it serves.

    Raises:
        CLIError: the address is in use or cannot be had.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        if err.errno == errno.EADDRINUSE:
            raise CLIError(
                f"port {port} on {host} is already in use (another qstation serve?)",
                f"stop what listens there, or choose another port with --port "
                f"(`qstation serve --port {port + 1}`)",
                ADDRESS,
            ) from None
        raise CLIError(
            f"cannot listen on {host}:{port}: {err.strerror}",
            "choose another --host or --port",
            ADDRESS,
        ) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


@contextlib.contextmanager
def recorded(data_dir: Path, url: str) -> Iterator[None]:
    """Record the service's address in the data directory while it runs, so client
    commands started in the same folder find it."""
    record = data_dir / SERVER_RECORD
    data_dir.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"url": url, "pid": os.getpid()}), encoding="utf-8")
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            if json.loads(record.read_text(encoding="utf-8")).get("pid") == os.getpid():
                record.unlink()


class Server(uvicorn.Server):
    """uvicorn's server, calling ``on_ready`` once it listens, and ending with exit status 0
    on SIGTERM/SIGINT (uvicorn re-raises the signal after its shutdown, which killed the
    process with a signal status and a noisy interpreter teardown)."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            self._on_ready()

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        self._captured_signals.clear()  # a clean stop: nothing to re-raise afterwards


def describe_database(url: str) -> str:
    """The database as the ready line shows it."""
    return safe_url(url)
