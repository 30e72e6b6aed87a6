"""QaaS API v1 routes of jobs: submission, listing, detail, cancellation and deletion."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from qstation.queue.notify import CANCEL, QUEUE
from qstation.schemas.qaas_v1 import JobCancel, JobCreate
from qstation.server.deps import StateDep, unit_of_work
from qstation.server.guard import RowId
from qstation.server.qaas.errors import PREFIX, Unprocessable
from qstation.server.qaas.identity import CallerDep
from qstation.server.qaas.jobs import QaasJobs
from qstation.server.qaas.pagination import PageRequest, parse_flag
from qstation.server.qaas.views import JobViews

router = APIRouter(prefix=f"{PREFIX}/api/v1")
ours = APIRouter(prefix=f"{PREFIX}/qstation/v1")


@router.post("/circuits", status_code=201)
async def submit(body: JobCreate, state: StateDep, caller: CallerDep) -> JSONResponse:
    """Store and enqueue a job; answers ``{"job_id": N}`` once it is durable.

    A job of a kind no device runs is stored as failed; the answer then adds ``status`` and
    ``error`` (clients of the protocol ignore extra keys).
    """
    jobs = QaasJobs(state)
    async with unit_of_work(state) as session:
        ready = await jobs.prepare(session, body)
    async with unit_of_work(state, write=True, lock_now=True) as session:
        job_id = await jobs.store(session, caller, body, ready)
    if ready.refusal is not None:  # stored, but no device runs it: say so (clients ignore it)
        return JSONResponse(
            {"job_id": job_id, "status": "error", "error": ready.refusal}, status_code=201
        )
    state.notifier.publish(QUEUE, ready.qc)
    return JSONResponse({"job_id": job_id}, status_code=201)


@router.get("/jobs")
async def list_jobs(request: Request, state: StateDep, caller: CallerDep) -> dict[str, object]:
    """The caller's jobs, newest first, paginated (``favourites=True``: favourites only)."""
    page = PageRequest(request, state.settings.qaas_page_size)
    favourites = parse_flag(request.query_params.get("favourites"), "favourites")
    async with unit_of_work(state) as session:
        return await JobViews(state).listing(session, caller, favourites, page)


@router.get("/jobs/{job_id}")
async def get_job(job_id: RowId, state: StateDep, caller: CallerDep) -> dict[str, object]:
    """A job with its description and, once completed, its result."""
    async with unit_of_work(state) as session:
        job = await QaasJobs(state).find(session, caller, job_id)
        return await JobViews(state).detail(session, job)


@router.put("/jobs/cancel/{job_id}", status_code=204)
async def cancel_job(
    job_id: RowId, state: StateDep, caller: CallerDep, body: JobCancel | None = None
) -> Response:
    """Cancel a job that has not ended."""
    if body is not None and body.job_id is not None and body.job_id != job_id:
        raise Unprocessable(f"body job_id {body.job_id} differs from the path's {job_id}")
    async with unit_of_work(state, write=True) as session:
        job = await QaasJobs(state).cancel(session, caller, job_id)
    state.notifier.publish(CANCEL, job.id)
    return Response(status_code=204)


@router.delete("/jobs/{job_id}", status_code=204)
async def delete_job(job_id: RowId, state: StateDep, caller: CallerDep) -> Response:
    """Delete a job and its results (an unfinished one is cancelled first)."""
    async with unit_of_work(state, write=True) as session:
        job = await QaasJobs(state).delete(session, caller, job_id)
    state.notifier.publish(CANCEL, job.id)
    return Response(status_code=204)


@ours.put("/jobs/{job_id}/favourite", status_code=204)
async def add_favourite(job_id: RowId, state: StateDep, caller: CallerDep) -> Response:
    """Mark a job as a favourite (a qstation addition: the QaaS spec has no such route)."""
    async with unit_of_work(state, write=True) as session:
        await QaasJobs(state).favourite(session, caller, job_id, True)
    return Response(status_code=204)


@ours.delete("/jobs/{job_id}/favourite", status_code=204)
async def remove_favourite(job_id: RowId, state: StateDep, caller: CallerDep) -> Response:
    """Unmark a favourite job."""
    async with unit_of_work(state, write=True) as session:
        await QaasJobs(state).favourite(session, caller, job_id, False)
    return Response(status_code=204)
