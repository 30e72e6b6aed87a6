"""Per-user quotas on submissions, and the usage report.

Every stored job is charged to its owner's UTC day in the ``usage_days`` ledger, in the
submission's own transaction: a refused submission rolls its charge back with it, and
deleting jobs later does not give the day's shots back. Limits are off by default
(:class:`~qstation.server.config.Settings` ``max_queued_jobs`` and ``max_shots_per_day``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from qstation.schemas.qstation_admin import QuotaLimits, UsageReport, UserUsage
from qstation.server.config import Settings
from qstation.server.deps import Principal
from qstation.server.errors import DomainError, Forbidden
from qstation.store.auth_repositories import UserRepository
from qstation.store.booking_repositories import UsageRepository
from qstation.store.enqueue import Charge


class QuotaExceeded(DomainError):
    """A per-user quota refuses the submission (429, with ``Retry-After`` seconds)."""

    status_code = 429
    error_code = "QUOTA_EXCEEDED"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


def utc_day(ts: float) -> tuple[str, float]:
    """The UTC day of ``ts`` as ``YYYY-MM-DD`` and the instant it started."""
    start = datetime.fromtimestamp(ts, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start.date().isoformat(), start.timestamp()


class QuotaService:
    """Charges submissions to the ledger and enforces the per-user limits."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def enforced(self) -> bool:
        """Whether a limit is set: then a charge is checked after it, in its transaction."""
        s = self.settings
        return s.max_shots_per_day is not None or s.max_queued_jobs is not None

    def entry(self, owner: str | None, shots: int, n_circuits: int) -> Charge:
        """The ledger entry of a submission charged now; the store writes it along with the
        job, and :meth:`check` judges the day's totals it returns."""
        return Charge(owner or "", utc_day(time.time())[0], 1, shots * n_circuits)

    def limits(self) -> QuotaLimits:
        """The limits in force."""
        s = self.settings
        return QuotaLimits(max_queued_jobs=s.max_queued_jobs,
                           max_shots_per_day=s.max_shots_per_day)

    async def check(
        self, session: AsyncSession, owner: str | None, charge: Charge, shots_today: int
    ) -> None:
        """Refuse a job just stored and charged in ``session`` if that breaks a quota.

        ``shots_today`` is the owner's day total with the job's ``charge`` in it. The charge
        came first: on PostgreSQL it locks the owner's day, so the count of unfinished jobs
        made here sees every concurrent submission of the owner that committed before.

        Raises:
            QuotaExceeded: the owner has too many unfinished jobs, or the day's shots would
                exceed the limit (the caller's transaction must roll back).
        """
        s = self.settings
        if s.max_shots_per_day is not None and shots_today > s.max_shots_per_day:
            now = time.time()
            tomorrow = utc_day(now)[1] + timedelta(days=1).total_seconds()
            raise QuotaExceeded(
                f"daily shot quota exceeded: this job's {charge.shots} shots (shots x "
                f"circuits) would bring today's total to {shots_today}, over the limit of "
                f"{s.max_shots_per_day}; the quota resets at 00:00 UTC",
                retry_after=int(tomorrow - now) + 1,
            )
        if s.max_queued_jobs is not None:
            active = await UsageRepository(session).active_jobs(owner)
            if active > s.max_queued_jobs:
                raise QuotaExceeded(
                    f"too many unfinished jobs: at most {s.max_queued_jobs} may be waiting or "
                    f"running at once; retry when some have finished",
                    retry_after=int(s.quota_retry_after_seconds),
                )

    async def report(
        self, session: AsyncSession, p: Principal, username: str | None
    ) -> UsageReport:
        """Consumption of the caller, or (admins) of ``username`` or of every user.

        Raises:
            Forbidden: a non-admin asked about someone else.
        """
        if not p.is_admin and username is not None and username != p.owner:
            raise Forbidden("only an admin may see other users' usage",
                            error_code="ADMIN_REQUIRED")
        who = username if p.is_admin else p.owner
        every = p.is_admin and username is None
        day, day_start = utc_day(time.time())
        usage = UsageRepository(session)
        ledger = {r.owner or None: r for r in await usage.ledger(day, None if every else who or "")}
        spent = {r.owner: r for r in await usage.consumption(day_start, None if every else who)}
        names: set[str | None] = set(ledger) | set(spent)
        if every and self.settings.auth:
            names |= {u.username for u in await UserRepository(session).list()}
        elif not every:
            names = {who}
        rows = [_row(name, day, ledger.get(name), spent.get(name)) for name in names]
        rows.sort(key=lambda u: u.username or "")
        return UsageReport(limits=self.limits(), users=rows)


def _row(name: str | None, day: str, ledger: object, spent: object) -> UserUsage:
    return UserUsage(
        username=name, day=day,
        jobs_today=int(getattr(ledger, "jobs", 0)),
        shots_today=int(getattr(ledger, "shots", 0)),
        queued_jobs=int(getattr(spent, "active", 0) or 0),
        jobs_run=int(getattr(spent, "ran", 0) or 0),
        qpu_seconds_today=round(float(getattr(spent, "qpu_s_today", 0.0) or 0.0), 6),
        qpu_seconds_total=round(float(getattr(spent, "qpu_s", 0.0) or 0.0), 6),
    )
