"""qstation's own endpoints (under ``/qstation/v1``), beside the vendor protocols."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Query, Response

from qstation import __version__
from qstation.queue.notify import JOB
from qstation.schemas.iqm_v1 import TERMINAL, JobStatus
from qstation.server.deps import PrincipalDep, StateDep, unit_of_work
from qstation.server.jobs.service import canonical_job_id

router = APIRouter(prefix="/qstation/v1")
# Waiters re-read the database at least this often, in case a notification was lost.
_POLL_S = 0.5


@router.get("/health")
async def health(state: StateDep) -> dict[str, object]:
    """Liveness and database reachability."""
    async with unit_of_work(state) as session:
        qcs = await state.devices.list(session)
    return {"status": "ok", "version": __version__, "quantum_computers": len(qcs)}


@router.get("/jobs/{job_id}/wait")
async def wait_for_job(
    job_id: str,
    state: StateDep,
    principal: PrincipalDep,
    status: JobStatus | None = Query(default=None, description="the status the caller knows"),
    timeout: float = Query(default=30.0, ge=0.0, le=300.0),
) -> Response:
    """Long-poll: answer when the job's status differs from ``status`` (or is terminal).

    Without ``status``, answers when the job is terminal. Always answers by ``timeout``
    seconds with the job as it is then.
    """
    deadline = time.monotonic() + timeout
    job_id = canonical_job_id(job_id)
    while True:
        # Listen before reading, so a change between the read and the wait is not missed.
        woken = asyncio.ensure_future(state.notifier.wait(JOB, job_id, _POLL_S))
        await asyncio.sleep(0)
        async with unit_of_work(state) as session:
            job = await state.jobs.get(session, job_id, principal.owner)
            current = JobStatus(job.status)
            changed = current != status if status is not None else current in TERMINAL
            remaining = deadline - time.monotonic()
            if changed or current in TERMINAL or remaining <= 0:
                woken.cancel()
                data = await state.jobs.view(session, job)
                return Response(data.model_dump_json(), media_type="application/json")
        await asyncio.wait({woken}, timeout=remaining)
        woken.cancel()
