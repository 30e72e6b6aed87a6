"""The two hottest lookups, run on the driver's connection past SQLAlchemy's execution layer.

A job's status GET, its long-poll and its measurements GET each need a few text columns of
one row. SQLAlchemy's connection checkout and statement execution (execution context, result
processing) cost several times what SQLite takes to answer, so these lookups are written
once per dialect and run on the driver's connection. They read plain text columns only
(no type processing to repeat), and their callers use them only to answer the plain case;
anything else (a missing job, another owner's, an unfinished one) takes the full path,
which raises the usual errors.
"""

from __future__ import annotations

import sqlite3
from typing import Any, NamedTuple

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

_HEAD = "SELECT owner, status FROM jobs WHERE id = {p}"
_ARTIFACT = (
    "SELECT jobs.owner, jobs.status, job_results.measurements, job_results.counts "
    "FROM jobs JOIN job_results ON job_results.job_id = jobs.id WHERE jobs.id = {p}"
)
_SQLITE = {name: sql.format(p="?") for name, sql in (("head", _HEAD), ("artifact", _ARTIFACT))}
_POSTGRES = {name: sql.format(p="%s") for name, sql in (("head", _HEAD), ("artifact", _ARTIFACT))}


class JobHead(NamedTuple):
    """Who owns a job and where it stands."""

    owner: str | None
    status: str


class StoredResult(NamedTuple):
    """A job's owner and status with its stored result texts."""

    owner: str | None
    status: str
    measurements: str
    counts: str


class LightReads:
    """Runs the light lookups: on SQLite on a connection of its own, on the event loop's
    thread (a lookup never waits for the loop, so one connection serves every request), on
    PostgreSQL on a pooled autocommit connection of ``engine``."""

    def __init__(self, engine: AsyncEngine, sqlite_path: str | None) -> None:
        self._engine = engine
        self._path = sqlite_path
        self._sqlite: sqlite3.Connection | None = None

    @classmethod
    def for_url(cls, url: str, engine: AsyncEngine) -> LightReads:
        """The light reads of the database at ``url``, whose reads ``engine`` runs."""
        parsed = make_url(url)
        path = parsed.database if parsed.get_backend_name() == "sqlite" else None
        return cls(engine, path if path and path != ":memory:" else None)

    async def one(self, name: str, job_id: str) -> Any:
        """The first row of lookup ``name`` for ``job_id`` as a tuple, or None."""
        if self._path is not None:
            if self._sqlite is None:
                self._sqlite = sqlite3.connect(self._path, timeout=30, check_same_thread=False)
            cursor = self._sqlite.execute(_SQLITE[name], (job_id,))
            try:
                return cursor.fetchone()
            finally:
                cursor.close()  # ends the statement, so no read is held open
        async with self._engine.connect() as conn:
            return await _one(conn, name, job_id)

    def close(self) -> None:
        """Close the SQLite connection (if one was opened)."""
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None

    async def job_head(self, job_id: str) -> JobHead | None:
        """The owner and status of job ``job_id`` (canonical id), or None."""
        row = await self.one("head", job_id)
        return None if row is None else JobHead(*row)

    async def stored_result(self, job_id: str) -> StoredResult | None:
        """Job ``job_id``'s owner, status and result texts; None if it has no result."""
        row = await self.one("artifact", job_id)
        return None if row is None else StoredResult(*row)


async def _one(conn: AsyncConnection, name: str, job_id: str) -> Any:
    sync = conn.sync_connection
    if sync is None:  # not started: no light path
        return None
    driver = sync.connection.driver_connection
    if conn.dialect.name == "postgresql":
        async with driver.cursor() as cur:  # type: ignore[union-attr]
            await cur.execute(_POSTGRES[name], (job_id,))
            return await cur.fetchone()
    return None  # another driver: no light path
