"""Request-scoped dependencies: the unit of work and the calling principal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from qstation.store.driver import StatementPool
from qstation.store.light_reads import LightReads
from qstation.store.repositories import Reader
from qstation.store.sqlite_lock import begin_writing_async, sqlite_of

if TYPE_CHECKING:
    from qstation.queue.notify import Notifier
    from qstation.server.config import Settings
    from qstation.server.devices.service import DeviceService
    from qstation.server.jobs.service import JobService


@dataclass
class AppState:
    """Everything the routes share, created once by the app's lifespan."""

    settings: Settings
    sessions: async_sessionmaker[Any]
    notifier: Notifier
    devices: DeviceService
    jobs: JobService
    #: Serialises this process's write transactions on SQLite, which has one writer: a
    #: transaction then never holds the database lock while waiting for the event loop,
    #: so workers in other processes are not kept waiting.
    write_lock: asyncio.Lock | None = None
    #: Sessions for blocks that only read, in autocommit mode where that saves round trips
    #: (PostgreSQL: no BEGIN and COMMIT around a lookup); None: use ``sessions``.
    read_sessions: async_sessionmaker[Any] | None = None
    #: The engine of :func:`reading` (autocommit on PostgreSQL); None: lookups use sessions.
    read_engine: AsyncEngine | None = None
    #: The hottest lookups, past SQLAlchemy (see :mod:`qstation.store.light_reads`).
    light: LightReads | None = None
    #: PostgreSQL: connections for one-statement work past SQLAlchemy (lookups, and
    #: submissions that are one statement); None on SQLite.
    statements: StatementPool | None = None


@dataclass(frozen=True)
class Principal:
    """Who is calling. ``owner`` is None when authentication is off (one shared tenant)."""

    owner: str | None
    is_admin: bool = True


async def get_state(request: Request) -> AppState:
    # A coroutine: FastAPI runs a plain function dependency on its thread pool, a thread
    # hand-off on every request (and at most 40 at a time under load).
    state: AppState = request.app.state.qstation
    return state


@asynccontextmanager
async def unit_of_work(
    state: AppState, *, write: bool = False, read_only: bool = False, lock_now: bool = False
) -> AsyncIterator[AsyncSession]:
    """One transaction: committed once at the end, rolled back on error.

    ``write=True`` marks a block that writes, so it is serialised on SQLite.
    ``lock_now=True`` (with ``write``): on SQLite the block takes the database's write lock
    as it starts, waiting for another process's writer while the event loop serves other
    requests (:mod:`qstation.store.sqlite_lock`); otherwise its first write waits in SQLite's
    busy handler, which stops the loop. Only for a block that opens no other session that
    writes, which would then wait for this one's lock.
    ``read_only=True`` marks a block that never writes: its statements may run without a
    transaction around them (each still sees committed data only).
    """
    lock = state.write_lock if write else None
    if lock is not None:
        await lock.acquire()
    sessions = state.read_sessions if read_only and state.read_sessions else state.sessions
    try:
        session = sessions()
        try:
            if lock is not None and lock_now:
                conn = await session.connection()
                await begin_writing_async(sqlite_of(conn.sync_connection))
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        finally:
            await _close(state, session)
    finally:
        if lock is not None:
            lock.release()


async def _close(state: AppState, resource: AsyncSession | AsyncConnection) -> None:
    # SQLAlchemy's own exit closes in a task of its own, so that a cancelled request cannot
    # abandon the close partway. On SQLite, whose statements run on the loop's thread, a
    # close never suspends and needs none; and the hand-off to a new task put the request
    # behind every other ready one: in a burst of 1,000 submissions every body was read and
    # checked before the first job was stored, and the worker idled meanwhile.
    if state.write_lock is not None:  # SQLite
        await resource.close()
    else:
        await resource.__aexit__(None, None, None)


@asynccontextmanager
async def reading(state: AppState) -> AsyncIterator[Reader | AsyncSession]:
    """A connection for a few lookups, without a session or a transaction around them.

    Each statement sees committed data only; nothing read here may be written back.
    """
    if state.read_engine is None:
        async with unit_of_work(state, read_only=True) as session:
            yield session
        return
    conn = await state.read_engine.connect()
    try:
        yield Reader(conn)
    finally:
        await _close(state, conn)


async def get_principal(request: Request) -> Principal:
    """The caller; an auth layer installed on the app replaces the anonymous default."""
    resolver = getattr(request.app.state, "resolve_principal", None)
    if resolver is None:
        return Principal(owner=None)
    principal: Principal = await resolver(request)
    return principal


StateDep = Annotated[AppState, Depends(get_state)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
