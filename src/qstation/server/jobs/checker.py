"""The checker process: where the largest circuit submissions are checked.

One process, started on first use and kept, so large submissions are checked one at a time
(bounding what they cost the host) while the server's own process keeps answering.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from qstation.server.devices.service import Calibration
from qstation.server.jobs.checks import Checked, Limits, Refusal, check


class CheckerProcess:
    """A separate process that runs :func:`~qstation.server.jobs.checks.check`."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def check(
        self, body: bytes, limits: Limits, cal: Calibration | None
    ) -> Checked | Refusal:
        """Check ``body`` in the checker process, starting it when none runs.

        A checker that died (killed, out of memory) is replaced once; a second death in a row
        raises ``BrokenProcessPool``.
        """
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), check, body, limits, cal)
        except BrokenProcessPool:
            self._pool = None
            return await loop.run_in_executor(self._executor(), check, body, limits, cal)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: the server has threads (database drivers, to_thread), which fork would copy
            # in whatever state they were in.
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def close(self) -> None:
        """Stop the checker process, if one runs; checks in progress are abandoned."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
