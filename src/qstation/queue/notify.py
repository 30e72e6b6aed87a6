"""Wake-ups between the API and workers: new jobs for workers, state changes for waiters.

Notifications only shorten waits; every wait also polls the database, so a lost
notification costs latency, never correctness. :class:`LocalNotifier` uses Unix datagram
sockets in a shared directory (one per listening process), which needs no server and works
for every process on one host, as in the embedded ``qstation serve``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

#: Topic of "a job was queued on quantum computer X" (payload: the alias).
QUEUE = "queue"
#: Topic of "job X changed state" (payload: the job id).
JOB = "job"
#: Topic of "job X reached a terminal state" (payload: the job id). It also wakes the waiters
#: on ``JOB``: a terminal state is a change of state, and one message instead of two saves a
#: wake-up of every listening process at the end of every job.
DONE = "done"
#: Topic of "job X was asked to stop" (payload: the job id), for its worker.
CANCEL = "cancel"
#: Topic of an ended job's view told with its ``DONE`` (payload: ``<id>|<view JSON>``), where
#: the database's notification carries it (see :mod:`qstation.queue.statements`). Only
#: watchers get it, just before the ``DONE``; nothing waits for it.
TOLD = "told"


class Notifier(Protocol):
    """Publishes and delivers ``(topic, payload)`` notifications between processes."""

    async def start(self) -> None:
        """Begin receiving notifications."""

    def publish(self, topic: str, payload: str) -> None:
        """Send a notification to every listening process (best effort)."""

    def in_transaction(self, topic: str, payload: str) -> tuple[str, str] | None:
        """The ``(channel, message)`` a PostgreSQL transaction sends for this notification,
        so that it leaves at commit without a statement of its own; None when notifications
        do not travel through the job database."""

    def watch(self, watcher: Callable[[str, str], None]) -> bool:
        """Call ``watcher(topic, payload)`` with every notification this process receives;
        False if this notifier delivers none."""

    async def wait(self, topic: str, payload: str | None, timeout: float) -> bool:
        """Wait until a matching notification arrives; False on timeout."""

    async def close(self) -> None:
        """Stop receiving and release resources."""


class _Waiters:
    """In-process fan-out of received notifications to waiting coroutines."""

    def __init__(self) -> None:
        self._futures: dict[tuple[str, str | None], set[asyncio.Future[None]]] = defaultdict(set)
        self.watchers: list[Callable[[str, str], None]] = []

    def dispatch(self, topic: str, payload: str) -> None:
        for watcher in self.watchers:
            watcher(topic, payload)
        keys = [(topic, payload), (topic, None)]
        if topic == DONE:
            keys += [(JOB, payload), (JOB, None)]
        for key in keys:
            for fut in self._futures.pop(key, ()):
                if not fut.done():
                    fut.set_result(None)

    async def wait(self, topic: str, payload: str | None, timeout: float) -> bool:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        key = (topic, payload)
        self._futures[key].add(fut)
        try:
            # Not asyncio.wait_for: on Python 3.11 it returns the result instead of raising
            # when the waiting task is cancelled just as the notification arrives, and a
            # caller cancelled then (a job's heartbeat at the job's end) would run on.
            done, _ = await asyncio.wait({fut}, timeout=timeout)
            return bool(done)
        finally:
            waiting = self._futures.get(key)
            if waiting is not None:
                waiting.discard(fut)
                if not waiting:
                    del self._futures[key]


class LocalNotifier:
    """Notifications over Unix datagram sockets in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._waiters = _Waiters()
        self._sock: socket.socket | None = None
        self._path: Path | None = None
        self._send = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._send.setblocking(False)
        # The listeners' sockets, re-listed when the directory changes (a listener came or
        # went) and at least every second (its mtime ticks coarsely, so a listener that
        # came in the same tick as the last listing is seen within a second).
        self._targets: list[str] = []
        self._listed: tuple[int, float] | None = None

    async def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._path = self.directory / f"{os.getpid()}-{uuid.uuid4().hex[:8]}.sock"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(str(self._path))
        sock.setblocking(False)
        self._sock = sock
        asyncio.get_running_loop().add_reader(sock.fileno(), self._readable)

    def _readable(self) -> None:
        assert self._sock is not None
        while True:
            try:
                data = self._sock.recv(512)
            except (BlockingIOError, OSError):
                return
            topic, _, payload = data.decode().partition("|")
            self._waiters.dispatch(topic, payload)

    def _listeners(self) -> list[str]:
        try:
            changed = os.stat(self.directory).st_mtime_ns
        except FileNotFoundError:
            return []
        now = time.monotonic()
        if self._listed is None or changed != self._listed[0] or now - self._listed[1] > 1.0:
            # Not our own socket: this process's waiters are woken directly by publish.
            own = str(self._path)
            self._targets = [s for p in self.directory.glob("*.sock") if (s := str(p)) != own]
            self._listed = (changed, now)
        return self._targets

    def publish(self, topic: str, payload: str) -> None:
        message = f"{topic}|{payload}".encode()
        if self._sock is not None:
            self._waiters.dispatch(topic, payload)
        for path in self._listeners():
            try:
                self._send.sendto(message, path)
            except (ConnectionRefusedError, FileNotFoundError):
                Path(path).unlink(missing_ok=True)  # a listener that died without cleaning up
                self._listed = None
            except (BlockingIOError, OSError):
                pass  # listener's buffer is full: it is busy and will poll anyway

    def in_transaction(self, topic: str, payload: str) -> tuple[str, str] | None:
        return None

    def watch(self, watcher: Callable[[str, str], None]) -> bool:
        self._waiters.watchers.append(watcher)
        return True

    async def wait(self, topic: str, payload: str | None, timeout: float) -> bool:
        return await self._waiters.wait(topic, payload, timeout)

    async def close(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)
        self._send.close()


class NullNotifier:
    """No notifications: waits simply time out and callers poll."""

    async def start(self) -> None:
        return None

    def publish(self, topic: str, payload: str) -> None:
        return None

    def in_transaction(self, topic: str, payload: str) -> tuple[str, str] | None:
        return None

    def watch(self, watcher: Callable[[str, str], None]) -> bool:
        return False

    async def wait(self, topic: str, payload: str | None, timeout: float) -> bool:
        await asyncio.sleep(timeout)
        return False

    async def close(self) -> None:
        return None
