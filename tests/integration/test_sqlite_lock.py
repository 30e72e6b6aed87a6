"""SQLite's write lock taken without SQLite's busy handler (qstation.store.sqlite_lock)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from qstation.store import sqlite_lock
from qstation.store.db import make_sync_engine
from qstation.store.sqlite_lock import begin_writing, begin_writing_async, try_begin, writing


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "lock.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (v INTEGER)")
    return path


@pytest.fixture
def holder(db: Path) -> Iterator[sqlite3.Connection]:
    """A second connection that holds the write lock until it commits."""
    conn = sqlite3.connect(db, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO t VALUES (1)")
    yield conn
    conn.close()


def _connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(db, timeout=30)


def _busy_ms(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA busy_timeout").fetchone()[0])


def test_try_begin_answers_at_once_and_restores_the_busy_timeout(
    db: Path, holder: sqlite3.Connection
) -> None:
    conn = _connect(db)
    assert try_begin(conn) is False
    assert not conn.in_transaction
    assert _busy_ms(conn) == 30000
    holder.commit()
    assert try_begin(conn) is True
    assert conn.in_transaction
    assert _busy_ms(conn) == 30000
    other = _connect(db)
    assert try_begin(other) is False  # held from BEGIN on, before any write
    conn.rollback()


def test_other_failures_are_sqlalchemy_errors(db: Path) -> None:
    conn = _connect(db)
    conn.execute("BEGIN")
    with pytest.raises(DBAPIError, match="within a transaction"):
        try_begin(conn)


def test_a_worker_waits_for_the_lock_then_sees_the_holders_commit(
    db: Path, holder: sqlite3.Connection
) -> None:
    threading.Timer(0.05, holder.commit).start()
    conn = _connect(db)
    begin_writing(conn)
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    conn.execute("INSERT INTO t VALUES (2)")
    conn.commit()


def test_the_event_loop_runs_while_the_api_waits(db: Path, holder: sqlite3.Connection) -> None:
    # The holder commits from a callback of the same loop: under SQLite's busy handler the
    # loop would sleep inside the BEGIN for the connection's whole 30 s busy timeout before
    # the callback could run.
    late: list[float] = []

    def release(due: float) -> None:
        late.append(loop.time() - due)
        holder.commit()

    async def scenario() -> None:
        conn = _connect(db)
        await begin_writing_async(conn)
        assert conn.in_transaction
        conn.rollback()

    loop = asyncio.new_event_loop()
    loop.call_later(0.05, release, loop.time() + 0.05)
    loop.run_until_complete(scenario())
    loop.close()
    assert late and late[0] < 10, f"the loop was stopped {late} s"

    asyncio.run(scenario())


def test_the_wait_ends_in_an_outage_error(
    db: Path, holder: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_lock, "LOCK_TIMEOUT_S", 0.05)
    conn = _connect(db)
    with pytest.raises(OperationalError, match="database is locked"):
        begin_writing(conn)
    with pytest.raises(OperationalError, match="database is locked"):
        asyncio.run(begin_writing_async(conn))
    assert not conn.in_transaction


def test_writing_holds_the_lock_from_its_start_and_commits(db: Path) -> None:
    engine = make_sync_engine(f"sqlite:///{db}")
    other = _connect(db)
    with writing(engine) as conn:
        assert try_begin(other) is False
        conn.execute(text("INSERT INTO t VALUES (3)"))
    assert other.execute("SELECT v FROM t").fetchall() == [(3,)]
    with pytest.raises(RuntimeError), writing(engine) as conn:
        conn.execute(text("INSERT INTO t VALUES (4)"))
        raise RuntimeError
    assert other.execute("SELECT v FROM t").fetchall() == [(3,)]
    engine.dispose()
