"""One error style for the whole command line: ``error: <what happened> — <what to do>``.

Every failure a user can cause or meet ends in one such message on stderr and an exit code
by class of failure, never in a traceback (``qstation --debug ...`` or ``QSTATION_DEBUG=1``
shows the traceback too):

====  ================================================================
code  class
====  ================================================================
0     success
1     anything else (a bug: the message says to rerun with ``--debug``)
2     bad usage, input or configuration (options, files, circuits, devices)
3     not authenticated or not allowed
4     not found (job, quantum computer, user, booking)
5     the job failed or was cancelled
6     timed out
7     the server could not be reached
8     the database is unreachable, refuses the credentials or is not migrated
9     the address to listen on is in use
130   interrupted (Ctrl-C)
====  ================================================================
"""

from __future__ import annotations

import re
from typing import IO, Any

import click

USAGE, AUTH, NOT_FOUND, JOB, TIMEOUT, UNREACHABLE, DATABASE, ADDRESS = 2, 3, 4, 5, 6, 7, 8, 9


class CLIError(click.ClickException):
    """A failure reported as ``error: <what> — <fix>`` with an exit code of its class."""

    def __init__(self, what: str, fix: str | None = None, code: int = 1) -> None:
        super().__init__(what)
        self.what = what.rstrip(". ")
        self.fix = fix
        self.exit_code = code  # type: ignore[misc]  # click declares a class default

    def format_message(self) -> str:
        """The one or two lines the user sees (without the ``error:`` prefix)."""
        return f"{self.what} — {self.fix}" if self.fix else self.what

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the message to stderr."""
        click.echo(f"error: {self.format_message()}", err=True, file=file)


def safe_url(url: str) -> str:
    """A database URL fit to print: the password hidden."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy understands: print no part of it that may hold secrets
        return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def database_error(err: BaseException, url: str) -> CLIError | None:
    """The error for a database that cannot be used, or None when ``err`` is something else."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    from qstation.store.db import DatabaseNotMigratedError

    shown = safe_url(url)
    flag = "--database-url (or QSTATION_DATABASE_URL)"
    if isinstance(err, DatabaseNotMigratedError):
        return CLIError(
            f"{err.args[0].split(';')[0]} ({shown})",
            f"run `qstation db upgrade --database-url '{shown}'`",
            DATABASE,
        )
    if not isinstance(err, OperationalError | DBAPIError):
        return None
    text = str(getattr(err, "orig", None) or err)
    role = re.search(r'role "([^"]+)" does not exist', text)
    name = re.search(r'database "([^"]+)" does not exist', text)
    if role:
        return CLIError(
            f"the database refuses role {role[1]!r}: it does not exist ({shown})",
            f"create it (`createuser {role[1]} --pwprompt`) or fix the user in {flag}",
            DATABASE,
        )
    if "password authentication failed" in text or "no password supplied" in text:
        return CLIError(
            f"the database refused the password ({shown})", f"fix the password in {flag}", DATABASE
        )
    if name:
        return CLIError(
            f"database {name[1]!r} does not exist ({shown})",
            f"create it (`createdb {name[1]}`) or fix the name in {flag}",
            DATABASE,
        )
    if "unable to open database file" in text:
        return CLIError(
            f"cannot open the SQLite database {shown}",
            "check that its folder exists and is writable, or pass --data-dir",
            DATABASE,
        )
    first = text.strip().splitlines()[0] if text.strip() else type(err).__name__
    return CLIError(
        f"cannot reach the database ({shown}): {first}",
        f"start it, or fix the host and port in {flag}",
        DATABASE,
    )


def _sdk_fix(err: Any) -> tuple[str | None, int]:
    """What to do about an SDK error, and its exit code."""
    import qstation.client as sdk

    code = getattr(err, "error_code", None)
    if isinstance(err, sdk.ClientConfigurationError):
        return "see `qstation --help` for the connection options (--server, --qc, --token)", USAGE
    if isinstance(err, sdk.CircuitValidationError):
        return "fix the circuit file (`qstation qc show` lists gates and couplings)", USAGE
    if isinstance(err, sdk.UnauthorizedError) and "password" in str(err):
        return "check the user name and password (an admin can set a new one)", AUTH
    if isinstance(err, sdk.ClientAuthenticationError | sdk.UnauthorizedError):
        return "log in with `qstation auth login`, or pass --token", AUTH
    if isinstance(err, sdk.ForbiddenError):
        return "ask an admin, or log in as one (`qstation auth login`)", AUTH
    if isinstance(err, sdk.NotFoundError):
        if code == "QC_NOT_FOUND":
            return "pick a hosted one with --qc (`qstation qc list`)", NOT_FOUND
        if code == "JOB_NOT_FOUND":
            return "check the id (`qstation jobs list` shows yours)", NOT_FOUND
        return "check the name or id", NOT_FOUND
    if isinstance(err, sdk.JobTimeoutError | sdk.RequestTimeoutError):
        return "wait longer (--timeout), or look later with `qstation jobs show ID`", TIMEOUT
    if isinstance(err, sdk.JobFailedError):
        return "fix what the message says and submit again", JOB
    if isinstance(err, sdk.JobCancelledError):
        return "submit it again if it is still wanted", JOB
    if isinstance(err, sdk.TransportError):
        return (
            "start one with `qstation serve`, or name it with --server URL (or IQM_SERVER_URL)"
        ), UNREACHABLE
    if isinstance(err, sdk.InvalidRequestError):
        if code == "INVALID_SHOTS":
            return "pass --shots between 1 and the device's limit", USAGE
        return "fix the request as the message says (`qstation qc show` lists the device)", USAGE
    if isinstance(err, sdk.RateLimitedError):
        return "wait and try again (`qstation usage` shows your quota)", USAGE
    if isinstance(err, sdk.ConflictError):
        return "look at its current state (`list` or `show` it) and try again", USAGE
    if isinstance(err, sdk.PayloadTooLargeError):
        return "split the job into smaller ones", USAGE
    if isinstance(err, sdk.ServerError):
        return "try again later; the server's log says more", 1
    return "run again with `qstation --debug ...` for the details", 1


def sdk_error(err: BaseException, server: str | None = None) -> CLIError:
    """The error for an SDK exception; ``server`` is named when it could not be reached."""
    import qstation.client as sdk

    fix, code = _sdk_fix(err)
    what = str(getattr(err, "message", None) or err)
    if isinstance(err, sdk.TransportError) and server:
        what = f"cannot reach the qstation server at {server}"
    if "quantum_computer=" in what:  # the SDK's argument is the CLI's --qc
        what = re.sub(r";? ?pass quantum_computer=.*$", "", what).replace(
            "quantum_computer=", "--qc "
        )
        fix = "choose one with --qc NAME (or IQM_QUANTUM_COMPUTER)"
    return CLIError(what, fix, code)


def unexpected(err: BaseException) -> CLIError:
    """An error nobody foresaw: say what it was and how to see more."""
    return CLIError(
        f"{type(err).__name__}: {err}",
        "run again with `qstation --debug ...` to see the traceback, and report it",
    )
