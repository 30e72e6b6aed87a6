"""The SDK's data models: circuits as users write them, and results as they read them.

:class:`Circuit` and :class:`Instruction` extend the wire models of
:mod:`qstation.schemas.iqm_v1`, adding the legacy spellings older IQM code uses:
``phased_rx`` (angles in full turns: ``angle_t``, ``phase_t``) becomes ``prx`` (radians),
``measurement`` becomes ``measure``, and ``qubits=`` is accepted for ``locus=``. What is
sent is always the current form.
"""

from __future__ import annotations

import math
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from qstation.schemas import iqm_v1 as wire
from qstation.schemas.iqm_v1 import (
    CircuitJobRequest,
    ErrorBody,
    JobMessage,
    JobStatus,
    MeasurementCounts,
    TimelineEntry,
)

#: One circuit's measurements: key → shots → bits in locus order.
CircuitMeasurements = dict[str, list[list[int]]]

#: Native operations: name → (number of components, or None for "one or more"; required args).
NATIVE_OPERATIONS: dict[str, tuple[int | None, tuple[str, ...]]] = {
    "prx": (1, ("angle", "phase")),
    "cz": (2, ()),
    "move": (2, ()),
    "measure": (None, ("key",)),
    "reset": (None, ()),
    "barrier": (None, ()),
    "delay": (None, ("duration",)),
    "cc_prx": (1, ("angle", "phase", "feedback_qubit", "feedback_key")),
}
_LEGACY_NAMES = {"phased_rx": "prx", "measurement": "measure"}


class Instruction(wire.Instruction):
    """One native operation on a locus of qubits (or resonators).

    Args:
        name: ``prx``, ``cz``, ``move``, ``measure``, ``reset``, ``barrier``, ``delay`` or
            ``cc_prx``; legacy ``phased_rx`` and ``measurement`` are converted.
        locus: component names, e.g. ``["QB1", "QB2"]`` (``qubits=`` is an alias).
        args: operation arguments: ``angle``/``phase`` in radians for ``prx``, ``key`` for
            ``measure``, ``duration`` in seconds for ``delay``.
        implementation: a specific calibrated implementation, or None for the default.
    """

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        # Called once per instruction: the current form passes without a copy.
        if not isinstance(data, dict) or data.get("name") not in _LEGACY_NAMES:
            return data
        data = dict(data)
        name = data["name"]
        if name == "phased_rx":
            args = dict(data.get("args") or {})
            turns = {k: args.pop(k, 0.0) for k in ("angle_t", "phase_t")}
            args.setdefault("angle", 2 * math.pi * float(turns["angle_t"]))
            args.setdefault("phase", 2 * math.pi * float(turns["phase_t"]))
            data["args"] = args
        data["name"] = _LEGACY_NAMES[name]
        return data

    @property
    def qubits(self) -> tuple[str, ...]:
        """The locus as a tuple (the legacy name of :attr:`locus`)."""
        return tuple(self.locus)


class Circuit(wire.Circuit):
    """A named list of instructions, with optional JSON metadata.

    Args:
        name: the circuit's name (non-empty).
        instructions: its instructions, in order.
        metadata: JSON-serializable data kept with the job; convert NumPy values with
            :func:`qstation.client.util.to_json_dict`.
    """

    instructions: list[Instruction] = Field(min_length=1)  # type: ignore[assignment]


class QuantumArchitectureSpecification(BaseModel):
    """What a transpiler needs: qubit names, couplings and native operations with loci."""

    name: str
    qubits: list[str]
    computational_resonators: list[str] = Field(default_factory=list)
    qubit_connectivity: list[list[str]]
    operations: dict[str, list[list[str]]]
    calibration_set_id: UUID | None = None

    def has_equivalent_operations(self, other: QuantumArchitectureSpecification) -> bool:
        """Whether both offer the same operations on the same loci (order-insensitive)."""

        def norm(ops: dict[str, list[list[str]]]) -> dict[str, set[tuple[str, ...]]]:
            return {k: {tuple(locus) for locus in v} for k, v in ops.items()}

        return norm(self.operations) == norm(other.operations)


class RunMetadata(BaseModel):
    """What a result was produced from."""

    request: CircuitJobRequest | None = None
    calibration_set_id: UUID | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)


class RunResult(BaseModel):
    """A job's status and, once completed, its measurements.

    Attributes:
        job_id: the job's id.
        status: where the job is in its life cycle.
        measurements: one dict per circuit (key → shots → bits), when completed.
        metadata: the request, calibration set and timeline.
        errors: what the server reported for a failed job.
        messages: informational messages from the server.
    """

    job_id: UUID
    status: JobStatus
    measurements: list[CircuitMeasurements] | None = None
    metadata: RunMetadata = Field(default_factory=RunMetadata)
    errors: list[ErrorBody] = Field(default_factory=list)
    messages: list[JobMessage] = Field(default_factory=list)

    @property
    def message(self) -> str | None:
        """The first error message, if the job failed."""
        return self.errors[0].message if self.errors else None

    def counts(self) -> list[MeasurementCounts]:
        """Bitstring counts per circuit, computed from :attr:`measurements`.

        Bits of each key are joined in the order the keys were first measured.
        """
        return [_counts(m) for m in self.measurements or []]


def _counts(measurements: CircuitMeasurements) -> MeasurementCounts:
    keys = list(measurements)
    shots = len(measurements[keys[0]]) if keys else 0
    counts: dict[str, int] = {}
    for shot in range(shots):
        bits = "".join(str(b) for k in keys for b in measurements[k][shot])
        counts[bits] = counts.get(bits, 0) + 1
    return MeasurementCounts(measurement_keys=keys, counts=counts)
