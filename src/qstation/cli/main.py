"""Entry point of the ``qstation`` command."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from qstation import __version__
from qstation.cli._errors import USAGE, CLIError, database_error, sdk_error, unexpected
from qstation.cli.booking_cmds import BOOKING_COMMANDS
from qstation.cli.calibration_cmds import calibration
from qstation.cli.client_cmds import CLIENT_COMMANDS
from qstation.cli.server_cmds import db, serve, worker


def _as_cli_error(err: Exception) -> CLIError:
    """Any failure as ``error: <what> — <fix>`` (see :mod:`qstation.cli._errors`)."""
    if isinstance(err, CLIError):
        return err
    if isinstance(err, click.UsageError):
        where = f"`{err.ctx.command_path} --help`" if err.ctx else "`qstation --help`"
        return CLIError(err.format_message(), f"see {where}", USAGE)
    if isinstance(err, click.ClickException):
        return CLIError(err.format_message(), "see `qstation --help`", err.exit_code)
    if type(err).__module__.startswith("qstation.client"):
        from qstation.cli._common import current_server

        return sdk_error(err, current_server())
    found = database_error(err, os.environ.get("QSTATION_DATABASE_URL", "the database"))
    if found is not None:
        return found
    if type(err).__name__ == "ValidationError":  # pydantic, e.g. a bad user name
        first = err.errors()[0]  # type: ignore[attr-defined]
        return CLIError(str(first.get("msg", err)), "see the command's --help", USAGE)
    if isinstance(err, OSError) and err.filename:
        return CLIError(f"{err.strerror}: {err.filename}", "check the path", USAGE)
    return unexpected(err)


class QStationGroup(click.Group):
    """The root group: every error becomes one line and an exit code of its class."""

    def main(  # type: ignore[override]  # one signature: it always exits
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        extra.pop("standalone_mode", None)  # errors are always reported here, then exit
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv[: argv.index("--") if "--" in argv else None] or os.environ.get(
            "QSTATION_DEBUG", ""
        ) not in ("", "0")
        try:
            code = super().main(argv, prog_name, standalone_mode=False, **extra)
        except (click.Abort, KeyboardInterrupt, EOFError):
            click.echo("\naborted", err=True)
            sys.exit(130)
        except Exception as err:
            if debug:
                raise
            failure = _as_cli_error(err)
            failure.show()
            sys.exit(failure.exit_code)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=QStationGroup)
@click.version_option(__version__, prog_name="qstation")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors (also QSTATION_DEBUG=1).")
def cli(debug: bool) -> None:
    """qstation: a self-hostable quantum-computer service and its tools."""


cli.add_command(serve)
cli.add_command(worker)
cli.add_command(db)
cli.add_command(calibration)
for _group in (*CLIENT_COMMANDS, *BOOKING_COMMANDS):  # qc, jobs, auth, users, tokens, bookings
    cli.add_command(_group)


def main() -> None:
    """Run the command line."""
    cli()


if __name__ == "__main__":
    main()
