"""The worker loop: claim → run on the twin → persist results or errors, with leases.

Any number of workers may serve one database, on any host. Each holds a lease on the job it
runs and renews it by heart-beating; the heartbeat also carries cancellation requests. A job
whose worker died is handed back to its queue by the next worker that reaps stalled leases.

The worker talks to the database synchronously from its event loop: each transaction is one
short statement or two, and nothing else waits on this loop, so this is cheaper than handing
every statement to a driver thread. Simulation runs in a thread so heartbeats go on.
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

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from qstation import heap
from qstation.qpu.calibration import CalibrationData
from qstation.qpu.device import DeviceSpec
from qstation.qpu.executor import Executor
from qstation.qpu.registry import get_device
from qstation.queue import claim as q
from qstation.queue import runner
from qstation.queue.handover import Finished, Handover
from qstation.queue.liveness import LivenessLock
from qstation.queue.notify import CANCEL, DONE, JOB, QUEUE, Notifier
from qstation.queue.run_jobs import run_pulse_job
from qstation.queue.runner import JobCancelled, JobFailed, run_circuit_job
from qstation.store.db import make_sync_engine
from qstation.store.orm import CalibrationSetRow, QuantumComputerRow
from qstation.store.sqlite_lock import writing
from qstation.telemetry import metrics, observe, tracing

log = logging.getLogger("qstation.worker")
_OUTAGE_MIN_S, _OUTAGE_MAX_S = 0.5, 10.0
#: How soon a worker that found no next job looks again (see ``_step``): longer than a
#: submission takes from its insert to its commit, far shorter than the idle poll.
_RECHECK_S = 0.05


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
        noise: bool = True,
        settle_heap: bool = False,
    ) -> None:
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.notifier = notifier
        self.qcs = qcs
        self.lease_s, self.poll_s, self.reap_every_s = lease_s, poll_s, reap_every_s
        self.engine_name = engine
        self.noise = noise
        #: The worker owns its process: exempt what it keeps from GC sweeps (qstation.heap).
        self.settle_heap = settle_heap
        self._db = make_sync_engine(database_url)
        self._lookups = self._db.execution_options(isolation_level="AUTOCOMMIT")
        self._liveness = LivenessLock(self._db, self.id)
        self._handover = Handover(self._db, self._lookups, notifier, self.id, lease_s)
        if self._liveness.enabled:  # a dead worker is seen by its lock: look often, cheaply
            self.reap_every_s = min(reap_every_s, 1.0)
        self._last_reap = 0.0
        self._specs: dict[str, DeviceSpec] = {}
        self._executors: dict[str, tuple[CalibrationData, Executor]] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set; the job in hand is finished first.

        While the database is unreachable the worker keeps the finished job's result and
        retries with a capped backoff: an outage delays results, it never loses them.
        """
        await self.notifier.start()
        metrics.worker_started()
        if tracing.configure("qstation-worker"):
            tracing.instrument_engine(self._db)
        done: Finished | None = None
        delay = _OUTAGE_MIN_S
        if self.settle_heap:
            heap.settle()
        settled = not self.settle_heap
        try:
            while not stop.is_set():
                try:
                    done = await self._step(stop, done)
                    delay = _OUTAGE_MIN_S
                    if done is not None and not settled:
                        # The first job imported the simulators and built their caches.
                        heap.settle()
                        settled = True
                except DBAPIError as err:
                    log.warning("database unavailable (%s); retrying in %.1f s", err, delay)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), delay)
                    delay = min(delay * 2, _OUTAGE_MAX_S)
            with contextlib.suppress(DBAPIError):
                self._finish_and_claim(done, claim_next=False)
        finally:
            await self.notifier.close()
            self._liveness.release()
            self._db.dispose()

    async def _step(self, stop: asyncio.Event, done: Finished | None) -> Finished | None:
        """Record ``done``, claim and run the next job; returns it finished (None if idle)."""
        self._liveness.hold()  # before any claim: a job of ours is never taken for dead
        if time.monotonic() - self._last_reap > self.reap_every_s:
            self._reap()
            self._last_reap = time.monotonic()
        # Listen before claiming, so a job queued meanwhile wakes us at once.
        woken = asyncio.ensure_future(self.notifier.wait(QUEUE, None, self.poll_s))
        await asyncio.sleep(0)
        try:
            claimed = self._finish_and_claim(done)
        except BaseException:
            await _cancel(woken)
            raise
        if claimed is None:
            # Just after a job, look again soon: a submission that found jobs ahead of it
            # sends no wake-up (their worker claims it next), and it may have committed
            # only after this worker's claim looked for it.
            await self._idle(stop, woken, _RECHECK_S if done is not None else None)
            return None
        await _cancel(woken)
        if not runner.runs_inline(claimed):
            # A job run on this loop ends within a millisecond, and its end wakes the JOB
            # waiters too: telling them it started would only take the CPU from it.
            self.notifier.publish(JOB, claimed.id)
        context = observe.trace_context(self._db, claimed.id)
        with tracing.job_span(context, claimed.id, claimed.quantum_computer, claimed.shots) as span:
            finished = await self._execute(claimed)
            if span is not None:
                span.set_attribute("qstation.job.status", finished[1])
        return finished

    async def _idle(
        self, stop: asyncio.Event, woken: asyncio.Future[bool], timeout: float | None = None
    ) -> None:
        stopper: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
        await asyncio.wait({stopper, woken}, timeout=timeout,
                           return_when=asyncio.FIRST_COMPLETED)
        await _cancel(stopper, woken)

    def _served(self) -> list[str]:
        if self.qcs is None:
            with self._db.connect() as conn:
                stmt = select(QuantumComputerRow.alias)
                self.qcs = list(conn.execute(stmt).scalars())
        return self.qcs

    def _reap(self) -> None:
        with writing(self._db) as conn:
            moved = q.reclaim_stalled(conn)
        for job_id in moved:
            log.warning("reclaimed stalled job %s", job_id)
            self.notifier.publish(DONE, job_id)  # waiters re-read; it may have ended
        if moved:
            self.notifier.publish(QUEUE, "")

    def _finish_and_claim(
        self, done: Finished | None, *, claim_next: bool = True
    ) -> q.Claimed | None:
        """Record the finished job and claim the next (see :class:`.handover.Handover`)."""
        if done is None and not claim_next:
            return None
        return self._handover(done, self._served(), claim_next=claim_next)

    def _prepare(self, claimed: q.Claimed) -> tuple[DeviceSpec, CalibrationData, Executor]:
        qc, cal_id = claimed.quantum_computer, claimed.calibration_set_id
        if qc not in self._specs or cal_id not in self._executors:
            with self._db.connect() as conn:
                device = conn.execute(
                    select(QuantumComputerRow.device).where(QuantumComputerRow.alias == qc)
                ).scalar_one()
                data = conn.execute(
                    select(CalibrationSetRow.data).where(CalibrationSetRow.id == cal_id)
                ).scalar_one()
            self._specs[qc] = get_device(device)
            cal = CalibrationData.from_json(data)
            # Noise objects are built once per calibration set, inside the Executor; an
            # ideal twin (noise off) simulates without them.
            executor = Executor(cal if self.noise else None, engine=self.engine_name)
            self._executors[cal_id] = (cal, executor)
        cal, executor = self._executors[cal_id]
        return self._specs[qc], cal, executor

    async def _execute(self, claimed: q.Claimed) -> Finished:
        cancel = threading.Event()
        inline = runner.runs_inline(claimed)
        # A job run on this loop gives a heartbeat no turn before it ends: none is started.
        beat = None if inline else asyncio.create_task(self._heartbeat(claimed, cancel))
        try:
            spec, cal, executor = self._prepare(claimed)
            if claimed.type == "run":
                outcome = await asyncio.to_thread(run_pulse_job, claimed, spec, cal, cancel.is_set)
            elif inline:
                outcome = run_circuit_job(
                    claimed.id, claimed.payload, spec, cal, executor, cancel.is_set
                )
            else:
                outcome = await asyncio.to_thread(
                    run_circuit_job, claimed.id, claimed.payload, spec, cal, executor,
                    cancel.is_set,
                )
            return claimed, "completed", None, outcome
        except JobCancelled:
            return claimed, "cancelled", None, None
        except JobFailed as err:
            return claimed, "failed", [runner.job_error(str(err), err.code)], None
        except Exception as err:  # a bug must fail the job, not kill the worker
            log.exception("job %s crashed", claimed.id)
            error = runner.job_error(f"internal error: {err}", "INTERNAL_ERROR")
            return claimed, "failed", [error], None
        finally:
            if beat is not None:
                beat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await beat

    async def _heartbeat(self, claimed: q.Claimed, cancel: threading.Event) -> None:
        interval = min(self.lease_s / 3, 0.5)
        while True:
            # A cancel notification cuts the wait short; the database stays the authority.
            await self.notifier.wait(CANCEL, claimed.id, interval)
            try:
                with writing(self._db) as conn:
                    state = q.heartbeat(conn, claimed.id, self.id, self.lease_s)
            except DBAPIError as err:  # keep simulating; the lease outlives short outages
                log.warning("heartbeat failed: %s", err)
                continue
            if state is None or state:
                cancel.set()


async def _cancel(*tasks: asyncio.Future[Any]) -> None:
    """Cancel helper tasks and let them finish, so none is left pending at shutdown."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
