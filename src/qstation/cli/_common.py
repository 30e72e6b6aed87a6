"""Shared plumbing of the client commands: connection options, errors, tables, progress.

Exit codes by class of failure: see :mod:`qstation.cli._errors`.

The SDK is imported only when a client command runs, so ``qstation serve`` and the worker
processes it spawns do not pay for it.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from qstation.client import IQMClient
    from qstation.schemas.iqm_v1 import JobData

F = TypeVar("F", bound=Callable[..., Any])

#: SDK exception class name → exit code, most specific first.
_EXIT_CODES = (
    ("ClientConfigurationError", 2),
    ("ClientAuthenticationError", 3),
    ("UnauthorizedError", 3),
    ("ForbiddenError", 3),
    ("NotFoundError", 4),
    ("JobFailedError", 5),
    ("JobCancelledError", 5),
    ("JobTimeoutError", 6),
    ("RequestTimeoutError", 6),
    ("TransportError", 7),
    ("QStationError", 1),
)
_AUTH_ENV = (
    "IQM_TOKEN",
    "IQM_TOKENS_FILE",
    "IQM_AUTH_SERVER",
    "IQM_AUTH_USERNAME",
    "IQM_AUTH_PASSWORD",
)
#: Where ``qstation serve`` listens when nothing else is said.
DEFAULT_SERVER = "http://127.0.0.1:8000"
#: The file in the data directory where a running ``qstation serve`` records its address.
SERVER_RECORD = "server.json"
_current: list[tuple[str, str]] = []  # (url, where it came from) of the last client made


def exit_code(err: BaseException) -> int:
    """The exit code for an SDK exception."""
    import qstation.client as sdk

    return next(code for name, code in _EXIT_CODES if isinstance(err, getattr(sdk, name)))


def current_server() -> str | None:
    """The server the last client was made for (to name it in errors)."""
    return _current[-1][0] if _current else None


def _report(err: Exception) -> NoReturn:
    from qstation.cli._errors import sdk_error

    raise sdk_error(err, current_server()) from err


class SDKGroup(click.Group):
    """A command group that reports SDK errors as one line and a meaningful exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        from qstation.client import QStationError

        try:
            return super().invoke(ctx)
        except QStationError as err:
            _report(err)


class SDKCommand(click.Command):
    """A single command with the same error reporting as :class:`SDKGroup`."""

    def invoke(self, ctx: click.Context) -> Any:
        from qstation.client import QStationError

        try:
            return super().invoke(ctx)
        except QStationError as err:
            _report(err)


def local_server(data_dir: str | os.PathLike[str] | None = None) -> tuple[str, str]:
    """The local server: the address a running ``qstation serve`` recorded in the data
    directory (``QSTATION_DATA_DIR`` or ``./.qstation``), else the default address.

    Returns:
        ``(url, where the URL came from)``.
    """
    folder = Path(data_dir or os.environ.get("QSTATION_DATA_DIR") or ".qstation")
    record = folder / SERVER_RECORD
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("url"), str):
            return data["url"], str(record)
    except (OSError, ValueError):
        pass
    return DEFAULT_SERVER, "the default address"


def connection_options(func: F) -> F:
    """``--server``, ``--qc``, ``--token`` and ``--tokens-file`` (the SDK reads the
    ``IQM_*`` environment variables itself when they are left out)."""
    for option in reversed(
        (
            click.option(
                "--server",
                "server",
                default=None,
                metavar="URL",
                help="Server URL (default: IQM_SERVER_URL, the one logged in to, or the local "
                "server that `qstation serve` runs).",
            ),
            click.option(
                "--qc",
                "quantum_computer",
                default=None,
                metavar="ALIAS",
                help="Quantum computer (default: IQM_QUANTUM_COMPUTER, or the only one).",
            ),
            click.option("--token", default=None, help="A bearer token (default: IQM_TOKEN)."),
            click.option(
                "--tokens-file",
                default=None,
                metavar="PATH",
                help="A tokens file (default: IQM_TOKENS_FILE or the login's file).",
            ),
        )
    ):
        func = option(func)
    return func


def _tokens_file_path(tokens_file: str | None, token: str | None) -> str | None:
    """The tokens file to pass to the SDK: the option, else the login's default file."""
    from qstation.client.auth import default_tokens_file

    if tokens_file or token or any(os.environ.get(v) for v in _AUTH_ENV):
        return tokens_file
    default = default_tokens_file()
    return str(default) if default.exists() else None


