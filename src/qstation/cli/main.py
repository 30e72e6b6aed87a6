"""Entry point of the ``qstation`` command."""

from __future__ import annotations

import click

from qstation import __version__
from qstation.cli.booking_cmds import BOOKING_COMMANDS
from qstation.cli.calibration_cmds import calibration
from qstation.cli.client_cmds import CLIENT_COMMANDS
from qstation.cli.server_cmds import db, serve, worker


@click.group()
@click.version_option(__version__, prog_name="qstation")
def cli() -> None:
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
