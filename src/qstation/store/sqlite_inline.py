"""SQLite for the asyncio engine, run inline on the event loop.

``aiosqlite`` runs every statement on a helper thread and hands the result back to the loop:
about 200 µs per statement here, while SQLite itself answers in 20-30 µs. The API's
statements are short (WAL mode: readers never wait; writers are serialised per process and
keep their transactions to a few statements), so running them directly on the loop is far
cheaper than the hand-off. This module gives SQLAlchemy's ``sqlite+aiosqlite`` dialect the
small part of the ``aiosqlite`` interface it uses, over a plain ``sqlite3`` connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from typing import Any


class InlineCursor:
    """An ``aiosqlite.Cursor`` look-alike whose coroutines finish without suspending."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> InlineCursor:
        self._cursor.execute(sql, parameters)  # type: ignore[arg-type]
        return self

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)  # type: ignore[arg-type]
        return self

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size or self._cursor.arraysize)

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _CursorFactory:
    """What ``connection.cursor()`` returns: entering it gives the cursor."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def __aenter__(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def __aexit__(self, *exc: object) -> None:
        return None


class InlineConnection:
    """An ``aiosqlite.Connection`` look-alike over a ``sqlite3`` connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._connection: sqlite3.Connection | None = conn  # checked by SQLAlchemy

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The ``sqlite3`` connection itself (see :mod:`qstation.store.driver`)."""
        return self._conn

    def cursor(self) -> _CursorFactory:
        return _CursorFactory(self._conn)

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> InlineCursor:
        return InlineCursor(self._conn.execute(sql, parameters))  # type: ignore[arg-type]

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._conn.close()
            self._connection = None

    def stop(self) -> None:
        if self._connection is not None:
            self._conn.close()
            self._connection = None

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level


def inline_creator(path: str, timeout: float) -> Callable[[], Awaitable[InlineConnection]]:
    """An ``async_creator`` for :func:`sqlalchemy.ext.asyncio.create_async_engine`."""

    async def connect() -> InlineConnection:
        # The pool may close a connection from another thread (at shutdown), hence no
        # same-thread check; all statements run on the event loop's thread.
        return InlineConnection(sqlite3.connect(path, timeout=timeout, check_same_thread=False))

    return connect

