"""qstation's own endpoints (under ``/qstation/v1``), beside the vendor protocols."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from qstation import __version__
from qstation.queue.notify import DONE, JOB
from qstation.schemas.iqm_v1 import TERMINAL, JobStatus
from qstation.schemas.qstation_v1 import JobPage, JobSummary
from qstation.server.deps import (
    AppState,
    Principal,
    PrincipalDep,
    StateDep,
    reading,
    unit_of_work,
)
from qstation.server.errors import BadRequest, Forbidden
from qstation.server.guard import plain_int
from qstation.server.jobs import light
from qstation.server.jobs.service import canonical_job_id, scope
from qstation.store.repositories import JobRepository

router = APIRouter(prefix="/qstation/v1")
# Waiters re-read the database in case a notification was lost: soon at first, then less
# often (doubling up to the maximum), so a thousand idle long-polls do not load the database.
_POLL_S = 0.5
_MAX_POLL_S = 4.0
#: The long-poll's default and longest wait, in seconds.
WAIT_TIMEOUT_S = 30.0
MAX_WAIT_S = 300.0


@router.get("/health")
async def health(state: StateDep) -> dict[str, object]:
    """Liveness and database reachability."""
    async with unit_of_work(state) as session:
        qcs = await state.devices.list(session)
    return {"status": "ok", "version": __version__, "quantum_computers": len(qcs)}


@router.get("/jobs", response_model=JobPage)
async def list_jobs(
    state: StateDep,
    principal: PrincipalDep,
    limit: int = Query(default=50, ge=1, le=500),
    cursor: str | None = Query(default=None, description="next_cursor of the previous page"),
    status: JobStatus | None = None,
    quantum_computer: str | None = None,
    all_users: bool = Query(default=False, description="every user's jobs (admins)"),
) -> JobPage:
    """The caller's jobs (an admin's: everyone's, if asked), newest first, one page at a time."""
    before_seq = None if cursor is None else plain_int(cursor, 18)  # fits a 64-bit seq
    if cursor is not None and before_seq is None:
        raise BadRequest(f"invalid cursor {cursor!r}", error_code="INVALID_CURSOR")
    if all_users and not principal.is_admin:
        raise Forbidden("only an admin may list every user's jobs", error_code="FORBIDDEN")
    async with unit_of_work(state) as session:
        rows = await JobRepository(session).page(
            None if all_users else principal.owner, limit=limit + 1,
            before_seq=before_seq,
            status=status.value if status else None, quantum_computer=quantum_computer,
        )
    more = len(rows) > limit
    rows = rows[:limit]
    return JobPage(
        items=[
            JobSummary(
                id=UUID(r.id), status=JobStatus(r.status), quantum_computer=r.quantum_computer,
                owner=r.owner, shots=r.shots, n_circuits=r.n_circuits,
                created_at=datetime.fromtimestamp(r.created_at, UTC),
                finished_at=datetime.fromtimestamp(r.finished_at, UTC) if r.finished_at else None,
            )
            for r in rows
        ],
        next_cursor=str(rows[-1].seq) if more else None,
    )


@router.get("/jobs/{job_id}/wait")
async def wait_for_job(
    job_id: str,
    state: StateDep,
    principal: PrincipalDep,
    status: Annotated[JobStatus | None, Query(description="the status the caller knows")] = None,
    timeout: Annotated[float, Query(ge=0.0, le=MAX_WAIT_S)] = WAIT_TIMEOUT_S,
) -> Response:
    """Long-poll: answer when the job's status differs from ``status`` (or is terminal).

    Without ``status``, answers when the job is terminal. Always answers by ``timeout``
    seconds with the job as it is then.
    """
    return await wait_for_job_response(state, principal, job_id, status, timeout)


