"""IQM's job stages: the finer steps a job's timeline records, in IQM's order.

IQM's server reports each job's progress through named stages (received, validation,
calibration fetch, compilation, pending execution, execution, post-processing, ready); tools
such as IQM's CLOPS benchmark read their timestamps. The server marks the stages it performs
before queuing, the worker those after claiming; both hand them over as ``(stage, timestamp)``
pairs that are stored as timeline events in the same transaction as the job's own change.
"""

from __future__ import annotations

import time

#: Every stage, in IQM's order (each step has a ``_started`` and an ``_ended`` mark).
ORDER = (
    "received",
    "validation_started",
    "validation_ended",
    "fetch_calibration_started",
    "fetch_calibration_ended",
    "compilation_started",
    "compilation_ended",
    "pending_execution",
    "execution_started",
    "execution_ended",
    "post_processing_pending",
    "post_processing_started",
    "post_processing_ended",
    "ready",
)
#: Sort keys for timeline entries with equal timestamps: the job's ``created`` entry (the
#: same instant as ``received``) first, then the stages in order.
RANK = {"created": -1} | {stage: i for i, stage in enumerate(ORDER)}


class Stages:
    """Timestamps of the stages one component performs, marked as they happen."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    @classmethod
    def received(cls) -> Stages:
        """Marks of a submission just received: ``received`` and ``validation_started``."""
        stages = cls()
        stages.mark("validation_started", stages.mark("received"))
        return stages

    def at(self, stage: str) -> float:
        """When ``stage`` was marked (its first mark)."""
        return next(ts for name, ts in self.marks if name == stage)

    def handover(self, ended: str, started: str) -> None:
        """Mark the end of one stage and the start of the next at the same instant."""
        self.mark(started, self.mark(ended))

    def mark(self, stage: str, ts: float | None = None) -> float:
        """Record ``stage`` now (or at ``ts``); returns the timestamp."""
        if stage not in ORDER:
            raise ValueError(f"unknown job stage {stage!r}")
        ts = time.time() if ts is None else ts
        self.marks.append((stage, ts))
        return ts

    def end_execution(self) -> float:
        """Mark the end of execution and, at the same instant, post-processing pending and
        started: a worker post-processes a job's results at once. Returns the timestamp."""
        ended = self.mark("execution_ended")
        self.mark("post_processing_pending", ended)
        return self.mark("post_processing_started", ended)
