"""The answers about finished jobs, kept: a terminal job's view never changes.

A job's view (status, timeline, errors, artifacts) is built from its row, its events and its
result. The worker that ends a job writes its terminal status, its last events and its
result in one transaction, and nothing changes a terminal job afterwards (it can only be
deleted), so its view, once built, is the view for good. Readers still read the job's row
first, so a deleted job, or one another user owns, is refused as before; only the events
query and the rendering are saved.
"""

from __future__ import annotations

from collections import OrderedDict

from qstation.queue.notify import DONE

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