def make_client(
    server: str | None, quantum_computer: str | None, token: str | None, tokens_file: str | None
) -> IQMClient:
    """A client from the connection options, falling back to ``qstation auth login``'s file
    for both the credentials and the server URL.

    With no server named anywhere, the local one (:func:`local_server`).

    Raises:
        ClientConfigurationError: conflicting credentials or a malformed URL.
    """
    from qstation.client import IQMClient
    from qstation.client.auth import TokensFile

    path = _tokens_file_path(tokens_file, token)
    login = path or os.environ.get("IQM_TOKENS_FILE")
    source = "--server"
    if server is None and os.environ.get("IQM_SERVER_URL"):
        server, source = os.environ["IQM_SERVER_URL"], "IQM_SERVER_URL"
    if server is None and login:
        server = str(TokensFile(login).read().get("server_url") or "") or None
        source = f"the login in {login}"
    if server is None:
        server, source = local_server()
    _current.append((server.rstrip("/"), source))
    return IQMClient(
        server,
        quantum_computer=quantum_computer,
        token=token,
        tokens_file=path,
        client_signature="qstation-cli",
    )


def server_note() -> str:
    """``server URL (from where)`` of the last client made, for commands to show."""
    url, source = _current[-1] if _current else (DEFAULT_SERVER, "the default address")
    return f"server {url} (from {source})"


def with_client(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a command taking ``client`` first; adds the connection options."""

    @connection_options
    @functools.wraps(func)
    def wrapper(
        server: str | None,
        quantum_computer: str | None,
        token: str | None,
        tokens_file: str | None,
        **kwargs: Any,
    ) -> Any:
        with make_client(server, quantum_computer, token, tokens_file) as client:
            return func(client, **kwargs)

    return wrapper


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table with left-aligned columns."""
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def job_line(data: JobData) -> str:
    """A job's state in words: status, queue position, progress and the server's last
    message (which says why a job waits, e.g. a timeslot holding the device)."""
    parts = [data.status.value]
    if data.queue_position:
        parts.append(f"position {data.queue_position} in queue")
    if data.execution is not None:
        done = sum(p.value for p in data.execution.progress.values())
        total = sum(p.max_value for p in data.execution.progress.values())
        if total:
            parts.append(f"{done}/{total} circuits")
    text = ", ".join(parts)
    if data.messages:
        text += f" ({data.messages[-1].message})"
    return text


class Progress:
    """A one-line live display of a job's state (plain lines when not on a terminal): status,
    queue position, progress, the server's messages and the time spent; the last frame is
    ``✓`` for a completed job and ``✗`` for one that failed or was cancelled."""

    _FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

    def __init__(self, job_id: str, stream: Any = None) -> None:
        self.job_id = job_id
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self.text = "submitted"
        self.ok = True
        self._last_plain = ""
        self._stop = threading.Event()
        self._writing = threading.Lock()  # the ticker thread and updates share the line
        self._ticker = threading.Thread(target=self._tick, daemon=True)

    def __enter__(self) -> Progress:
        if self.live:
            self._ticker.start()
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self._stop.set()
        if exc_type is not None:
            self.ok = False
        if self.live:
            self._ticker.join()
            self._render(final=True)

    def update(self, data: JobData) -> None:
        """Show a new view of the job."""
        from qstation.client import JobStatus

        self.text = job_line(data)
        self.ok = data.status not in (JobStatus.FAILED, JobStatus.CANCELLED)
        if not self.live and self.text != self._last_plain:
            self._last_plain = self.text
            elapsed = time.monotonic() - self.start
            click.echo(f"job {self.job_id}: {self.text} [{elapsed:.1f} s]", file=self.stream)
        elif self.live:
            self._render()

    def _tick(self) -> None:
        while not self._stop.wait(0.1):
            self._render()

    def _render(self, final: bool = False) -> None:
        elapsed = time.monotonic() - self.start
        if final:
            frame = "✓" if self.ok else "✗"
        else:
            frame = self._FRAMES[int(elapsed * 10) % len(self._FRAMES)]
        # "\r" returns to the line start; ESC[K clears what a longer text left behind.
        line = f"\r{frame} job {self.job_id}: {self.text}  [{elapsed:5.1f} s]\x1b[K"
        with self._writing:
            click.echo(line + ("\n" if final else ""), file=self.stream, nl=False)
