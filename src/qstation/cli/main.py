"""Entry point of the ``qstation`` command."""

from __future__ import annotations

import click

from qstation import __version__
from qstation.cli.server_cmds import db, serve, worker


@click.group()
@click.version_option(__version__, prog_name="qstation")
def cli() -> None:
    """qstation: a self-hostable quantum-computer service and its tools."""


cli.add_command(serve)
cli.add_command(worker)
cli.add_command(db)


def main() -> None:
    """Run the command line."""
    cli()


if __name__ == "__main__":
    main()
