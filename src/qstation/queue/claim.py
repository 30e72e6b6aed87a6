"""Claiming, leasing, reclaiming and finishing jobs: the queue's transitions.

A quantum computer runs one job at a time, as hardware would: a job is claimed only when no
other job of its quantum computer is processing. On PostgreSQL the quantum computer's row is
locked with ``FOR UPDATE SKIP LOCKED`` so concurrent workers never claim two jobs of one
machine; on SQLite the single ``UPDATE … RETURNING`` statement is atomic by itself.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from qstation.store.orm import JobEventRow, JobRow, QuantumComputerRow
from qstation.store.repositories import JobRepository

SOURCE = "qstation-worker"
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Claimed:
    """A job a worker holds a lease on."""

    id: str
    quantum_computer: str
    calibration_set_id: str
    payload: str
    shots: int


async def _lock_free_machines(session: AsyncSession, qcs: Sequence[str]) -> list[str]:
    if session.bind.dialect.name != "postgresql":
        return list(qcs)
    stmt = (
        select(QuantumComputerRow.alias)
        .where(QuantumComputerRow.alias.in_(qcs))
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(stmt)).all())


async def claim(
    session: AsyncSession, qcs: Sequence[str], worker_id: str, lease_s: float
) -> Claimed | None:
    """Claim the oldest runnable FIFO job of ``qcs``, or None. The caller commits."""
    machines = await _lock_free_machines(session, qcs)
    if not machines:
        return None
    busy = aliased(JobRow)
    online = select(QuantumComputerRow.alias).where(QuantumComputerRow.status == "online")
    candidate = (
        select(JobRow.seq)
        .where(
            JobRow.quantum_computer.in_(machines),
            JobRow.quantum_computer.in_(online),
            JobRow.status == "waiting",
            JobRow.use_timeslot.is_(False),
            ~exists().where(
                and_(busy.quantum_computer == JobRow.quantum_computer, busy.status == "processing")
            ),
        )
        .order_by(JobRow.seq)
        .limit(1)
    )
    if session.bind.dialect.name == "postgresql":
        candidate = candidate.with_for_update(skip_locked=True)
    now = time.time()
    stmt = (
        update(JobRow)
        .where(JobRow.seq == candidate.scalar_subquery(), JobRow.status == "waiting")
        .values(
            status="processing",
            claimed_by=worker_id,
            lease_expires_at=now + lease_s,
            started_at=now,
            attempts=JobRow.attempts + 1,
        )
        .returning(
            JobRow.id, JobRow.quantum_computer, JobRow.calibration_set_id, JobRow.payload, JobRow.shots
        )
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        return None
    await JobRepository(session).add_event(row.id, SOURCE, "execution_started", now)
    return Claimed(*row)


async def heartbeat(
    session: AsyncSession, job_id: str, worker_id: str, lease_s: float
) -> bool | None:
    """Extend the lease. Returns whether cancellation was requested, None if the lease is lost."""
    stmt = (
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.claimed_by == worker_id, JobRow.status == "processing")
        .values(lease_expires_at=time.time() + lease_s)
        .returning(JobRow.cancel_requested)
    )
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else bool(row[0])


async def finish(
    session: AsyncSession,
    claimed: Claimed,
    worker_id: str,
    status: str,
    *,
    errors: list[dict[str, object]] | None = None,
    results: tuple[str, str] | None = None,
) -> bool:
    """End a claimed job. False (write nothing) if the lease was lost or the job deleted."""
    now = time.time()
    stmt = (
        update(JobRow)
        .where(
            JobRow.id == claimed.id, JobRow.claimed_by == worker_id, JobRow.status == "processing"
        )
        .values(status=status, finished_at=now, lease_expires_at=None, errors=errors or [])
    )
    if not (await session.execute(stmt)).rowcount:  # type: ignore[attr-defined]
        return False
    repo = JobRepository(session)
    if results is not None:
        await repo.add_result(claimed.id, *results)
    await repo.add_event(claimed.id, SOURCE, "execution_ended", now)
    await repo.add_event(claimed.id, "qstation", status, now)
    return True


async def reclaim_stalled(session: AsyncSession) -> list[str]:
    """Hand jobs whose worker stopped heart-beating back to the queue (or end them).

    A job already asked to cancel ends cancelled; one that lost its worker
    ``MAX_ATTEMPTS`` times fails; any other goes back to the head of its queue (its ``seq``
    is kept) and will be re-run from the start.
    """
    now = time.time()
    stalled = and_(JobRow.status == "processing", JobRow.lease_expires_at < now)
    outcomes = (
        (JobRow.cancel_requested.is_(True), "cancelled", {"finished_at": now}),
        (JobRow.attempts >= MAX_ATTEMPTS, "failed", {"finished_at": now, "errors": [_lost()]}),
        (None, "waiting", {}),
    )
    moved: list[str] = []
    for extra, status, values in outcomes:
        cond = stalled if extra is None else and_(stalled, extra)
        stmt = (
            update(JobRow)
            .where(cond)
            .values(status=status, claimed_by=None, lease_expires_at=None, **values)
            .returning(JobRow.id)
        )
        ids = list((await session.scalars(stmt)).all())
        for job_id in ids:
            session.add(JobEventRow(job_id=job_id, source=SOURCE, status=f"reclaimed_{status}", ts=now))
        moved += ids
    await session.flush()
    return moved


def _lost() -> dict[str, object]:
    return {
        "message": f"the job lost its worker {MAX_ATTEMPTS} times and was given up",
        "error_code": "WORKER_LOST",
        "source": "qstation-worker",
    }