async def wait_for_job_response(
    state: AppState, principal: Principal, job_id: str, status: JobStatus | None,
    timeout: float,
) -> Response:
    """The long-poll's answer (also served by :mod:`qstation.server.hot`)."""
    deadline = time.monotonic() + timeout
    job_id = canonical_job_id(job_id)
    owner = scope(principal)
    # Waiting for the end only: wake on terminal states, not on every step.
    topic = JOB if status is not None else DONE
    poll = _POLL_S
    ended = False
    first = True
    while True:
        # Listen before reading, so a change between the read and the wait is not missed.
        woken = asyncio.ensure_future(state.notifier.wait(topic, job_id, poll))
        poll = min(poll * 2, _MAX_POLL_S)
        await asyncio.sleep(0)
        # The job's view as its end told it (PostgreSQL), if it ended: no read at all.
        if (text := light.told_view(state.jobs, job_id, owner)) is not None:
            woken.cancel()
            return Response(text, media_type="application/json")
        if ended:  # told the job ended: its view at once, without a look at its status first
            text = await light.finished_view(state.jobs, state.light, job_id, owner)
            if text is not None:
                woken.cancel()
                return Response(text, media_type="application/json")
        if first and status is None and state.jobs.fresh.unfinished(job_id, owner):
            # Just submitted here, and not ended since (checked while listening): nothing
            # to look at until the job's end is told, or the first poll interval passes.
            first = False
            await asyncio.wait({woken}, timeout=deadline - time.monotonic())
            ended = woken.done() and not woken.cancelled() and woken.result()
            woken.cancel()
            continue
        first = False
        # A light look first: while nothing is to be answered, the job is not read whole.
        seen = await light.head(state.light, job_id, owner)
        if seen is not None and JobStatus(seen.status) in TERMINAL:
            # The moment a waited-for job ends: its view from two light lookups.
            text = await light.finished_view(state.jobs, state.light, job_id, owner)
            if text is not None:
                woken.cancel()
                return Response(text, media_type="application/json")
        remaining = deadline - time.monotonic()
        if seen is None or _answers(seen.status, status) or remaining <= 0:
            async with reading(state) as session:
                job = await state.jobs.get(session, job_id, owner)
                remaining = deadline - time.monotonic()
                if _answers(job.status, status) or remaining <= 0:
                    woken.cancel()
                    text = await state.jobs.view_json(session, job)
                    return Response(text, media_type="application/json")
        await asyncio.wait({woken}, timeout=remaining)
        ended = topic == DONE and woken.done() and not woken.cancelled() and woken.result()
        woken.cancel()


def _answers(current: str, known: JobStatus | None) -> bool:
    # Terminal states always answer; otherwise a change from the status the caller knows.
    now = JobStatus(current)
    return now in TERMINAL or (known is not None and now != known)


@router.post("/quantum-computers/{qc}/recalibrate")
async def recalibrate(qc: str, state: StateDep, principal: PrincipalDep) -> dict[str, object]:
    """Publish a new (drifted) calibration set of ``qc`` and make it the default (admins)."""
    if not principal.is_admin:
        raise Forbidden("recalibration needs an admin", error_code="FORBIDDEN")
    async with unit_of_work(state, write=True) as session:
        await state.devices.get(session, qc)
        cal_id = await state.devices.recalibrate(session, qc)
    state.devices.invalidate(qc)  # again, now that the new default is committed
    return {"quantum_computer": qc, "calibration_set_id": cal_id}


@router.get("/quantum-computers/{qc}/calibration-sets")
async def calibration_sets(qc: str, state: StateDep, _: PrincipalDep) -> dict[str, object]:
    """The calibration sets of ``qc``, newest first, with the default and retired ones marked."""
    async with unit_of_work(state) as session:
        row = await state.devices.get(session, qc)
        rows = await state.devices.calibration_rows(session, qc)
    return {"quantum_computer": qc, "items": [
        {"id": r.id, "created_at": datetime.fromtimestamp(r.created_at, UTC).isoformat(),
         "default": r.id == row.default_calibration_set_id, "retired": retired}
        for r, retired in reversed(rows)]}
