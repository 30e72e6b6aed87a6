"""Jobs of QaaS API v1: submission (``/circuits``), detail, listing, cancel and delete."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, StrictInt


class JobType(StrEnum):
    """What a job runs. Only ``circuit`` jobs run on qstation's devices today."""

    CIRCUIT = "circuit"
    QPROGRAM = "qprogram"
    ANNEALING_PROGRAM = "annealing_program"
    VQA = "vqa"
    OTHER = "other"
    #: A job submitted through IQM Server API v1, seen through the QaaS API.
    IQM_CIRCUIT = "iqm_circuit"


class JobStatus(StrEnum):
    """A QaaS job's status: ``pending``/``queued`` → ``running`` → ``completed``/``error``;
    ``cancelled`` when cancelled. ``queued`` marks a job waiting for a device that is not
    online."""

    NOT_SENT = "not sent"
    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    ERROR = "error"
    CANCELLED = "cancelled"


#: States a job never leaves (qstation counts ``cancelled`` among them).
FINISHED: frozenset[JobStatus] = frozenset(
    {JobStatus.COMPLETED, JobStatus.ERROR, JobStatus.CANCELLED}
)


class JobCreate(BaseModel):
    """The body of ``POST /circuits``. ``description`` is a compressed envelope (JSON text)."""

    model_config = ConfigDict(extra="ignore")

    user_id: StrictInt | None = None
    device_id: StrictInt
    number_shots: StrictInt = 10
    job_type: str = JobType.CIRCUIT
    description: str
    name: str = "-"
    summary: str = "-"


class JobCreated(BaseModel):
    """The answer to a submission (status 201). qstation adds ``status`` and ``error`` when
    the job was stored but cannot run (a program kind no device supports)."""

    model_config = ConfigDict(extra="allow")

    job_id: int
    status: str | None = None
    error: str | None = None


class JobRead(BaseModel):
    """A job with its description and result (``GET /jobs/{id}``).

    ``description`` is echoed exactly as submitted; ``result`` is a compressed envelope once
    the job is completed. ``error`` (a qstation extra) says why a job failed.
    """

    model_config = ConfigDict(extra="allow")

    job_id: int
    user_id: int
    device_id: int
    status: str
    job_type: str
    queue_position: int | None
    number_shots: int
    description: str
    result: str | None
    name: str
    summary: str
    created_at: str | None = None
    updated_at: str | None = None
    error: str | None = None


class JobListItem(BaseModel):
    """A job in a listing: no description or result. Note the key ``id``, not ``job_id``."""

    model_config = ConfigDict(extra="allow")

    id: int
    user_id: int
    device_id: int
    status: str
    job_type: str
    number_shots: int
    name: str = "-"
    summary: str = "-"
    created_at: str | None = None
    favourite: bool = False


class JobCancel(BaseModel):
    """The body of ``PUT /jobs/cancel/{id}`` (the id repeats the path's)."""

    model_config = ConfigDict(extra="ignore")

    job_id: int | None = None
