"""Wake-ups over PostgreSQL ``LISTEN``/``NOTIFY``, for API and workers on many hosts.

Topics travel on two channels, one per audience: workers listen for queued and cancelled jobs,
API processes for jobs that changed or ended. A process is then woken only by what it waits
for (every notification on a channel reaches each of its listeners, and the database sends
it to each). A notification's payload is ``topic|payload``. As with
:class:`~qstation.queue.notify.LocalNotifier`, notifications only shorten waits: callers still
poll the database, so a notification lost while a connection is down costs latency only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable

import psycopg

from qstation.queue.notify import CANCEL, DONE, JOB, QUEUE, TOLD, _Waiters
from qstation.store.db import psycopg_conninfo

log = logging.getLogger("qstation.notify")
#: Topic -> the channel it travels on.
CHANNELS = {QUEUE: "qstation_work", CANCEL: "qstation_work",
            JOB: "qstation_jobs", DONE: "qstation_jobs"}
#: What workers wait for; what API processes wait for.
WORKER_TOPICS = (QUEUE, CANCEL)
API_TOPICS = (JOB, DONE)


class PostgresNotifier:
    """Notifications through the job database itself.

    Args:
        database_url: the job database.
        topics: the topics this process waits for (default: all of them).
    """

    def __init__(self, database_url: str, topics: Iterable[str] = tuple(CHANNELS)) -> None:
        self._channels = sorted({CHANNELS[t] for t in topics})
        self._conninfo = psycopg_conninfo(database_url)
        self._waiters = _Waiters()
        self._listen: psycopg.AsyncConnection[object] | None = None
        self._send: psycopg.AsyncConnection[object] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self._outbox: list[str] = []

    async def start(self) -> None:
        self._reader = asyncio.create_task(self._read())

    async def _connect(self) -> None:
        for conn in (self._listen, self._send):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
        self._send = None
        self._listen = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        for channel in self._channels:
            await self._listen.execute(f"LISTEN {channel}")
        self._send = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)

    async def _read(self) -> None:
        # Reconnects after an outage; meanwhile waits time out and callers poll.
        delay = 0.5
        while True:
            try:
                await self._connect()
                delay = 0.5
                assert self._listen is not None
                async for note in self._listen.notifies():
                    topic, _, payload = note.payload.partition("|")
                    if topic == DONE and "|" in payload:  # the job's view came along
                        self._waiters.dispatch(TOLD, payload)
                        payload = payload.partition("|")[0]
                    self._waiters.dispatch(topic, payload)
            except (psycopg.Error, OSError) as err:
                log.warning("notification listener lost (%s); reconnecting", err)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    def publish(self, topic: str, payload: str) -> None:
        if self._send is None:
            return
        # Notifications published in one turn of the loop (a job's JOB and DONE, a burst of
        # submissions) leave in one statement: one round trip instead of one each.
        self._outbox.append(f"{topic}|{payload}")
        if len(self._outbox) == 1:
            task = asyncio.get_running_loop().create_task(self._notify())
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _notify(self) -> None:
        assert self._send is not None
        messages, self._outbox = self._outbox, []
        calls = ", ".join(["pg_notify(%s, %s)"] * len(messages))
        params = [v for message in messages
                  for v in (CHANNELS[message.partition("|")[0]], message)]
        try:
            await self._send.execute(f"SELECT {calls}", params)
        except psycopg.Error as err:
            log.warning("notifications not sent: %s", err)

    def in_transaction(self, topic: str, payload: str) -> tuple[str, str] | None:
        return CHANNELS[topic], f"{topic}|{payload}"

    def watch(self, watcher: Callable[[str, str], None]) -> bool:
        self._waiters.watchers.append(watcher)
        return True

    async def wait(self, topic: str, payload: str | None, timeout: float) -> bool:
        return await self._waiters.wait(topic, payload, timeout)

    async def close(self) -> None:
        if self._pending:
            await asyncio.wait(self._pending, timeout=2)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        for conn in (self._listen, self._send):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
