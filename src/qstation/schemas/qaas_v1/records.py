"""Runcards and calibrations of QaaS API v1: named documents kept for a device."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _RecordBase(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    device_id: int
    user_id: int
    description: str
    qililab_version: str


class RuncardWrite(_RecordBase):
    """Create or update a runcard; ``runcard`` is URL-safe base64 of the runcard's JSON."""

    runcard: str


class RuncardRead(RuncardWrite):
    """A stored runcard."""

    model_config = ConfigDict(extra="allow")

    runcard_id: int
    created_at: str
    updated_at: str


class CalibrationWrite(_RecordBase):
    """Create or update a calibration; ``calibration`` is URL-safe base64 of its text."""

    calibration: str


class CalibrationRead(CalibrationWrite):
    """A stored calibration."""

    model_config = ConfigDict(extra="allow")

    calibration_id: int
    created_at: str
    updated_at: str
