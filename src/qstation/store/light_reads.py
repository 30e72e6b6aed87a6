"""The hottest lookups, run on the driver's connection past SQLAlchemy's execution layer.

A job's status GET, its long-poll and its measurements GET each need a few columns of one
row; the long-poll's answer at a job's end also needs its events. SQLAlchemy's connection
checkout and statement execution (execution context, result processing) cost several times
what SQLite takes to answer, so these lookups are written once per dialect and run on the
driver's connection. They read plain columns (the two JSON columns of a job's messages and
errors are decoded here), and their callers use them only to answer the plain case;
anything else (a missing job, another owner's, an unfinished one) takes the full path,
which raises the usual errors.
"""

from __future__ import annotations

import sqlite3
from typing import Any, NamedTuple

import orjson
from sqlalchemy.engine import make_url

from qstation.store.driver import StatementPool

_HEAD = "SELECT owner, status FROM jobs WHERE id = {p}"
_ARTIFACT = (
    "SELECT jobs.owner, jobs.status, job_results.measurements, job_results.counts "
    "FROM jobs JOIN job_results ON job_results.job_id = jobs.id WHERE jobs.id = {p}"
)
_JOB = (
    "SELECT owner, id, type, status, calibration_set_id, created_at, started_at, finished_at, "
    "messages, errors FROM jobs WHERE id = {p}"
)
_EVENTS = "SELECT ts, source, status FROM job_events WHERE job_id = {p} ORDER BY id"
_LOOKUPS = (("head", _HEAD), ("artifact", _ARTIFACT), ("job", _JOB), ("events", _EVENTS))
_SQLITE = {name: sql.format(p="?") for name, sql in _LOOKUPS}
_POSTGRES = {name: sql.format(p="%s") for name, sql in _LOOKUPS}
# On PostgreSQL, where each lookup is a round trip, a job's view reads its events in the
# same statement, as one JSON array.
_POSTGRES["job+events"] = (
    "SELECT owner, id, type, status, calibration_set_id, created_at, started_at, finished_at, "
    "messages, errors, (SELECT coalesce(json_agg(json_build_array(e.ts, e.source, e.status) "
    "ORDER BY e.id), '[]'::json) FROM job_events e WHERE e.job_id = jobs.id) "
    "FROM jobs WHERE id = %s"
)


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


class JobView(NamedTuple):
    """The columns of a job that its view shows, with its owner."""

    owner: str | None
    id: str
    type: str
    status: str
    calibration_set_id: str
    created_at: float
    started_at: float | None
    finished_at: float | None
    messages: list[dict[str, Any]]
    errors: list[dict[str, Any]]


def _json(value: Any) -> Any:
    # SQLite keeps JSON columns as text; psycopg hands them over decoded.
    return orjson.loads(value) if isinstance(value, str | bytes) else value


class LightReads:
    """Runs the light lookups: on SQLite on a connection of its own, on the event loop's
    thread (a lookup never waits for the loop, so one connection serves every request); on
    PostgreSQL on the API's :class:`~qstation.store.driver.StatementPool`."""

    def __init__(
        self, sqlite_path: str | None = None, pool: StatementPool | None = None
    ) -> None:
        self._path = sqlite_path
        self._sqlite: sqlite3.Connection | None = None
        self._pool = pool

    @classmethod
    def for_url(cls, url: str, pool: StatementPool | None) -> LightReads:
        """The light reads of the database at ``url`` (on PostgreSQL, on ``pool``)."""
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            return cls(pool=pool)
        path = parsed.database
        return cls(path if path and path != ":memory:" else None)

    async def one(self, name: str, job_id: str) -> Any:
        """The first row of lookup ``name`` for ``job_id`` as a tuple, or None."""
        rows = await self.rows(name, job_id, first=True)
        return rows[0] if rows else None

    async def rows(self, name: str, job_id: str, *, first: bool = False) -> list[Any]:
        """The rows of lookup ``name`` for ``job_id`` as tuples (only the first: ``first``);
        none where there is no light path (an in-memory SQLite database)."""
        if self._pool is not None:
            return await self._pool.fetch(_POSTGRES[name], (job_id,), first=first)
        if self._path is None:
            return []
        if self._sqlite is None:
            self._sqlite = sqlite3.connect(self._path, timeout=30, check_same_thread=False)
        cursor = self._sqlite.execute(_SQLITE[name], (job_id,))
        try:
            if first:
                row = cursor.fetchone()
                return [] if row is None else [row]
            return cursor.fetchall()
        finally:
            cursor.close()  # ends the statement, so no read is held open

    def close(self) -> None:
        """Close the SQLite connection (if one was opened)."""
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None

    async def job_head(self, job_id: str) -> JobHead | None:
        """The owner and status of job ``job_id`` (canonical id), or None."""
        row = await self.one("head", job_id)
        return None if row is None else JobHead(*row)

    async def job_view(self, job_id: str) -> tuple[JobView, list[tuple[float, str, str]]] | None:
        """Job ``job_id``'s viewed columns and its timeline events, or None.

        On SQLite two statements without a transaction around them: callers use this for
        finished jobs only, which nothing changes any more. On PostgreSQL one statement.
        """
        combined = self._pool is not None
        row = await self.one("job+events" if combined else "job", job_id)
        if row is None:
            return None
        job = JobView._make([*row[:8], _json(row[8]), _json(row[9])])
        found = _json(row[10]) if combined else await self.rows("events", job_id)
        events = [(float(ts), source, status) for ts, source, status in found]
        return job, events

    async def stored_result(self, job_id: str) -> StoredResult | None:
        """Job ``job_id``'s owner, status and result texts; None if it has no result."""
        row = await self.one("artifact", job_id)
        return None if row is None else StoredResult(*row)
