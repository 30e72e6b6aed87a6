"""Database URLs, engines and schema checks for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from qstation.store.private import private_file
from qstation.store.sqlite_inline import inline_creator
from qstation.store.sqlite_lock import BUSY_TIMEOUT_MS, LOCK_TIMEOUT_S


class DatabaseNotMigratedError(RuntimeError):
    """The database schema is missing or older than this qstation."""


def default_url(data_dir: Path) -> str:
    """The embedded SQLite database inside ``data_dir``."""
    return f"sqlite:///{(data_dir / 'qstation.db').resolve()}"


def _driver_url(url: str, *, is_async: bool) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite" if is_async else "sqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")


def psycopg_conninfo(url: str) -> str:
    """The connection string ``psycopg`` itself takes for the PostgreSQL database at ``url``."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    """Whether ``url`` names an SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; NORMAL sync keeps commits durable
    # across process crashes (the database is never corrupted, and only an OS crash can
    # lose the last transactions); busy_timeout makes concurrent writers wait, not fail.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _prepare_sqlite_dir(url: URL) -> None:
    # The data directory and the database are the service's alone (0700 / 0600).
    if url.database and url.database != ":memory:":
        private_file(Path(url.database))


def make_sync_engine(url: str) -> Engine:
    """A synchronous engine (migrations, CLI)."""
    driver = _driver_url(url, is_async=False)
    if driver.get_backend_name() == "sqlite":
        _prepare_sqlite_dir(driver)
        engine = create_engine(driver, connect_args={"timeout": LOCK_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping (a round trip per checkout): a connection broken by an outage fails its
    # statement, SQLAlchemy then drops the pool's connections, and callers retry.
    return create_engine(driver)


def make_async_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An asyncio engine (API server and workers)."""
    driver = _driver_url(url, is_async=True)
    if driver.get_backend_name() == "sqlite":
        _prepare_sqlite_dir(driver)
        creator = inline_creator(driver.database or ":memory:", timeout=LOCK_TIMEOUT_S)
        engine = create_async_engine(driver, async_creator=creator)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping, as above: an outage answers 503 once per pooled connection at most.
    return create_async_engine(driver, pool_size=pool_size, max_overflow=pool_size)


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[Any]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
