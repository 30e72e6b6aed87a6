"""The rules of QaaS jobs: submission, views, listing, cancellation and deletion.

A QaaS job is a row of the one ``jobs`` table (the queue) plus a ``qaas_jobs`` row. Circuit
jobs are lowered to the IQM circuit-job form at submission (see :mod:`.transpile`), checked
by the same validator as IQM jobs and run by the same workers. Jobs of the other program
kinds are stored, visible and immediately ended with an error that says no device runs them.
QaaS job ids are the queue's sequence numbers (``jobs.seq``), so jobs submitted through the
IQM API are visible here too, as ``iqm_circuit`` jobs.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from qstation.qpu.calibration import CalibrationData
from qstation.qpu.device import DeviceSpec
from qstation.schemas.iqm_v1 import TERMINAL
from qstation.schemas.iqm_v1 import JobStatus as IqmStatus
from qstation.schemas.qaas_v1 import (
    EnvelopeError,
    JobCreate,
    JobStatus,
    JobType,
    compress,
    decompress,
)
from qstation.server.deps import AppState
from qstation.server.errors import Conflict, NotFound
from qstation.server.jobs.service import Submission
from qstation.server.qaas.devices import DeviceCatalog
from qstation.server.qaas.errors import Unprocessable, job_not_found
from qstation.server.qaas.identity import Caller
from qstation.server.qaas.transpile import LoweredCircuit, TranspileError, lower_qasm
from qstation.store.qaas_orm import QaasJobRow
from qstation.store.qaas_repositories import QaasJobRepository
from qstation.store.repositories import JobRepository

SOURCE = "qstation-qaas"
_PROGRAM_KINDS = {JobType.QPROGRAM, JobType.ANNEALING_PROGRAM, JobType.VQA}


@dataclass(frozen=True)
class Prepared:
    """A checked submission, ready to store: an IQM submission for circuit jobs, or the
    reason a job of another kind cannot run."""

    qc: str
    submission: Submission | None = None
    layout: list[dict[str, Any]] = field(default_factory=list)
    refusal: str | None = None
    calibration_set_id: str = ""


class QaasJobs:
    """Submission and lookup of jobs through the QaaS API."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.devices = DeviceCatalog(state)

    async def prepare(self, session: AsyncSession, body: JobCreate) -> Prepared:
        """Check a submission completely (read-only), lowering circuits to native gates.

        Raises:
            NotFound: unknown device.
            Conflict: the device is in maintenance.
            Unprocessable: bad description, shots, job type, or a circuit that cannot run.
        """
        qc = await self.devices.accepting(session, body.device_id)
        if body.job_type == JobType.CIRCUIT:
            return await self._prepare_circuits(session, body, qc.alias)
        if body.job_type in _PROGRAM_KINDS:
            why = (
                f"device {body.device_id} ({qc.alias}) runs circuit jobs only; this "
                f"{body.job_type} job was stored but cannot run until a device supports "
                f"{body.job_type} programs"
            )
            return Prepared(
                qc.alias, refusal=why, calibration_set_id=qc.default_calibration_set_id or ""
            )
        kinds = ", ".join(k.value for k in (JobType.CIRCUIT, *sorted(_PROGRAM_KINDS)))
        raise Unprocessable(f"unknown job_type {body.job_type!r}; use one of {kinds}")

    async def _prepare_circuits(self, session: AsyncSession, body: JobCreate, qc: str) -> Prepared:
        qasms = _qasm_list(body.description)
        limits = self.state.settings
        if not 0 < body.number_shots <= limits.max_shots:
            raise Unprocessable(
                f"number_shots must be between 1 and {limits.max_shots}, got {body.number_shots}"
            )
        if len(qasms) > limits.max_circuits:
            raise Unprocessable(f"a job holds at most {limits.max_circuits} circuits")
        cal = await self.state.devices.runnable_calibration(session, qc, "default")
        lowered = await asyncio.to_thread(_lower_all, qasms, cal.spec, cal.data, cal.id)
        request = {
            "circuits": [c.circuit for c in lowered],
            "shots": body.number_shots,
            "calibration_set_id": cal.id,
        }
        sub = await self.state.jobs.validate(session, qc, orjson.dumps(request), False)
        return Prepared(qc, submission=sub, layout=[_layout(c) for c in lowered])

    async def store(
        self, session: AsyncSession, caller: Caller, body: JobCreate, ready: Prepared
    ) -> int:
        """Store and enqueue a prepared job; returns its QaaS id (``jobs.seq``)."""
        if ready.submission is not None:
            stored = await self.state.jobs.store(
                session,
                ready.submission,
                owner=caller.owner,
                idempotency_key=None,
                protocol="qaas",
            )
            job_id = stored.job_id
        else:
            job_id = await self._store_refused(session, caller, body, ready)
        await QaasJobRepository(session).add(_extras(job_id, caller, body, ready.layout))
        job = await JobRepository(session).get(job_id)
        assert job is not None
        return int(job.seq)

    async def _store_refused(
        self, session: AsyncSession, caller: Caller, body: JobCreate, ready: Prepared
    ) -> str:
        now = time.time()
        job_id = str(uuid.uuid4())
        error = {"message": ready.refusal, "error_code": "JOB_TYPE_NOT_SUPPORTED", "source": SOURCE}
        await JobRepository(session).add(
            {
                "id": job_id,
                "type": "qaas_program",
                "protocol": "qaas",
                "quantum_computer": ready.qc,
                "owner": caller.owner,
                "status": IqmStatus.FAILED,
                "use_timeslot": False,
                "calibration_set_id": ready.calibration_set_id,
                "shots": body.number_shots,
                "n_circuits": 0,
                "payload": body.description,
                "idempotency_key": None,
                "created_at": now,
                "finished_at": now,
                "attempts": 0,
                "cancel_requested": False,
                "progress": 0,
                "errors": [error],
                "messages": [],
            }
        )
        return job_id

    async def find(self, session: AsyncSession, caller: Caller, job_id: int) -> Row[Any]:
        """A job the caller may see (their own; any for administrators).

        Raises:
            NotFound: no such job, or not the caller's.
        """
        found = await QaasJobRepository(session).get(job_id)
        if found is None or not _visible(found[0], caller):
            raise NotFound(job_not_found(job_id))
        return found[0]

    async def cancel(self, session: AsyncSession, caller: Caller, job_id: int) -> Row[Any]:
        """Cancel a job that has not ended (a running one stops at its next circuit).

        Raises:
            NotFound: no such job visible to the caller.
            Conflict: the job has already ended.
        """
        job = await self.find(session, caller, job_id)
        if IqmStatus(job.status) in TERMINAL:
            status = public_status(job.status, "online")
            raise Conflict(f"job {job_id} is {status}: only unfinished jobs can be cancelled")
        await self.state.jobs.cancel(session, job)
        return job

    async def delete(self, session: AsyncSession, caller: Caller, job_id: int) -> Row[Any]:
        """Delete a job and its results (an unfinished one is cancelled first)."""
        job = await self.find(session, caller, job_id)
        await self.state.jobs.delete(session, job)
        return job

    async def favourite(self, session: AsyncSession, caller: Caller, job_id: int, on: bool) -> None:
        """Mark or unmark a job as one of the caller's favourites."""
        job = await self.find(session, caller, job_id)
        await QaasJobRepository(session).set_favourite(caller.user_id, job.id, on)


