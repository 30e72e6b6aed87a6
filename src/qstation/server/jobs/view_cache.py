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
