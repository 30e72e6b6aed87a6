"""The answers about finished jobs, kept: a terminal job's view never changes.

A job's view (status, timeline, errors, artifacts) is built from its row, its events and its
result. The worker that ends a job writes its terminal status, its last events and its
result in one transaction, and nothing changes a terminal job afterwards (it can only be
deleted), so its view, once built, is the view for good. Readers still read the job's row
first, so a deleted job, or one another user owns, is refused as before; only the events
query and the rendering are saved.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from qstation.queue.notify import DONE, TOLD

#: Views kept per process (a few KiB each).
DEFAULT_SIZE = 4096


class ViewCache:
    """A bounded, least-recently-used map from a terminal job's id to its rendered view."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[str, str] = OrderedDict()

    def get(self, job_id: str) -> str | None:
        """The kept view of ``job_id``, or None."""
        text = self._items.get(job_id)
        if text is not None:
            self._items.move_to_end(job_id)
        return text

    def put(self, job_id: str, text: str) -> None:
        """Keep ``text`` as the view of the terminal job ``job_id``."""
        self._items[job_id] = text
        self._items.move_to_end(job_id)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def forget(self, job_id: str) -> None:
        """Drop the view of a deleted job (its id is never used again anyway)."""
        self._items.pop(job_id, None)


class FreshJobs:
    """Jobs this process stored whose end it has not heard of yet, with their owners.

    A client's long-poll usually follows its submission at once. For a job in here the
    long-poll waits for the job's end without first looking at the job: the job exists, and
    its end would have removed it (every ``DONE`` notification this process receives passes
    through :meth:`ended`, so one that came before the long-poll is not missed). A lost
    notification costs latency only: the long-poll looks at the job after its first poll
    interval, as for any other job. Enabled only where notifications are delivered.
    """

    def __init__(self, size: int = 10 * DEFAULT_SIZE) -> None:
        self.size = size
        self.enabled = False
        self._owners: OrderedDict[str, str | None] = OrderedDict()

    def add(self, job_id: str, owner: str | None) -> None:
        """Note the new job ``job_id`` of ``owner`` (stored and committed)."""
        if self.enabled:
            self._owners[job_id] = owner
            while len(self._owners) > self.size:
                self._owners.popitem(last=False)

    def ended(self, topic: str, payload: str) -> None:
        """A notification watcher: forget a job that ended (or was handed back)."""
        if topic == DONE:
            self._owners.pop(payload, None)

    def unfinished(self, job_id: str, owner: str | None) -> bool:
        """Whether ``job_id`` is a job of this process, visible to ``owner`` (None: to every
        caller), not yet heard to have ended."""
        if job_id not in self._owners:
            return False
        return owner is None or self._owners[job_id] == owner


class ResultsAlong:
    """Short results told along with their jobs' views (:class:`ToldViews`), kept for the
    client's next read.

    On PostgreSQL every lookup is a round trip. A client that waited for its job's end reads
    its measurements next, and a result is written once, with the job's end, and never
    changes. Each is served once, within ``ttl_s`` seconds; a deleted job's is dropped with
    it. A job deleted meanwhile through another API process may have its result served in
    that window, as if the read had come just before the delete.
    """

    def __init__(self, size: int = 512, ttl_s: float = 10.0) -> None:
        self.size, self.ttl_s = size, ttl_s
        self._items: OrderedDict[str, tuple[float, str | None, str, str]] = OrderedDict()

    def put(self, job_id: str, owner: str | None, measurements: str, counts: str) -> None:
        """Keep completed job ``job_id``'s result texts, of ``owner``."""
        self._items[job_id] = (time.monotonic() + self.ttl_s, owner, measurements, counts)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def take(self, job_id: str) -> tuple[str | None, str, str] | None:
        """The owner and result texts of ``job_id`` (measurements, counts), once; None if
        none is kept or it is too old."""
        found = self._items.pop(job_id, None)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1:]

    def forget(self, job_id: str) -> None:
        """Drop a deleted job's result."""
        self._items.pop(job_id, None)


class ToldViews:
    """Ended jobs' views as their end notifications told them (PostgreSQL), until asked.

    A view told at the job's end is the view its row and events give once committed: the
    worker's statement that ended the job built it, and the notification left at commit.
    A long-poll woken by that notification answers from it without reading the job back.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._items: OrderedDict[str, str] = OrderedDict()

    def noted(self, topic: str, payload: str) -> None:
        """A notification watcher: keep the view a ``TOLD`` notification carries."""
        if topic == TOLD:
            job_id, _, view = payload.partition("|")
            self._items[job_id] = view
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def take(self, job_id: str) -> str | None:
        """The told view (JSON text) of ``job_id``, once; None if none was told."""
        return self._items.pop(job_id, None)

    def forget(self, job_id: str) -> None:
        """Drop a deleted job's view."""
        self._items.pop(job_id, None)
