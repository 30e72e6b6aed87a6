"""A worker's hand-over between jobs: the job in hand is written, the next one claimed.

Each database takes the fewest round trips its guarantees allow. On PostgreSQL a completed
job's end and its machine's next claim are one statement, any other end and claim one
transaction. On SQLite a commit costs no round trip, so the finished job is committed and
its waiters woken first: the client waiting for it does not wait for the next claim.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from qstation.queue import claim as q
from qstation.queue.notify import DONE, Notifier
from qstation.queue.runner import Outcome
from qstation.store.driver import bypasses
from qstation.store.sqlite_lock import writing
from qstation.telemetry import observe

log = logging.getLogger("qstation.worker")
#: A job run to its end: the claim, its status, its errors and its outcome (completed).
Finished = tuple[q.Claimed, str, list[dict[str, Any]] | None, Outcome | None]


@dataclass
class Handover:
    """How worker ``worker_id`` ends its jobs and claims the next, on ``db`` (and
    ``lookups``, the same engine in autocommit mode)."""

    db: Engine
    lookups: Engine
    notifier: Notifier
    worker_id: str
    lease_s: float

    def __call__(
        self, done: Finished | None, qcs: list[str], *, claim_next: bool = True
    ) -> q.Claimed | None:
        """Record ``done`` (if any) and claim the next job of ``qcs`` (if ``claim_next``),
        in as few round trips as the database allows (see the module)."""
        combined = self.db.dialect.name == "postgresql"
        if done is None and combined:
            # An idle worker looks first, locking nothing: every submission to an idle
            # machine wakes every idle worker, and a claim's transaction locks the machines'
            # rows (the other workers' claims wait for it) and commits with a disk flush.
            with self.lookups.connect() as conn:
                if not q.claimable(conn, qcs):
                    return None
                if bypasses(conn):
                    return q.claim_pipelined(conn, qcs, self.worker_id, self.lease_s)
        ended_at = time.time()
        step = self._finish_claiming(done, ended_at) if combined and claim_next else None
        if step is not None:
            assert done is not None
            held, nxt = step
            self._announce(done, held, ended_at)
            if nxt is not None or set(qcs) == {held}:
                return nxt
            return self._claim_after(qcs)  # its machine had none, or its lease was lost
        if done is not None and not combined:
            with writing(self.db) as conn:
                held = self._finish(conn, done, ended_at)
            self._announce(done, held, ended_at)
            return self._claim_after(qcs) if claim_next else None
        held = None
        with writing(self.db) as conn:
            if done is not None:
                held = self._finish(conn, done, ended_at)
            nxt = (q.claim(conn, qcs, self.worker_id, self.lease_s, held=held)
                   if claim_next else None)
        if done is not None:
            self._announce(done, held, ended_at)
        return nxt

    def _claim_after(self, qcs: list[str]) -> q.Claimed | None:
        """A claim in a transaction of its own, after the job in hand was written."""
        try:
            if self.db.dialect.name == "postgresql":
                with self.lookups.connect() as conn:
                    if bypasses(conn):
                        return q.claim_pipelined(conn, qcs, self.worker_id, self.lease_s)
            with writing(self.db) as conn:
                return q.claim(conn, qcs, self.worker_id, self.lease_s)
        except DBAPIError as err:  # the job is written: not to be finished again
            log.warning("database unavailable after a job was stored (%s)", err)
            return None

    def _finish_claiming(
        self, done: Finished | None, ended_at: float
    ) -> tuple[str | None, q.Claimed | None] | None:
        """PostgreSQL: a completed job's end and its machine's next claim in one statement,
        without a transaction (see :func:`.claim.finish_and_claim`): its machine, or None
        if it was not ours any more, and the job claimed. None where this does not apply."""
        if done is None:
            return None
        claimed, status, _, outcome = done
        if outcome is None or status != "completed":
            return None
        notify = self.notifier.in_transaction(DONE, claimed.id)
        if notify is None:
            return None
        with self.lookups.connect() as conn:
            ended, nxt = q.finish_and_claim(
                conn, claimed, self.worker_id, (outcome.measurements, outcome.counts),
                stages=outcome.stages, sweep_results=outcome.sweep_results, now=ended_at,
                notify=notify, lease_s=self.lease_s,
            )
        if ended:
            return claimed.quantum_computer, nxt
        log.warning("job %s was reclaimed or deleted meanwhile; result dropped", claimed.id)
        return None, None

    def _finish(self, conn: Connection, done: Finished, ended_at: float) -> str | None:
        """Write the finished job's end; its machine, or None if it was not ours any more."""
        claimed, status, errors, outcome = done
        results = (outcome.measurements, outcome.counts) if outcome else None
        stages = outcome.stages if outcome else ()
        sweep = outcome.sweep_results if outcome else None
        if q.finish(conn, claimed, self.worker_id, status, errors=errors, results=results,
                    stages=stages, sweep_results=sweep, now=ended_at,
                    notify=self.notifier.in_transaction(DONE, claimed.id)):
            return claimed.quantum_computer
        log.warning("job %s was reclaimed or deleted meanwhile; result dropped", claimed.id)
        return None

    def _announce(self, done: Finished, held: str | None, ended_at: float) -> None:
        """After the commit: wake the job's waiters and count it (if it was written)."""
        job = done[0]
        # DONE also wakes the JOB waiters. Where notifications travel through the database,
        # the transaction that ended the job has sent it.
        if held is None or self.notifier.in_transaction(DONE, job.id) is None:
            self.notifier.publish(DONE, job.id)
        if held is not None:
            observe.count_finished(job.quantum_computer, bool(job.use_timeslot), done[1],
                                   job.created_at, job.started_at, ended_at)

