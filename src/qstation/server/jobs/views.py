"""A job's IQM view (``JobData``) from its row and its timeline events.

The builders here read nothing: the service reads what they need, in a session for any job,
or by two light lookups for a finished circuit job (the answer a waiting client gets the
moment its job ends), and both paths give the same view.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from qstation.queue.stages import RANK
from qstation.schemas.iqm_v1 import (
    ErrorBody,
    JobArtifactInfo,
    JobCompilation,
    JobData,
    JobMessage,
    JobStatus,
    TimelineEntry,
)

SERVER = "iqm-server"
STATION = "iqm-station-control"
#: The artifacts of a completed circuit job.
CIRCUIT_ARTIFACTS = [
    JobArtifactInfo(type="measurements"), JobArtifactInfo(type="measurement_counts")
]
#: A timeline event as stored: its time, source and status.
Event = tuple[float, str, str]


class JobFields(Protocol):
    """The columns of a job that its view shows (a ``jobs`` row has them all)."""

    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def calibration_set_id(self) -> str: ...
    @property
    def created_at(self) -> float: ...
    @property
    def started_at(self) -> float | None: ...
    @property
    def finished_at(self) -> float | None: ...
    @property
    def messages(self) -> list[dict[str, Any]]: ...
    @property
    def errors(self) -> list[dict[str, Any]]: ...


def timeline(job: JobFields, events: Iterable[Event]) -> list[TimelineEntry]:
    """The job's history: the main steps come from its row, IQM's stages from its events."""
    stored = list(events)
    staged = {status for _, _, status in stored}
    steps: list[Event] = [(job.created_at, SERVER, "created"), *stored]
    # Jobs whose worker recorded no stages (cancelled or lost before running) still show
    # when they ran, from the row.
    if job.started_at is not None and "execution_started" not in staged:
        steps.append((job.started_at, STATION, "execution_started"))
    if job.finished_at is not None:
        if job.started_at is not None and "execution_ended" not in staged:
            steps.append((job.finished_at, STATION, "execution_ended"))
        steps.append((job.finished_at, SERVER, job.status))
    # Equal timestamps (stages marked in one instant) keep IQM's order.
    steps.sort(key=lambda step: (step[0], RANK.get(step[2], len(RANK))))
    return [
        TimelineEntry(source=src, status=st, timestamp=datetime.fromtimestamp(ts, UTC))
        for ts, src, st in steps
    ]


def build(
    job: JobFields,
    events: Iterable[Event],
    *,
    notes: Sequence[dict[str, Any]] = (),
    queue_position: int | None = None,
    artifacts: Sequence[JobArtifactInfo] = (),
) -> JobData:
    """The IQM ``JobData`` of ``job``; ``notes`` are messages worked out at read time."""
    return JobData(
        id=uuid.UUID(job.id),
        type="run" if job.type == "run" else "circuit",
        status=JobStatus(job.status),
        queue_position=queue_position,
        timeline=timeline(job, events),
        messages=[JobMessage.model_validate(m) for m in [*job.messages, *notes]],
        errors=[ErrorBody.model_validate(e) for e in job.errors],
        compilation=JobCompilation(calibration_set_id=uuid.UUID(job.calibration_set_id)),
        artifacts=list(artifacts),
    )
