"""Quantum computers, architectures and calibration data of IQM Server API v1."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class QuantumComputer(BaseModel):
    """One entry of ``GET quantum-computers``."""

    id: UUID
    alias: str
    display_name: str
    # null: no station proxy (an empty string would break IQM clients' routing).
    proxy_path: str | None = None


class QuantumComputerList(BaseModel):
    """The response of ``GET quantum-computers``."""

    quantum_computers: list[QuantumComputer]


class GateImplementation(BaseModel):
    """The loci on which one implementation of a gate is calibrated."""

    loci: list[list[str]]


class GateInfo(BaseModel):
    """A native gate of a dynamic architecture."""

    implementations: dict[str, GateImplementation]
    default_implementation: str
    # Keys are comma-joined loci ("QB1,QB2").
    override_default_implementation: dict[str, str] = Field(default_factory=dict)


class DynamicQuantumArchitecture(BaseModel):
    """The gates calibrated in one calibration set."""

    calibration_set_id: UUID
    qubits: list[str]
    computational_resonators: list[str]
    gates: dict[str, GateInfo]


class StaticQuantumArchitecture(BaseModel):
    """The chip's components and couplings, independent of calibration."""

    dut_label: str | None = None
    qubits: list[str]
    computational_resonators: list[str]
    connectivity: list[list[str]]


class Dut(BaseModel):
    """A device under test."""

    label: str
    dut_type: Literal["chip", "twpa"] = "chip"


class Observation(BaseModel):
    """One measured or calibrated value."""

    model_config = ConfigDict(extra="ignore")

    observation_id: int
    dut_field: str
    value: Any
    unit: str
    uncertainty: float | None = None
    invalid: bool = False
    created_timestamp: datetime
    modified_timestamp: datetime


class ObservationSet(BaseModel):
    """A calibration set or quality-metric set with its observations."""

    model_config = ConfigDict(extra="ignore")

    observation_set_id: UUID
    observation_set_type: Literal[
        "generic-set", "calibration-set", "quality-metric-set", "characterization-set"
    ]
    describes_id: UUID | None = None
    invalid: bool = False
    dut_label: str | None
    created_timestamp: datetime
    end_timestamp: datetime | None
    observations: list[Observation]
