"""The worker loop: claim → run on the twin → persist results or errors, with leases.

Any number of workers may serve one database, on any host. Each holds a lease on the job it
runs and renews it by heart-beating; the heartbeat also carries cancellation requests. A job
whose worker died is handed back to its queue by the next worker that reaps stalled leases.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from typing import Any

from qstation.qpu.calibration import CalibrationData
from qstation.qpu.device import DeviceSpec
from qstation.qpu.executor import Executor
from qstation.qpu.registry import get_device
from qstation.queue import claim as q
from qstation.queue.notify import CANCEL, JOB, QUEUE, Notifier
from qstation.queue.runner import JobCancelled, JobFailed, Outcome, run_circuit_job
from qstation.store.db import make_async_engine, sessionmaker
from qstation.store.repositories import QuantumComputerRepository

log = logging.getLogger("qstation.worker")


class Worker:
    """One worker process's loop over the quantum computers it serves."""

    def __init__(
        self,
        database_url: str,
        notifier: Notifier,
        qcs: list[str] | None = None,
        *,
        lease_s: float = 30.0,
        poll_s: float = 1.0,
        reap_every_s: float = 5.0,
        engine: str = "auto",
    ) -> None:
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.notifier = notifier
        self.qcs = qcs
        self.lease_s, self.poll_s, self.reap_every_s = lease_s, poll_s, reap_every_s
        self.engine_name = engine
        self._db = make_async_engine(database_url, pool_size=2)
        self._sessions = sessionmaker(self._db)
        self._specs: dict[str, DeviceSpec] = {}
        self._executors: dict[str, tuple[CalibrationData, Executor]] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set; the job in hand is finished first."""
        await self.notifier.start()
        last_reap = 0.0
        try:
            while not stop.is_set():
                if time.monotonic() - last_reap > self.reap_every_s:
                    await self._reap()
                    last_reap = time.monotonic()
                # Listen before claiming, so a job queued meanwhile wakes us at once.
                woken = asyncio.ensure_future(self.notifier.wait(QUEUE, None, self.poll_s))
                await asyncio.sleep(0)
                claimed = await self._claim()
                if claimed is None:
                    await self._idle(stop, woken)
                    continue
                woken.cancel()
                self.notifier.publish(JOB, claimed.id)
                await self._execute(claimed)
        finally:
            await self.notifier.close()
            await self._db.dispose()

    async def _idle(self, stop: asyncio.Event, woken: asyncio.Future[bool]) -> None:
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait({stopper, woken}, return_when=asyncio.FIRST_COMPLETED)
        for task in (stopper, woken):
            task.cancel()

    async def _served(self) -> list[str]:
        if self.qcs is None:
            async with self._sessions() as session:
                rows = await QuantumComputerRepository(session).list()
                self.qcs = [r.alias for r in rows]
        return self.qcs

    async def _reap(self) -> None:
        async with self._sessions.begin() as session:
            moved = await q.reclaim_stalled(session)
        for job_id in moved:
            log.warning("reclaimed stalled job %s", job_id)
            self.notifier.publish(JOB, job_id)

    async def _claim(self) -> q.Claimed | None:
        qcs = await self._served()
        async with self._sessions.begin() as session:
            return await q.claim(session, qcs, self.id, self.lease_s)

    async def _prepare(self, claimed: q.Claimed) -> tuple[DeviceSpec, CalibrationData, Executor]:
        async with self._sessions() as session:
            repo = QuantumComputerRepository(session)
            if claimed.quantum_computer not in self._specs:
                row = await repo.get(claimed.quantum_computer)
                assert row is not None
                self._specs[claimed.quantum_computer] = get_device(row.device)
            if claimed.calibration_set_id not in self._executors:
                cal_row = await repo.get_calibration(
                    claimed.quantum_computer, claimed.calibration_set_id
                )
                assert cal_row is not None
                cal = CalibrationData.from_json(cal_row.data)
                # Noise objects are built once per calibration set, inside the Executor.
                self._executors[claimed.calibration_set_id] = (
                    cal, Executor(cal, engine=self.engine_name)
                )
        cal, executor = self._executors[claimed.calibration_set_id]
        return self._specs[claimed.quantum_computer], cal, executor

    async def _execute(self, claimed: q.Claimed) -> None:
        cancel = threading.Event()
        beat = asyncio.create_task(self._heartbeat(claimed, cancel))
        status, errors, outcome = "completed", None, None
        try:
            spec, cal, executor = await self._prepare(claimed)
            outcome = await asyncio.to_thread(
                run_circuit_job, claimed.id, claimed.payload, spec, cal, executor, cancel.is_set
            )
        except JobCancelled:
            status = "cancelled"
        except JobFailed as err:
            status, errors = "failed", [_error(str(err), err.code)]
        except Exception as err:  # a bug must fail the job, not kill the worker
            log.exception("job %s crashed", claimed.id)
            status, errors = "failed", [_error(f"internal error: {err}", "INTERNAL_ERROR")]
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        await self._finish(claimed, status, errors, outcome)

    async def _finish(
        self,
        claimed: q.Claimed,
        status: str,
        errors: list[dict[str, Any]] | None,
        outcome: Outcome | None,
    ) -> None:
        results = (outcome.measurements, outcome.counts) if outcome else None
        async with self._sessions.begin() as session:
            done = await q.finish(session, claimed, self.id, status, errors=errors, results=results)
        if not done:
            log.warning("job %s was reclaimed or deleted meanwhile; result discarded", claimed.id)
        self.notifier.publish(JOB, claimed.id)

    async def _heartbeat(self, claimed: q.Claimed, cancel: threading.Event) -> None:
        interval = min(self.lease_s / 3, 0.5)
        while True:
            # A cancel notification cuts the wait short; the database stays the authority.
            await self.notifier.wait(CANCEL, claimed.id, interval)
            async with self._sessions.begin() as session:
                state = await q.heartbeat(session, claimed.id, self.id, self.lease_s)
            if state is None or state:
                cancel.set()


def _error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "error_code": code, "source": "qstation-worker"}
