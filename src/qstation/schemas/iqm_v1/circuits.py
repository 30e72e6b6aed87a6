"""The circuit job request of IQM Server API v1 (``POST jobs/{qc}/circuit``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

import orjson
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
)

#: The names of an instruction's locus on the wire, the current one first.
LOCUS_KEYS = ("locus", "qubits")


class Instruction(BaseModel):
    """One native operation on a locus of components."""

    model_config = ConfigDict(extra="ignore")

    name: str
    # Obsolete clients named the locus ``qubits``. An alias rather than a validator: no
    # Python call per instruction, and a job holds up to 10^5 of them.
    locus: list[str] = Field(validation_alias=AliasChoices(*LOCUS_KEYS))
    args: dict[str, Any] = Field(default_factory=dict)
    implementation: str | None = None


class Circuit(BaseModel):
    """A named list of instructions with free-form metadata."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1)
    instructions: list[Instruction] = Field(min_length=1)
    metadata: dict[str, Any] | None = None


class QubitMapping(BaseModel):
    """One logical-to-physical name pair."""

    logical_name: str
    physical_name: str


class DDStrategy(BaseModel):
    """Dynamical-decoupling strategy (stored and echoed; see the server docs for its effect)."""

    model_config = ConfigDict(extra="allow")

    merge_contiguous_waits: StrictBool = True
    target_qubits: list[str] | None = None
    skip_leading_wait: StrictBool = True
    skip_trailing_wait: StrictBool = True
    gate_sequences: list[Any] = Field(default_factory=list)


class CircuitJobOptions(BaseModel):
    """The options of a circuit job submission: all of its body but the circuits."""

    model_config = ConfigDict(extra="ignore")

    calibration_set_id: UUID | None = None
    qubit_mapping: list[QubitMapping] | None = None
    shots: StrictInt = 1  # numbers are numbers: "100" is refused
    max_circuit_duration_over_t2: float | None = Field(default=None, strict=True)
    heralding_mode: Literal["none", "zeros"] = "none"
    # The deprecated names are aliases rather than a model validator: a validator "before"
    # the model would have the whole body built as Python objects before validation starts.
    move_gate_validation: Literal["strict", "allow_prx", "none"] = Field(
        "strict", validation_alias=AliasChoices("move_gate_validation", "move_validation_mode")
    )
    move_gate_frame_tracking: Literal["full", "no_detuning_correction", "none"] = Field(
        "full",
        validation_alias=AliasChoices("move_gate_frame_tracking", "move_gate_frame_tracking_mode"),
    )
    active_reset_cycles: StrictInt | None = None
    dd_mode: Literal["disabled", "enabled"] = "disabled"
    dd_strategy: DDStrategy | None = None

    @field_validator("qubit_mapping", mode="before")
    @classmethod
    def _mapping_as_object(cls, value: object) -> object:
        # The wire form is a list of pairs; a plain {logical: physical} object is accepted too.
        if isinstance(value, dict):
            return [{"logical_name": k, "physical_name": v} for k, v in value.items()]
        return value

    def mapping(self) -> dict[str, str]:
        """The qubit mapping as a dict (empty when the loci are physical names)."""
        return {m.logical_name: m.physical_name for m in self.qubit_mapping or []}


class CircuitJobRequest(CircuitJobOptions):
    """The body of a circuit job submission."""

    circuits: list[Circuit] = Field(min_length=1)


@dataclass(frozen=True)
class AcceptedCircuitJob:
    """A circuit job the server has accepted, as read back from its stored body: the options
    validated again (a few fields), the circuits only decoded, as the JSON objects that
    passed :class:`Circuit`'s validation at submission."""

    options: CircuitJobOptions
    circuits: list[dict[str, Any]]

    @staticmethod
    def instructions(circuit: dict[str, Any]) -> Iterator[tuple[str, list[str], dict[str, Any]]]:
        """The ``(name, locus, args)`` of each instruction of one of :attr:`circuits`."""
        for ins in circuit["instructions"]:
            locus = ins[LOCUS_KEYS[0]] if LOCUS_KEYS[0] in ins else ins[LOCUS_KEYS[1]]
            yield ins["name"], locus, ins.get("args", {})


def load_accepted_job(raw: str | bytes) -> AcceptedCircuitJob:
    """A circuit job from a body the server has accepted already (a stored payload).

    Validating its circuits again would build a model for each of their instructions, up to
    10^5 of them, only to read three fields of each; the standard library's decoder, which
    the server also accepts bodies with (bare NaN tokens), is the fallback.
    """
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        data = json.loads(raw)
    circuits = data.pop("circuits")
    return AcceptedCircuitJob(CircuitJobOptions.model_validate(data), circuits)
