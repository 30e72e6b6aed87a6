"""Database tables. The ``jobs`` table is also the queue (see :mod:`qstation.queue`)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of all qstation tables."""


class QuantumComputerRow(Base):
    """A hosted quantum computer (one device of the catalog)."""

    __tablename__ = "quantum_computers"

    alias: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    device: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="online")
    default_calibration_set_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)


class CalibrationSetRow(Base):
    """An immutable calibration set of one quantum computer."""

    __tablename__ = "calibration_sets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    quantum_computer: Mapped[str] = mapped_column(
        ForeignKey("quantum_computers.alias", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[float] = mapped_column(Float)
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class JobRow(Base):
    """A job, which is also its queue entry (``seq`` gives the FIFO order)."""

    __tablename__ = "jobs"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(16), default="circuit")
    protocol: Mapped[str] = mapped_column(String(16), default="iqm")
    quantum_computer: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    use_timeslot: Mapped[bool] = mapped_column(Boolean, default=False)
    calibration_set_id: Mapped[str] = mapped_column(String(36))
    shots: Mapped[int] = mapped_column(Integer)
    n_circuits: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lease_expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    messages: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    #: W3C ``traceparent``/``tracestate`` of the submission (JSON), continued by the worker.
    trace_context: Mapped[str | None] = mapped_column(String(512), nullable=True)

    __table_args__ = (
        Index("ix_jobs_queue", "quantum_computer", "status", "seq"),
        Index("ix_jobs_owner", "owner", "seq"),
        UniqueConstraint("owner", "idempotency_key", name="uq_jobs_idempotency"),
    )


class JobPayloadRow(Base):
    """What a job was submitted with, apart from its row: SQLite rewrites a whole row on every
    update, and a job's row is updated at its claim, each heartbeat and its end, while its
    payload (up to the 16 MiB body limit) never changes."""

    __tablename__ = "job_payloads"

    job_id: Mapped[str] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    #: A circuit job's request body, as received (empty for a run job).
    payload: Mapped[str] = mapped_column(Text)
    #: A run job's protobuf run definition, byte for byte.
    definition: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class JobEventRow(Base):
    """One timeline entry of a job."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(64))
    ts: Mapped[float] = mapped_column(Float)


class JobResultRow(Base):
    """The results of a completed job, written exactly once (the primary key guarantees it)."""

    __tablename__ = "job_results"

    job_id: Mapped[str] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    measurements: Mapped[str] = mapped_column(Text)
    counts: Mapped[str] = mapped_column(Text)
    sweep_results: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


# Core views of the tables, for hot paths that skip the ORM layer.
JOBS = cast(Table, JobRow.__table__)
JOB_EVENTS = cast(Table, JobEventRow.__table__)
JOB_PAYLOADS = cast(Table, JobPayloadRow.__table__)
JOB_RESULTS = cast(Table, JobResultRow.__table__)
QUANTUM_COMPUTERS = cast(Table, QuantumComputerRow.__table__)
