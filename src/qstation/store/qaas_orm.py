"""Tables of the QaaS API v1: integer ids for users and devices, job extras, favourites,
hashed API keys, runcards and calibrations.

QaaS clients need integer ids, while qstation names users by username and quantum computers
by alias: ``qaas_users`` and ``qaas_devices`` give each one a stable integer. A QaaS job is a
row of ``jobs`` (the queue) plus its ``qaas_jobs`` row, which keeps what the QaaS protocol
shows: the description exactly as submitted, name, summary and how to read results back.
Migration ``0003`` creates these tables.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qstation.store.orm import Base


class QaasUserRow(Base):
    """The QaaS view of a user: an integer id and a role (``user`` or ``member``).

    Administrators are the users with ``users.is_admin``; the role column does not change that.
    """

    __tablename__ = "qaas_users"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(
        ForeignKey("users.username", ondelete="CASCADE"), unique=True
    )
    role: Mapped[str] = mapped_column(String(16), default="user")
    created_at: Mapped[float] = mapped_column(Float)


class QaasApiKeyRow(Base):
    """A QaaS API key. Only its argon2id hash is stored; the key is shown once."""

    __tablename__ = "qaas_api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(
        ForeignKey("users.username", ondelete="CASCADE"), index=True
    )
    key_hash: Mapped[str] = mapped_column(String(256))
    label: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class QaasDeviceRow(Base):
    """The integer id of a hosted quantum computer."""

    __tablename__ = "qaas_devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    quantum_computer: Mapped[str] = mapped_column(
        ForeignKey("quantum_computers.alias", ondelete="CASCADE"), unique=True
    )


class QaasJobRow(Base):
    """What the QaaS protocol keeps of a job submitted through it (``jobs`` holds the rest).

    ``layout`` has one entry per circuit: the measurement keys of the result bits, the
    registers and the ideal final state. ``result`` caches the encoded result envelope.
    """

    __tablename__ = "qaas_jobs"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    device_id: Mapped[int] = mapped_column(Integer)
    job_type: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    layout: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)


class QaasFavouriteRow(Base):
    """A job a user marked as favourite."""

    __tablename__ = "qaas_favourites"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)


class _Record:
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(256), index=True)
    device_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    qililab_version: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)  # the base64 text as received
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class QaasRuncardRow(_Record, Base):
    """A stored runcard."""

    __tablename__ = "qaas_runcards"


class QaasCalibrationRow(_Record, Base):
    """A stored calibration document."""

    __tablename__ = "qaas_calibrations"


__all__ = [
    "QaasApiKeyRow",
    "QaasCalibrationRow",
    "QaasDeviceRow",
    "QaasFavouriteRow",
    "QaasJobRow",
    "QaasRuncardRow",
    "QaasUserRow",
]
