"""Keeping the garbage collector's full sweeps short in long-running processes.

CPython's full collection walks every tracked object. A server or worker holds hundreds of
thousands of them from its imports alone (numpy, SQLAlchemy, pydantic models, the
simulators), none of which will ever become garbage, so each full sweep paused the process
for up to ~0.1 s on the 2-core test machine, in the middle of a request or a job.
:func:`settle` moves everything alive at that point out of the collector's sight; later
sweeps only walk what was created since.

A client cannot do that to its caller's process, whose heap (Qiskit, the user's circuits) may
be as large. There :func:`paused` keeps the collector off while the SDK builds or parses tens
of thousands of containers at once (a 100-circuit job, its measurements): each 700 new
containers start a young collection, and their survivors soon a full one, although none of
them is garbage. Cycles made meanwhile are collected once the pause ends. The server's
checker and the worker pause for the same reason while they check or run such a job: what
:func:`settle` exempted stays out of sight, but the job's own containers are new.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator


def settle() -> None:
    """Collect what is garbage now, then exempt every surviving object from future sweeps.

    Call it once the process has imported and built what it keeps for its lifetime; calling
    it again later also exempts what was created in between.
    """
    gc.collect()
    gc.freeze()


_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Keep the cyclic garbage collector from running inside the block.

    Pauses nest and may overlap across threads; when the last one ends, the collector is
    enabled again if it was enabled when the first began (a caller's own ``gc.disable()``
    stays in force).
    """
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
