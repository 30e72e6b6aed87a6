"""Running and checking Alembic migrations without an ``alembic.ini``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from qstation.store.db import DatabaseNotMigratedError, make_sync_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """Alembic's configuration for the database at ``url`` (for its ``command`` functions)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = url
    return cfg


def head_revision() -> str:
    """The newest migration of this qstation."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at (None: never migrated)."""
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision``, by default the newest schema (creating
    it if needed)."""
    command.upgrade(alembic_config(url), revision)


def check(url: str) -> None:
    """Refuse to run on a database that is not at the newest schema.

    Raises:
        DatabaseNotMigratedError: with the command that fixes it.
    """
    current, head = current_revision(url), head_revision()
    if current != head:
        raise DatabaseNotMigratedError(
            f"the database is at schema {current or 'none'}, this qstation needs {head}; "
            f"run `qstation db upgrade --database-url ...` first"
        )
