"""Devices of QaaS API v1 (``/devices``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class DeviceStatus(StrEnum):
    """Whether a device takes and runs jobs."""

    ONLINE = "online"
    MAINTENANCE = "maintenance"
    OFFLINE = "offline"


class DeviceType(StrEnum):
    """The kind of a device."""

    SIMULATOR = "simulator_device"
    QUANTUM = "quantum_device"
    QUANTUM_ANALOG = "quantum_analog_device"
    QUANTUM_DIGITAL = "quantum_digital_device"


class Device(BaseModel):
    """A device as listed and fetched. Clients keep every field, known or not."""

    model_config = ConfigDict(extra="allow")

    id: int
    name: str
    status: str
    type: str | None = None
    number_pending_jobs: int | None = None
    slurm_partition: str | None = None
    static_features: dict[str, Any] | None = None
    dynamic_features: dict[str, Any] | None = None


class DeviceStatusUpdate(BaseModel):
    """The body of ``PUT /devices/{id}`` (administrators only)."""

    model_config = ConfigDict(extra="ignore")

    status: DeviceStatus
