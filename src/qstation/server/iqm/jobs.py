"""IQM Server API v1: circuit and run jobs, their artifacts, cancellation and deletion."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Header, Request, Response

from qstation.queue.notify import CANCEL, DONE, QUEUE
from qstation.server.deps import (
    AppState,
    Principal,
    PrincipalDep,
    StateDep,
    reading,
    unit_of_work,
)
from qstation.server.errors import BadRequest, NotImplementedOnTwin, PayloadTooLarge
from qstation.server.guard import plain_int
from qstation.server.iqm import runs
from qstation.server.jobs import light
from qstation.server.jobs.service import scope

router = APIRouter(prefix="/api/v1/jobs")
JSON = "application/json"


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    size = None if declared is None else plain_int(declared)
    if size is not None and size > limit:
        raise PayloadTooLarge(f"request body of {declared} bytes is over the {limit}-byte limit")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"request body is over the {limit}-byte limit")
    return bytes(body)


def _flag(value: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise BadRequest(f"use_timeslot must be true or false, got {value!r}")
    return value.lower() == "true"


@router.post("/{qc}/circuit")
async def submit_circuits(
    qc: str,
    request: Request,
    state: StateDep,
    principal: PrincipalDep,
    use_timeslot: str = "false",
    idempotency_key: str | None = Header(default=None),
) -> Response:
    """Validate, store and enqueue a circuit job; answers once the job is durable."""
    return await circuit_submission(state, principal, request, qc, use_timeslot, idempotency_key)


async def circuit_submission(
    state: AppState, principal: Principal, request: Request, qc: str, use_timeslot: str,
    idempotency_key: str | None,
) -> Response:
    """The answer to a circuit submission (also served by :mod:`qstation.server.hot`)."""
    timeslot = _flag(use_timeslot)
    body = await _read_body(request, state.settings.max_payload_bytes)
    async with unit_of_work(state) as session:
        sub = await state.jobs.validate(session, qc, body, timeslot)
    if state.statements is not None and state.jobs.stores_at_once(idempotency_key):
        # PostgreSQL, one statement: its own transaction, on a connection past SQLAlchemy.
        stored = await state.jobs.store(
            state.statements, sub, owner=principal.owner, idempotency_key=None)
    else:
        async with unit_of_work(state, write=True, lock_now=True) as session:
            stored = await state.jobs.store(
                session, sub, owner=principal.owner, idempotency_key=idempotency_key
            )
    if stored.created:
        state.jobs.fresh.add(stored.job_id, principal.owner)
    data = state.jobs.acknowledgement(sub, stored)
    # Acknowledge only now that the job is committed. The workers are woken just after
    # the answer is written (the callback runs once this task yields or ends): the woken
    # worker then does not take the CPU from the answer on a busy machine.
    if stored.wakes_workers(timeslot):
        asyncio.get_running_loop().call_soon(state.notifier.publish, QUEUE, qc)
    if data is None:  # a repeated idempotency key or a timeslot job: the stored view
        async with unit_of_work(state) as session:
            data = await state.jobs.view(session, await state.jobs.get(session, stored.job_id))
    return Response(data.model_dump_json(), media_type=JSON)


@router.post("/{qc}/run")
@router.post("/{qc}/sweep")
async def submit_run(
    qc: str,
    request: Request,
    state: StateDep,
    principal: PrincipalDep,
    use_timeslot: str = "false",
    idempotency_key: str | None = Header(default=None),
) -> Response:
    """Check, store and enqueue a run job (a protobuf ``RunDefinition``)."""
    timeslot = _flag(use_timeslot)
    body = await _read_body(request, state.settings.max_payload_bytes)
    async with unit_of_work(state) as session:
        sub = await runs.validate(state.jobs, session, qc, body, timeslot)
    async with unit_of_work(state, write=True, lock_now=True) as session:
        stored = await runs.store(
            state.jobs, session, sub, owner=principal.owner, idempotency_key=idempotency_key
        )
    state.notifier.publish(QUEUE, qc)
    async with unit_of_work(state) as session:
        data = await state.jobs.view(session, await state.jobs.get(session, stored.job_id))
    return Response(data.model_dump_json(), media_type=JSON)


@router.get("/{job_id}")
async def get_job(job_id: str, state: StateDep, principal: PrincipalDep) -> Response:
    """The job's status, timeline, errors and queue position."""
    return await job_response(state, principal, job_id)


async def job_response(state: AppState, principal: Principal, job_id: str) -> Response:
    """The answer to a status read (also served by :mod:`qstation.server.hot`)."""
    owner = scope(principal)
    text = await light.kept_view(state.jobs, state.light, job_id, owner)
    if text is None:
        async with reading(state) as session:
            job = await state.jobs.get(session, job_id, owner)
            text = await state.jobs.view_json(session, job)
    return Response(text, media_type=JSON)


@router.get("/{job_id}/payload")
async def get_payload(job_id: str, state: StateDep, principal: PrincipalDep) -> Response:
    """The submitted request body, exactly as received (protobuf for run jobs)."""
    async with unit_of_work(state) as session:
        job = await state.jobs.get(session, job_id, scope(principal))
        body, media_type = await runs.payload_of(session, job)
    return Response(body, media_type=media_type)


@router.get("/{job_id}/artifacts/{kind}")
async def get_artifact(
    job_id: str, kind: str, state: StateDep, principal: PrincipalDep
) -> Response:
    """``measurements``, ``measurement_counts`` or (run jobs) ``sweep_results`` of a job."""
    return await artifact_response(state, principal, job_id, kind)


async def artifact_response(
    state: AppState, principal: Principal, job_id: str, kind: str
) -> Response:
    """The answer to an artifact read (also served by :mod:`qstation.server.hot`)."""
    owner = scope(principal)
    text = await light.artifact(state.jobs, state.light, job_id, owner, kind)
    if text is not None:
        return Response(text, media_type=JSON)
    async with reading(state) as session:
        job = await state.jobs.get(session, job_id, owner)
        if kind == "sweep_results":
            results = await runs.sweep_results(session, job)
            return Response(results, media_type=runs.PROTOBUF)
        if kind not in ("measurements", "measurement_counts"):
            raise NotImplementedOnTwin(f"artifact {kind!r} is not produced by circuit jobs")
        body = await state.jobs.artifact(session, job, kind)
    return Response(body, media_type=JSON)


@router.post("/{job_id}/cancel", status_code=204)
async def cancel_job(job_id: str, state: StateDep, principal: PrincipalDep) -> Response:
    """Cancel a waiting job now, a processing one at its next circuit boundary."""
    async with unit_of_work(state, write=True) as session:
        job = await state.jobs.get(session, job_id, scope(principal))
        tell_worker = await state.jobs.cancel(session, job)
    if tell_worker:
        state.notifier.publish(CANCEL, job.id)
    else:  # a waiting job ended at once: wake its waiters
        state.notifier.publish(DONE, job.id)  # also wakes the JOB waiters
    return Response(status_code=204)


@router.delete("/{job_id}", status_code=204)
async def delete_job(job_id: str, state: StateDep, principal: PrincipalDep) -> Response:
    """Delete a job and its results (a running job is stopped)."""
    async with unit_of_work(state, write=True) as session:
        job = await state.jobs.get(session, job_id, scope(principal))
        await state.jobs.delete(session, job)
    state.notifier.publish(CANCEL, job.id)
    return Response(status_code=204)
