"""What :class:`~qstation.qaas.API` returns: jobs, their data, runcards and calibrations."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from qstation.qaas._results import CircuitResult
from qstation.schemas.qaas_v1 import (
    FINISHED,
    CalibrationRead,
    EnvelopeError,
    JobRead,
    JobStatus,
    JobType,
    RuncardRead,
    b64_decode_text,
    b64_encode_text,
    decompress,
    open_envelope,
)


@dataclass
class Job:
    """A job submitted in this session (see :attr:`API.jobs`)."""

    id: int
    device_id: int
    job_type: str
    nshots: int
    name: str = "-"
    summary: str = "-"

    @property
    def job_id(self) -> int:
        """The job's id (same as :attr:`id`)."""
        return self.id


@dataclass
class JobData:
    """A job as the server knows it, with its description and result decoded.

    Attributes:
        description: the decoded description: ``{"data": ...}`` plus any other envelope keys;
            for circuit jobs ``data`` is the list of OpenQASM 2 programs (see
            :meth:`qibo_circuits`).
        result: None until completed; then a list of :class:`CircuitResult` (one per
            circuit) for circuit jobs, or the decoded payload for other kinds.
        error: why the job failed, when its status is ``error``.
    """

    job_id: int
    user_id: int
    device_id: int
    status: str
    job_type: str
    queue_position: int | None
    number_shots: int
    name: str
    summary: str
    description: dict[str, Any]
    result: Any = None
    error: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        """Whether the job has ended (completed, error or cancelled)."""
        return self.status in FINISHED

    def qibo_circuits(self) -> list[Any]:
        """The job's circuits as ``qibo.Circuit`` objects (needs the ``qibo`` extra)."""
        from qibo import Circuit  # optional dependency, imported only here

        return [Circuit.from_qasm(text) for text in self.description.get("data", [])]

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> JobData:
        """Decode a ``GET /jobs/{id}`` body."""
        read = JobRead.model_validate(raw)
        known = set(JobRead.model_fields)
        return cls(
            job_id=read.job_id,
            user_id=read.user_id,
            device_id=read.device_id,
            status=read.status,
            job_type=read.job_type,
            queue_position=read.queue_position,
            number_shots=read.number_shots,
            name=read.name,
            summary=read.summary,
            description=decode_description(read.description),
            result=decode_result(read.job_type, read.result)
            if read.status == JobStatus.COMPLETED
            else None,
            error=read.error,
            created_at=read.created_at,
            updated_at=read.updated_at,
            extra={k: v for k, v in raw.items() if k not in known},
        )


def decode_description(text: str) -> dict[str, Any]:
    """A job description, decompressed (``{"data": <payload>, ...}``)."""
    try:
        envelope = open_envelope(text)
        return {**envelope, "data": decompress(text)}
    except EnvelopeError:
        return {"data": text}


def decode_result(job_type: str, text: str | None) -> Any:
    """A completed job's result: circuit results, or the decoded payload of other kinds."""
    if text is None:
        return None
    try:
        payload = decompress(text)
    except EnvelopeError:
        return text
    if job_type in (JobType.CIRCUIT, JobType.IQM_CIRCUIT) and isinstance(payload, list):
        return [CircuitResult.from_wire(item) for item in payload]
    return payload


@dataclass
class Runcard:
    """A stored runcard; ``runcard`` is the decoded dict."""

    name: str
    description: str
    runcard: dict[str, Any]
    device_id: int
    user_id: int
    qililab_version: str
    id: int | None = None
    created_at: str | None = None
    updated_at: str | None = None

    def wire(self) -> dict[str, Any]:
        """The create/update request body."""
        return {
            "name": self.name,
            "runcard": b64_encode_text(json.dumps(self.runcard)),
            "device_id": self.device_id,
            "user_id": self.user_id,
            "description": self.description,
            "qililab_version": self.qililab_version,
        }

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> Runcard:
        read = RuncardRead.model_validate(raw)
        return cls(
            id=read.runcard_id,
            name=read.name,
            description=read.description,
            runcard=json.loads(b64_decode_text(read.runcard)),
            device_id=read.device_id,
            user_id=read.user_id,
            qililab_version=read.qililab_version,
            created_at=read.created_at,
            updated_at=read.updated_at,
        )


@dataclass
class Calibration:
    """A stored calibration; ``calibration`` is the decoded text (e.g. a YAML document)."""

    name: str
    description: str
    calibration: str
    device_id: int
    user_id: int
    qililab_version: str
    id: int | None = None
    created_at: str | None = None
    updated_at: str | None = None

    def wire(self) -> dict[str, Any]:
        """The create/update request body."""
        return {
            "name": self.name,
            "calibration": b64_encode_text(self.calibration),
            "device_id": self.device_id,
            "user_id": self.user_id,
            "description": self.description,
            "qililab_version": self.qililab_version,
        }

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> Calibration:
        read = CalibrationRead.model_validate(raw)
        return cls(
            id=read.calibration_id,
            name=read.name,
            description=read.description,
            calibration=b64_decode_text(read.calibration),
            device_id=read.device_id,
            user_id=read.user_id,
            qililab_version=read.qililab_version,
            created_at=read.created_at,
            updated_at=read.updated_at,
        )