def public_status(status: str, device_status: str) -> JobStatus:
    """The QaaS status of a queue status (waiting jobs of a device in maintenance: queued)."""
    if status == IqmStatus.WAITING:
        return JobStatus.QUEUED if device_status == "maintenance" else JobStatus.PENDING
    return {
        IqmStatus.PROCESSING: JobStatus.RUNNING,
        IqmStatus.COMPLETED: JobStatus.COMPLETED,
        IqmStatus.FAILED: JobStatus.ERROR,
        IqmStatus.CANCELLED: JobStatus.CANCELLED,
    }[IqmStatus(status)]


def _visible(job: Row[Any], caller: Caller) -> bool:
    return caller.owner is None or caller.is_admin or job.owner == caller.owner


def _qasm_list(description: str) -> list[str]:
    try:
        payload = decompress(description)
    except EnvelopeError as err:
        raise Unprocessable(f"description is not a compressed job description: {err}") from err
    if isinstance(payload, str):
        payload = [payload]
    if not isinstance(payload, list) or not payload or not all(isinstance(q, str) for q in payload):
        raise Unprocessable(
            "a circuit job's description must hold a non-empty list of OpenQASM 2 programs"
        )
    return payload


def _lower_all(
    qasms: list[str], spec: DeviceSpec, cal: CalibrationData, cal_id: str
) -> list[LoweredCircuit]:
    try:
        return [lower_qasm(q, i, spec, cal, cache_key=cal_id) for i, q in enumerate(qasms)]
    except TranspileError as err:
        raise Unprocessable(str(err)) from err


def _layout(c: LoweredCircuit) -> dict[str, Any]:
    return {
        "bit_keys": c.bit_keys,
        "registers": c.registers,
        "final_state": c.final_state,
        "final_state_probabilities": c.final_state_probabilities,
    }


def _extras(
    job_id: str, caller: Caller, body: JobCreate, layout: list[dict[str, Any]]
) -> QaasJobRow:
    return QaasJobRow(
        job_id=job_id,
        user_id=caller.user_id,
        device_id=body.device_id,
        job_type=body.job_type,
        description=body.description,
        name=body.name,
        summary=body.summary,
        layout=layout,
    )


def iqm_description(payload: str) -> str:
    """The description of a job submitted through the IQM API: its request, compressed."""
    try:
        return compress(orjson.loads(payload))
    except orjson.JSONDecodeError:
        return compress(payload)
