"""SQLite's write lock, taken at the start of a write transaction without SQLite's busy handler.

SQLite lets one connection write at a time. A writer that finds the lock taken calls the
busy handler, which sleeps 1 ms, then 2, 5, 10 ms and more before it looks again. The
API and a worker each hold the lock for 0.1-0.3 ms per transaction, so a writer that found
it taken slept ten times longer than it needed to; and the API runs its statements on its
event loop, so while it slept no request was served. In a burst of 1,000 submissions the
API slept about 600 times and its worker about 1,100 times.

Here a write transaction starts with ``BEGIN IMMEDIATE`` tried without waiting: a worker's
transactions (:func:`writing`) and the API's job submissions (``unit_of_work(lock_now=True)``;
the API's other writes keep the busy handler). While the lock is taken, the API yields to
its event loop and tries again, and a worker sleeps for 50 µs, doubling to 1 ms. After
:data:`LOCK_TIMEOUT_S` the wait fails as the busy handler's did, with SQLAlchemy's
``OperationalError`` (the API answers 503).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from qstation.store.driver import driver_of

#: How long a writer waits for the lock before it fails; SQLite's busy timeout alike.
LOCK_TIMEOUT_S = 30.0
BUSY_TIMEOUT_MS = int(LOCK_TIMEOUT_S * 1000)
_BEGIN = "BEGIN IMMEDIATE"
# The API tries again on each turn of its event loop for this long, then once a millisecond.
_SPIN_S = 0.001
_FIRST_PAUSE_S, _LONGEST_PAUSE_S = 50e-6, 1e-3


def try_begin(conn: sqlite3.Connection) -> bool:
    """Begin a write transaction on ``conn`` if the lock is free now; False if it is taken.

    Raises:
        DBAPIError: any other failure (SQLAlchemy's error of that kind).
    """
    conn.execute("PRAGMA busy_timeout=0")
    try:
        conn.execute(_BEGIN)
        return True
    except sqlite3.OperationalError as err:
        if err.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY:
            return False
        raise DBAPIError.instance(_BEGIN, None, err, sqlite3.Error) from err
    finally:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _timed_out() -> OperationalError:
    err = sqlite3.OperationalError(f"database is locked (waited {LOCK_TIMEOUT_S:.0f} s)")
    return OperationalError(_BEGIN, None, err)


def begin_writing(conn: sqlite3.Connection) -> None:
    """Begin a write transaction on ``conn``, sleeping briefly while another writer holds
    the lock (a worker's synchronous loop)."""
    pause, deadline = _FIRST_PAUSE_S, 0.0
    while not try_begin(conn):
        now = time.monotonic()
        if not deadline:
            deadline = now + LOCK_TIMEOUT_S
        elif now > deadline:
            raise _timed_out()
        time.sleep(pause)
        pause = min(pause * 2, _LONGEST_PAUSE_S)


async def begin_writing_async(conn: sqlite3.Connection) -> None:
    """Begin a write transaction on ``conn``; while another writer holds the lock, the
    event loop serves everything else between the tries."""
    started = 0.0
    while not try_begin(conn):
        now = time.monotonic()
        if not started:
            started = now
        elif now - started > LOCK_TIMEOUT_S:
            raise _timed_out()
        await asyncio.sleep(0 if now - started < _SPIN_S else _LONGEST_PAUSE_S)


def sqlite_of(conn: Connection) -> sqlite3.Connection:
    """The ``sqlite3`` connection under ``conn`` (an SQLite connection of either engine)."""
    driver = driver_of(conn)
    assert isinstance(driver, sqlite3.Connection)
    return driver


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """``engine.begin()``, holding SQLite's write lock from the start (see the module)."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            begin_writing(sqlite_of(conn))
        yield conn
