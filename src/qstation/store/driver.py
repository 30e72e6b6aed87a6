"""Core statements run straight on the driver's connection, for the hottest paths.

SQLAlchemy's execution layer (execution context, parameter and result processing, and on
the asyncio engine a greenlet switch) costs 40-100 µs of CPU around each statement. On SQLite
a statement of the request path itself takes 5-30 µs: a submission runs five and a worker
three per job, so the layer cost more than SQLite's work. On PostgreSQL a worker's claim and
finish took about 1.0 ms of its CPU through SQLAlchemy and 0.55 ms on ``psycopg`` directly.

A :class:`DriverStatement` is compiled once from its Core statement, with SQLAlchemy's own
SQL and type processing for the dialect, and runs on the ``sqlite3`` or ``psycopg``
connection under the caller's transaction: the SQL is written once, as Core, and commits
and rollbacks stay the caller's.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, StatementError

from qstation.store.sqlite_inline import InlineConnection

# SQLite's driver takes named parameters too (``psycopg``'s dialect already binds by name):
# a value used twice in a statement is then bound once.
_SQLITE = sqlite.dialect(paramstyle="named")
Driver = sqlite3.Connection | psycopg.Connection[Any]


class DriverStatement:
    """A Core statement compiled once for ``dialect`` (SQLite or PostgreSQL with
    ``psycopg``), executed on the driver's connection.

    ``column_keys``: for an ``INSERT``, the columns its rows give. Columns with Python-side
    defaults must be among them: those defaults run in SQLAlchemy's execution layer.
    """

    def __init__(
        self, stmt: Any, dialect: Dialect, column_keys: Sequence[str] | None = None
    ) -> None:
        dialect = _SQLITE if dialect.name == "sqlite" else dialect
        compiled = stmt.compile(dialect=dialect, column_keys=column_keys)
        if compiled.insert_prefetch or compiled.update_prefetch:
            missing = [c.name for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
            raise ValueError(f"columns with Python-side defaults must be given: {missing}")
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("expanding parameters are rendered per call: bind literal values")
        self.sql: str = compiled.string
        binds = {name: compiled.binds[name] for name in compiled.params}
        #: Values the statement holds itself (its literals), bound on every call.
        self._fixed = {n: b.value for n, b in binds.items() if not b.required}
        self._needed = frozenset(n for n, b in binds.items() if b.required)
        # The dialect's own conversions (JSON to text, booleans to integers on SQLite...).
        self._processors: dict[str, Callable[[Any], Any]] = {}
        for name, bind in binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self._processors[name] = process

    def bound(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The driver's parameters: ``params`` with the statement's literals, converted."""
        if not self._needed <= params.keys():
            raise KeyError(f"missing parameters: {sorted(self._needed - params.keys())}")
        bound = {**self._fixed, **params}
        for name, process in self._processors.items():
            bound[name] = process(bound[name])
        return bound

    def execute(self, conn: Driver, params: Mapping[str, Any]) -> Rows:
        """Run the statement once; the cursor holds its rows and ``rowcount`` (on SQLite
        also ``lastrowid``). The driver's errors are raised as SQLAlchemy's (an outage is
        then an ``OperationalError`` to every caller, as it is through SQLAlchemy)."""
        bound = self.bound(params)
        try:
            return conn.execute(self.sql, bound)
        except (sqlite3.Error, psycopg.Error) as err:
            raise _as_sqlalchemy(self.sql, bound, err) from err

    def executemany(self, conn: Driver, rows: Iterable[Mapping[str, Any]]) -> Rows:
        """Run the statement once per parameter set (one insert of many rows)."""
        bound = [self.bound(row) for row in rows]
        try:
            if isinstance(conn, sqlite3.Connection):
                return conn.executemany(self.sql, bound)
            cursor = conn.cursor()
            cursor.executemany(self.sql, bound)
            return cursor
        except (sqlite3.Error, psycopg.Error) as err:
            raise _as_sqlalchemy(self.sql, bound, err) from err


def _as_sqlalchemy(sql: str, params: Any, err: sqlite3.Error | psycopg.Error) -> StatementError:
    base = sqlite3.Error if isinstance(err, sqlite3.Error) else psycopg.Error
    return DBAPIError.instance(sql, params, err, base)


def bypasses(conn: Connection) -> bool:
    """Whether statements on ``conn`` may run on its driver: SQLite, or PostgreSQL through
    synchronous ``psycopg``, unless something listens for its statements (tracing, which
    makes each a span) and so needs them to go through SQLAlchemy."""
    dialect = conn.dialect
    driven = dialect.name == "sqlite" or (
        dialect.name == "postgresql" and dialect.driver == "psycopg" and not dialect.is_async
    )
    return driven and not conn.dispatch.before_cursor_execute


def driver_of(conn: Connection) -> Driver:
    """The driver's connection under ``conn``: ``sqlite3`` (of a synchronous engine, or the
    synchronous side of an asyncio one of :mod:`.sqlite_inline`) or synchronous ``psycopg``."""
    driver = conn.connection.driver_connection
    if isinstance(driver, InlineConnection):
        driver = driver.sqlite
    assert isinstance(driver, sqlite3.Connection | psycopg.Connection), "no driver path"
    return driver


