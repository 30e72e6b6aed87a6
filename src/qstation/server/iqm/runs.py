"""The rules of run jobs (pulse level): checking, storing and reading them.

A run job carries IQM's protobuf ``RunDefinition``. It is parsed and checked against the
quantum computer's channel properties before anything is stored (in a thread: definitions of
many segments take a while to decode), then stored in the ``jobs`` table like a circuit job,
with ``type="run"`` and the definition kept byte for byte, so it shares the FIFO and timeslot
queues, leases and reclaiming of circuit jobs.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from qstation.qpu.pulse.definition import DefinitionError, NotSimulated
from qstation.qpu.pulse.validate import Checked, Limits, validate_run
from qstation.queue.stages import Stages
from qstation.server.devices.service import Calibration
from qstation.server.errors import BadRequest, NotFound, NotImplementedOnTwin
from qstation.server.jobs.service import JobService, Stored
from qstation.server.jobs.views import SERVER
from qstation.store.repositories import Connectable, JobRecord, JobRepository

if TYPE_CHECKING:
    from iqm.models.channel_properties import ChannelProperties

PROTOBUF = "application/protobuf"
_CACHED_STATIONS = 16


@dataclass(frozen=True)
class RunSubmission:
    """A checked run definition, ready to store."""

    qc: str
    body: bytes
    checked: Checked
    calibration: Calibration
    use_timeslot: bool
    received_at: float = field(default_factory=time.time)
    stages: Stages = field(default_factory=Stages)


@dataclass(frozen=True)
class StationModel:
    """What run checks need of one calibration set's station."""

    channels: dict[str, ChannelProperties]
    #: The components whose flux pulses the twin models.
    simulated_flux: frozenset[str]


_channels: OrderedDict[str, StationModel] = OrderedDict()
_channels_lock = threading.Lock()  # checks run in threads


def station_model(cal: Calibration) -> StationModel:
    """The channel properties the station publishes for ``cal``, and what the twin simulates
    of them (cached per set).

    Raises:
        NotImplementedOnTwin: this installation has no pulse-level station.
    """
    with _channels_lock:
        cached = _channels.get(cal.id)
    if cached is not None:
        return cached
    try:
        from qstation.qpu.pulse.station import channel_properties
        from qstation.qpu.pulse.twin import pulse_twin
    except ImportError as err:  # pragma: no cover - an installation without the station
        raise NotImplementedOnTwin(f"pulse-level jobs need the station model: {err}") from err
    twin = pulse_twin(cal.spec, cal.data)
    model = StationModel(channel_properties(cal.spec, twin), twin.simulated_flux())
    with _channels_lock:
        _channels[cal.id] = model
        while len(_channels) > _CACHED_STATIONS:
            _channels.popitem(last=False)
    return model


def limits(jobs: JobService) -> Limits:
    """What one run job may ask of the station under this server's settings."""
    return Limits(max_shots=jobs.settings.max_shots, max_segments=jobs.settings.max_circuits)


def check(body: bytes, cal: Calibration, lim: Limits) -> Checked:
    """Parse and check a run definition (CPU-bound: called in a thread).

    Raises:
        DefinitionError: the definition is malformed or the station cannot run it.
    """
    from qstation.qpu.pulse.definition import parse_run_definition

    model = station_model(cal)
    return validate_run(parse_run_definition(body), model.channels, lim, model.simulated_flux)


async def validate(
    jobs: JobService, session: AsyncSession, qc: str, body: bytes, use_timeslot: bool
) -> RunSubmission:
    """Check a run submission completely, before anything is queued.

    Raises:
        BadRequest: a definition the station cannot run, naming what and why.
        NotFound: unknown quantum computer.
        Conflict: the quantum computer is in maintenance.
    """
    stages = Stages.received()
    await jobs.require_online(session, qc)
    stages.handover("validation_ended", "fetch_calibration_started")
    # The physics a run meets is the computer's current calibration set.
    cal = await jobs.devices.runnable_calibration(session, qc, "default")
    # Compilation of a run: decoding the definition and checking it against the channels.
    stages.handover("fetch_calibration_ended", "compilation_started")
    try:
        checked = await asyncio.to_thread(check, body, cal, limits(jobs))
    except NotSimulated as err:  # valid for a real station: the twin lacks the physics
        raise NotImplementedOnTwin(str(err), error_code=err.code) from err
    except DefinitionError as err:
        raise BadRequest(str(err), error_code=err.code) from err
    stages.mark("compilation_ended")
    return RunSubmission(qc, body, checked, cal, use_timeslot, stages.at("received"), stages)


async def store(
    jobs: JobService,
    session: AsyncSession,
    sub: RunSubmission,
    *,
    owner: str | None,
    idempotency_key: str | None,
) -> Stored:
    """Store and enqueue a checked run job (a repeated idempotency key: the first job)."""
    repo = JobRepository(session)
    if idempotency_key:
        existing = await repo.by_idempotency_key(owner, idempotency_key)
        if existing is not None:
            return Stored(str(existing.id), False, int(existing.seq))
    job_id = str(uuid.uuid4())
    checked = sub.checked
    # One "circuit" per segment and spot: what quotas and progress count.
    executions = checked.segments * checked.spots
    fields: dict[str, Any] = {
        "id": job_id,
        "type": "run",
        "protocol": "iqm",
        "quantum_computer": sub.qc,
        "owner": owner,
        "status": "waiting",
        "use_timeslot": sub.use_timeslot,
        "calibration_set_id": sub.calibration.id,
        "shots": checked.shots,
        "n_circuits": executions,
        "payload": "",
        "definition": sub.body,
        "idempotency_key": idempotency_key,
        "created_at": sub.received_at,
        "attempts": 0,
        "cancel_requested": False,
        "progress": 0,
        "errors": [],
        "messages": _messages(sub),
    }
    seq, position = await jobs.enqueue(
        session, fields, sub.stages, owner, checked.shots, executions)
    return Stored(job_id, True, seq, position)


def _messages(sub: RunSubmission) -> list[dict[str, Any]]:
    if sub.use_timeslot:
        text = "queued for a reserved timeslot: it runs only during a booking of its owner"
        return [{"source": SERVER, "message": text}]
    return []


async def payload_of(session: Connectable, job: JobRecord) -> tuple[bytes, str]:
    """A job's stored definition and its media type (protobuf for runs, JSON for circuits)."""
    payload, definition = await JobRepository(session).payload(job.id)
    if job.type == "run":
        return bytes(definition or b""), PROTOBUF
    return payload.encode(), "application/json"


async def sweep_results(session: Connectable, job: JobRecord) -> bytes:
    """The serialized sweep results of a completed run job.

    Raises:
        NotFound: the job is no run job or has not completed.
    """
    result = await JobRepository(session).result(job.id)
    if job.type != "run":
        raise NotFound(
            f"job {job.id} is a {job.type} job: only run jobs have sweep_results",
            error_code="ARTIFACT_NOT_FOUND",
        )
    if job.status != "completed" or result is None or result.sweep_results is None:
        raise NotFound(
            f"job {job.id} has no sweep_results artifact: it is {job.status}",
            error_code="ARTIFACT_NOT_FOUND",
        )
    return bytes(result.sweep_results)


def artifact_types(job: JobRecord, has_measurements: bool) -> list[str]:
    """The artifacts a completed job offers."""
    if job.type != "run":
        return ["measurements", "measurement_counts"]
    return ["sweep_results"] + (["measurements", "measurement_counts"] if has_measurements else [])
