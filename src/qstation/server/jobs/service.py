"""The rules of jobs: submission checks, views, cancellation and deletion.

A job is stored, together with its queue entry (the row itself), in the request's
transaction; the server acknowledges it only after that transaction commits.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from qstation import heap
from qstation.queue.notify import DONE
from qstation.queue.stages import Stages
from qstation.schemas.iqm_v1 import (
    TERMINAL,
    JobArtifactInfo,
    JobCompilation,
    JobData,
    JobMessage,
    JobStatus,
    TimelineEntry,
)
from qstation.server.bookings.service import waiting_message
from qstation.server.config import Settings
from qstation.server.deps import Principal
from qstation.server.devices.service import Calibration, DeviceService
from qstation.server.errors import Conflict, DomainError, NotFound
from qstation.server.jobs import views
from qstation.server.jobs.checker import CheckerProcess
from qstation.server.jobs.checks import LARGE_BODY, Checked, Limits, Refusal, check
from qstation.server.jobs.view_cache import FreshJobs, ResultsAlong, ToldViews, ViewCache
from qstation.server.jobs.views import SERVER
from qstation.server.usage.service import QuotaService
from qstation.store.driver import StatementPool
from qstation.store.repositories import (
    Connectable,
    JobRecord,
    JobRepository,
    enqueue_at_once,
)
from qstation.telemetry import metrics, tracing

_TERMINAL = frozenset(s.value for s in TERMINAL)


class Stored(NamedTuple):
    """A stored job: its id, whether this call created it, its queue ``seq`` and, for a job
    this call created, its FIFO position when stored."""

    job_id: str
    created: bool
    seq: int
    position: int | None = None

    def wakes_workers(self, use_timeslot: bool) -> bool:
        """Whether the workers must be told of this job. Not when FIFO jobs of its machine
        wait ahead of it: the worker that finishes the last of them claims it next, in the
        same transaction (and a worker that found nothing just then looks again soon)."""
        return use_timeslot or not self.position


@dataclass(frozen=True)
class Submission:
    """A validated submission, ready to store."""

    qc: str
    checked: Checked
    calibration: Calibration
    raw: str
    use_timeslot: bool
    received_at: float = field(default_factory=time.time)
    stages: Stages = field(default_factory=Stages)


#: Bodies below this size are checked on the event loop: well under a millisecond, less than
#: the hand-off to a thread and back.
_SMALL_BODY = 4 << 10


class JobService:
    """Submission, lookup, cancellation and deletion of jobs."""

    def __init__(
        self, settings: Settings, devices: DeviceService, *, settle_heap: bool = False
    ) -> None:
        self.settings = settings
        self.devices = devices
        self.quotas = QuotaService(settings)
        self.limits = Limits(settings.max_shots, settings.max_circuits,
                             settings.max_circuit_duration_over_t2)
        self.checker = CheckerProcess()
        self.views = ViewCache()
        self.fresh = FreshJobs()
        self.results_along = ResultsAlong()
        self.told = ToldViews()
        self._settled = not settle_heap  # see qstation.heap: once after the first job

    def close(self) -> None:
        """Release what the service holds beyond the request path (the checker process)."""
        self.checker.close()

    async def validate(
        self, session: AsyncSession, qc: str, body: bytes, use_timeslot: bool
    ) -> Submission:
        """Check a circuit submission completely, before anything is queued.

        Raises:
            BadRequest: malformed body or a circuit the device cannot run.
            NotFound: unknown quantum computer or calibration set.
            Conflict: the quantum computer is in maintenance.
        """
        stages = Stages.received()
        await self.require_online(session, qc)
        # Most jobs ask for the default set: it is fetched first (a cached lookup), so that
        # one pass of the checks decodes, validates and compiles them.
        default = await self._default_calibration(session, qc)
        checked = await self._check(body, default)
        cal = default
        if checked.compiled_with is None:  # another set than the default
            stages.handover("validation_ended", "fetch_calibration_started")
            cal = await self.devices.runnable_calibration(session, qc, checked.calibration_ref)
            stages.handover("fetch_calibration_ended", "compilation_started")
            checked = await self._check(body, cal)
        else:
            stages.mark("validation_ended", checked.validated_at)
            for stage in ("fetch_calibration_started", "fetch_calibration_ended",
                          "compilation_started"):
                stages.mark(stage, checked.validated_at)
        assert cal is not None and checked.compiled_at is not None
        stages.mark("compilation_ended", checked.compiled_at)
        if not self._settled:  # the first job imported and built the compile path's state
            heap.settle()
            self._settled = True
        received = stages.at("received")
        return Submission(qc, checked, cal, body.decode("utf-8"), use_timeslot, received, stages)

    async def _default_calibration(self, session: AsyncSession, qc: str) -> Calibration | None:
        try:
            return await self.devices.runnable_calibration(session, qc, "default")
        except DomainError:  # none runnable: the job may still name one that is
            return None

    async def _check(self, body: bytes, cal: Calibration | None) -> Checked:
        # Decoding, validation and compilation cost up to seconds for the largest bodies:
        # they run off the event loop's thread, and the largest off its process.
        if len(body) < _SMALL_BODY:
            verdict = check(body, self.limits, cal)
        elif len(body) >= LARGE_BODY:
            verdict = await self.checker.check(body, self.limits, cal)
        else:
            verdict = await asyncio.to_thread(check, body, self.limits, cal)
        if isinstance(verdict, Refusal):
            raise verdict.error()
        return verdict

    async def require_online(self, session: AsyncSession, qc: str) -> None:
        """Refuse new jobs for a quantum computer in maintenance (circuit and run jobs alike).

        Raises:
            NotFound: unknown quantum computer.
            Conflict: the quantum computer is in maintenance.
        """
        if (await self.devices.get(session, qc)).status == "maintenance":
            raise Conflict(
                f"quantum computer {qc!r} is in maintenance and accepts no new jobs; queued "
                f"jobs are kept and run when an administrator sets it online",
                error_code="QC_IN_MAINTENANCE",
            )

    async def store(
        self, session: AsyncSession | StatementPool, sub: Submission, *, owner: str | None,
        idempotency_key: str | None, protocol: str = "iqm",
    ) -> Stored:
        """Store and enqueue a validated job.

        A repeated idempotency key returns the job it first created. Where
        :meth:`stores_at_once`, ``session`` may be PostgreSQL's statement pool: the job is
        then one statement, its own transaction.

        Raises:
            QuotaExceeded: the owner's quota refuses it (the transaction must roll back).
        """
        if idempotency_key and not isinstance(session, StatementPool):
            existing = await JobRepository(session).by_idempotency_key(owner, idempotency_key)
            if existing is not None:
                return Stored(str(existing.id), False, int(existing.seq))
        job_id = str(uuid.uuid4())
        fields = {
            "id": job_id, "type": "circuit", "protocol": protocol, "quantum_computer": sub.qc,
            "owner": owner, "status": "waiting", "use_timeslot": sub.use_timeslot,
            "calibration_set_id": sub.calibration.id, "shots": sub.checked.shots,
            "n_circuits": sub.checked.n_circuits, "payload": sub.raw,
            "idempotency_key": idempotency_key, "created_at": sub.received_at, "attempts": 0,
            "cancel_requested": False, "progress": 0, "errors": [], "messages": _messages(sub),
            "trace_context": tracing.current_context(),  # the worker's span continues it
        }
        seq, position = await self.enqueue(
            session, fields, sub.stages, owner, sub.checked.shots, sub.checked.n_circuits)
        metrics.job_submitted(sub.qc, sub.use_timeslot)
        return Stored(job_id, True, seq, position)

    def stores_at_once(self, idempotency_key: str | None) -> bool:
        """Whether storing a new job takes one statement (on PostgreSQL), so that it needs no
        transaction around it: not with an idempotency key (looked up first) nor with a quota
        limit (checked after the charge)."""
        return idempotency_key is None and not self.quotas.enforced

    async def enqueue(
        self, session: AsyncSession | StatementPool, fields: dict[str, Any], stages: Stages,
        owner: str | None, shots: int, executions: int,
    ) -> tuple[int, int]:
        """Insert a job with its marks so far and charge it; its ``seq`` and FIFO position.

        Raises:
            QuotaExceeded: the owner's quota refuses it (the transaction must roll back).
        """
        marks = [*stages.marks, ("pending_execution", time.time())]
        charge = self.quotas.entry(owner, shots, executions)
        if isinstance(session, StatementPool):  # no quota to check: see stores_at_once
            assert not fields["idempotency_key"] and not self.quotas.enforced
            seq, position, _ = await enqueue_at_once(session, fields, SERVER, marks, charge)
            return seq, position
        seq, position, shots_today = await JobRepository(session).enqueue(
            fields, SERVER, marks, charge)
        await self.quotas.check(session, owner, charge, shots_today)
        return seq, position

    async def get(self, session: Connectable, job_id: str, owner: str | None = None) -> JobRecord:
        """A job visible to ``owner`` (None: every job).

        Raises:
            NotFound: no such job, or it belongs to someone else.
        """
        job = await JobRepository(session).get(canonical_job_id(job_id))
        if job is None or (owner is not None and job.owner != owner):
            raise NotFound(f"job {job_id} not found", error_code="JOB_NOT_FOUND")
        return job

    def acknowledgement(self, sub: Submission, stored: Stored) -> JobData | None:
        """The answer to a fresh FIFO submission, built from what is known without re-reading
        the job (None where only a full :meth:`view` will do: replays, timeslot jobs)."""
        if sub.use_timeslot or not stored.created:
            return None
        return JobData(
            id=uuid.UUID(stored.job_id),
            type="circuit",
            status=JobStatus.WAITING,
            queue_position=stored.position,
            timeline=[TimelineEntry(source=SERVER, status="created",
                                    timestamp=datetime.fromtimestamp(sub.received_at, UTC))],
            messages=[JobMessage.model_validate(m) for m in _messages(sub)],
            compilation=JobCompilation(calibration_set_id=uuid.UUID(sub.calibration.id)),
        )

    async def view(self, session: Connectable, job: JobRecord) -> JobData:
        """The IQM ``JobData`` of a job."""
        repo = JobRepository(session)
        status = JobStatus(job.status)
        notes: list[dict[str, Any]] = []
        position = None
        if status is JobStatus.WAITING:
            # Why it waits changes with bookings, so it is worked out on every read.
            note = await waiting_message(session, job)
            if note is not None:
                notes.append(note)
            position = await repo.queue_position(job)
        artifacts = await self._artifacts(repo, job) if status is JobStatus.COMPLETED else []
        return views.build(job, await self._events(repo, job), notes=notes,
                           queue_position=position, artifacts=artifacts)

    async def view_json(self, session: Connectable, job: JobRecord) -> str:
        """:meth:`view` as JSON text; a terminal job's is built once (see :mod:`.view_cache`)."""
        terminal = job.status in _TERMINAL
        if terminal and (kept := self.views.get(job.id)) is not None:
            return kept
        text = (await self.view(session, job)).model_dump_json()
        if terminal:
            self.views.put(job.id, text)
        return text

    def finished_view_json(self, job: views.JobFields, events: Iterable[views.Event]) -> str:
        """The view of a finished circuit job from its row and events, kept as
        :meth:`view_json` keeps it (the caller read both after the job ended)."""
        done = job.status == JobStatus.COMPLETED
        text = views.build(
            job, events, artifacts=views.CIRCUIT_ARTIFACTS if done else []
        ).model_dump_json()
        self.views.put(job.id, text)
        return text

    @staticmethod
    async def _artifacts(repo: JobRepository, job: JobRecord) -> list[JobArtifactInfo]:
        if job.type != "run":
            return views.CIRCUIT_ARTIFACTS
        # A run offers circuit measurements only when its readouts are circuit measurements.
        result = await repo.result(job.id)
        circuits = views.CIRCUIT_ARTIFACTS if result is not None and result.measurements else []
        return [JobArtifactInfo(type="sweep_results"), *circuits]

    @staticmethod
    async def _events(repo: JobRepository, job: JobRecord) -> list[views.Event]:
        return [(e.ts, e.source, e.status) for e in await repo.events(job.id)]

    async def timeline(self, session: Connectable, job: JobRecord) -> list[TimelineEntry]:
        """The job's history: the main steps come from its row, IQM's stages from its events."""
        return views.timeline(job, await self._events(JobRepository(session), job))

    async def artifact(self, session: Connectable, job: JobRecord, kind: str) -> str:
        """The JSON text of a completed job's ``measurements`` or ``measurement_counts``."""
        result = await JobRepository(session).result(job.id)
        if job.status != JobStatus.COMPLETED or result is None or not result.measurements:
            raise NotFound(
                f"job {job.id} has no {kind} artifact: it is {job.status}",
                error_code="ARTIFACT_NOT_FOUND",
            )
        return str(result.measurements if kind == "measurements" else result.counts)

    async def cancel(self, session: AsyncSession, job: JobRecord) -> bool:
        """Cancel a job: a waiting job at once, a processing one at its next circuit boundary.

        Returns whether a processing job was asked to stop (its worker must be told).
        """
        repo = JobRepository(session)
        now = time.time()
        if await repo.transition(job.id, ["waiting"], "cancelled", finished_at=now):
            metrics.job_finished(job.quantum_computer, job.use_timeslot, "cancelled",
                                 job.created_at, None, now)
            return False
        if await repo.request_cancel(job.id):
            await repo.add_event(job.id, SERVER, "cancel_requested")
            return True
        return False

    async def delete(self, session: AsyncSession, job: JobRecord) -> None:
        """Remove a job and everything of it (a running job is stopped first)."""
        if JobStatus(job.status) not in TERMINAL:
            await self.cancel(session, job)
        self.views.forget(job.id)
        self.results_along.forget(job.id)
        self.told.forget(job.id)
        self.fresh.ended(DONE, job.id)
        if not await JobRepository(session).delete(job.id):
            raise Conflict(f"job {job.id} changed while being deleted; retry")


def _messages(sub: Submission) -> list[dict[str, object]]:
    if sub.use_timeslot:
        text = "queued for a reserved timeslot: it runs only during a booking of its owner"
        return [{"source": SERVER, "message": text}]
    return []


def scope(principal: Principal) -> str | None:
    """The owner whose jobs ``principal`` may see: their own; None (every job) for admins."""
    return None if principal.is_admin else principal.owner


def canonical_job_id(job_id: str) -> str:
    """The canonical form of a job id.

    Raises:
        NotFound: it is not a UUID, so no job has it.
    """
    try:
        return str(uuid.UUID(job_id))
    except ValueError:
        raise NotFound(f"job {job_id} not found: not a UUID", error_code="JOB_NOT_FOUND") from None