class Rows(Protocol):
    """What :func:`run` returns: a driver's cursor or a SQLAlchemy result."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Sequence[Any]: ...


_prepared: dict[tuple[int, str, tuple[str, ...] | None], tuple[Any, DriverStatement]] = {}


def prepared(
    stmt: Any, dialect: Dialect, column_keys: tuple[str, ...] | None = None
) -> DriverStatement:
    """The :class:`DriverStatement` of ``stmt`` (a statement that lives as long as the
    process) for ``dialect``, compiled on first use."""
    key = (id(stmt), dialect.name, column_keys)
    found = _prepared.get(key)
    if found is None:
        found = _prepared[key] = (stmt, DriverStatement(stmt, dialect, column_keys))
    return found[1]


def run(conn: Connection, stmt: Any, params: Mapping[str, Any] | list[dict[str, Any]]) -> Rows:
    """Execute ``stmt`` on ``conn``: on its driver's connection where :func:`bypasses`
    allows, otherwise through SQLAlchemy. A list of parameter sets inserts many rows; an
    ``INSERT`` gives the columns its parameters name."""
    if not bypasses(conn):
        result: Rows = conn.execute(stmt, params)
        return result
    if isinstance(params, list):
        keys: tuple[str, ...] | None = tuple(params[0])
        return prepared(stmt, conn.dialect, keys).executemany(driver_of(conn), params)
    keys = tuple(params) if isinstance(stmt, Insert) else None
    return prepared(stmt, conn.dialect, keys).execute(driver_of(conn), params)


def pipelined(conn: Connection, steps: Sequence[tuple[Any, Mapping[str, Any]]]
              ) -> Sequence[Rows]:
    """PostgreSQL, on an autocommit ``conn`` past SQLAlchemy (see :func:`bypasses`): the
    Core statements of ``steps`` as one transaction, sent with its ``BEGIN`` and ``COMMIT``
    in one round trip (``psycopg``'s pipeline mode). The server still runs them one after
    the other. Each statement's rows, in order.

    On an error the transaction is rolled back (the server skips what follows the failed
    statement, ``COMMIT`` included) and the error is raised as SQLAlchemy's, naming the
    statement that failed.
    """
    driver = driver_of(conn)
    assert isinstance(driver, psycopg.Connection), "PostgreSQL only"
    sent: list[tuple[str, Mapping[str, Any]]] = [("BEGIN", {})]
    for stmt, params in steps:
        compiled = prepared(stmt, conn.dialect)
        sent.append((compiled.sql, compiled.bound(params)))
    sent.append(("COMMIT", {}))
    cursors: list[psycopg.Cursor[Any]] = []
    try:
        with driver.pipeline():
            for sql, bound in sent:
                cursors.append(driver.execute(sql, bound))
    except psycopg.Error as err:
        if not driver.closed:
            with contextlib.suppress(psycopg.Error):
                driver.rollback()
        raise _as_sqlalchemy(*_failed(sent, cursors), err) from err
    return cursors[1:-1]


def _failed(sent: Sequence[tuple[str, Mapping[str, Any]]], cursors: Sequence[psycopg.Cursor[Any]]
            ) -> tuple[str, Mapping[str, Any]]:
    """The statement of a pipeline that failed: the first one sent without a good result
    (pipeline mode reports the error at its sync, after everything was sent), or the one
    being sent when the error was raised."""
    for (sql, bound), cursor in zip(sent, cursors, strict=False):
        result = cursor.pgresult
        if result is None or result.status == psycopg.pq.ExecStatus.FATAL_ERROR:
            return sql, bound
    return sent[min(len(cursors), len(sent) - 1)]


class StatementPool:
    """PostgreSQL: autocommit ``psycopg`` connections for the API's one-statement work (its
    light lookups, and a submission that is one statement, so its own transaction).

    SQLAlchemy's asyncio pool costs about 230 µs of CPU around a statement (checkout,
    greenlet switches, isolation-level and reset calls), ``psycopg_pool`` about 125 µs.
    Connections come up in the background; a statement waits for one at most ``timeout_s``.
    Driver errors are raised as SQLAlchemy's (an outage is an ``OperationalError``), so the
    app answers them as it answers any other database error.
    """

    def __init__(
        self, conninfo: str, dialect: Dialect, *, size: int = 10, timeout_s: float = 5.0
    ) -> None:
        self.dialect = dialect
        self._pool = AsyncConnectionPool(
            conninfo, min_size=1, max_size=size, timeout=timeout_s,
            kwargs={"autocommit": True}, open=False, name="qstation-statements",
        )

    async def open(self) -> None:
        """Start connecting (in the background)."""
        await self._pool.open(wait=False)

    async def close(self) -> None:
        """Close every connection."""
        await self._pool.close()

    async def fetch(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any], *, first: bool = False
    ) -> list[Any]:
        """The rows of ``sql`` (only the first: ``first``), run as its own transaction."""
        try:
            async with self._pool.connection() as conn:
                cursor = await conn.execute(sql, params, prepare=True)
                if cursor.description is None:
                    return []
                if first:
                    row = await cursor.fetchone()
                    return [] if row is None else [row]
                return await cursor.fetchall()
        except psycopg.Error as err:
            raise _as_sqlalchemy(sql, params, err) from err

    async def execute(self, stmt: Any, params: Mapping[str, Any]) -> list[Any]:
        """The rows of Core statement ``stmt`` (compiled once), run as its own transaction."""
        compiled = prepared(stmt, self.dialect)
        return await self.fetch(compiled.sql, compiled.bound(params))
