"""Job status, job data and result artifacts of IQM Server API v1."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from qstation.schemas.iqm_v1.errors import ErrorBody


class JobStatus(StrEnum):
    """The one job state machine: ``waiting → processing → completed | failed | cancelled``."""

    WAITING = "waiting"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: States a job never leaves.
TERMINAL: frozenset[JobStatus] = frozenset(
    {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED}
)
#: States in which result artifacts exist.
RESULT_READY: frozenset[JobStatus] = frozenset({JobStatus.COMPLETED})


class TimelineEntry(BaseModel):
    """One step of a job's history."""

    source: str
    status: str
    timestamp: datetime


class JobMessage(BaseModel):
    """An informational message attached to a job."""

    source: str
    message: str


class JobCompilation(BaseModel):
    """What the job was compiled against."""

    calibration_set_id: UUID | None = None


class ProgressInfo(BaseModel):
    """A progress counter."""

    value: int
    max_value: int


class JobExecution(BaseModel):
    """Execution progress of a processing job."""

    progress: dict[str, ProgressInfo]


class JobArtifactInfo(BaseModel):
    """The name of an artifact a job has."""

    type: str


class JobData(BaseModel):
    """A job as returned by ``POST jobs/{qc}/circuit`` and ``GET jobs/{id}``."""

    model_config = ConfigDict(extra="ignore")

    id: UUID
    type: Literal["circuit", "run"] = "circuit"
    status: JobStatus
    queue_position: int | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)
    messages: list[JobMessage] = Field(default_factory=list)
    errors: list[ErrorBody] = Field(default_factory=list)
    compilation: JobCompilation | None = None
    execution: JobExecution | None = None
    artifacts: list[JobArtifactInfo] = Field(default_factory=list)


#: One circuit's measurements: key → shots → bits in locus order.
CircuitMeasurements = dict[str, list[list[int]]]


class MeasurementCounts(BaseModel):
    """Counts of one circuit; bitstrings join the keys' bits in ``measurement_keys`` order."""

    measurement_keys: list[str]
    counts: dict[str, int]
