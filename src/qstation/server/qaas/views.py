"""What QaaS clients read of jobs: the detail view (with the encoded result) and listings."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from qstation.schemas.iqm_v1 import JobStatus as IqmStatus
from qstation.schemas.qaas_v1 import JobListItem, JobRead, JobType
from qstation.server.deps import AppState, unit_of_work
from qstation.server.qaas.devices import DeviceCatalog, http_date
from qstation.server.qaas.identity import Caller
from qstation.server.qaas.jobs import iqm_description, public_status
from qstation.server.qaas.pagination import PageRequest
from qstation.server.qaas.results import encode_results
from qstation.store.qaas_orm import QaasJobRow
from qstation.store.qaas_repositories import QaasJobRepository, QaasUserRepository
from qstation.store.repositories import JobRepository


class JobViews:
    """Builds job details and listings in the QaaS shape."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.devices = DeviceCatalog(state)

    async def detail(self, session: AsyncSession, job: Row[Any]) -> dict[str, Any]:
        """``GET /jobs/{id}``: every field, the description as submitted, the result once
        completed (encoded once, then cached)."""
        found = await QaasJobRepository(session).get(job.seq)
        extras = found[1] if found else None
        common = await self._common(session, [(job, extras)])
        base = common[0]
        if extras is not None:
            description = extras.description
        else:  # a job submitted on the IQM API: its circuits, described the QaaS way
            description = iqm_description((await JobRepository(session).payload(job.id))[0])
        view = JobRead(
            job_id=job.seq,
            queue_position=await self._queue_position(session, job),
            description=description,
            result=await self._result(session, job, extras),
            updated_at=http_date(
                max(t for t in (job.created_at, job.started_at, job.finished_at) if t is not None)
            ),
            error=str(job.errors[0].get("message")) if job.errors else None,
            **base,
        )
        return view.model_dump()

    async def listing(
        self, session: AsyncSession, caller: Caller, favourites: bool, page: PageRequest
    ) -> dict[str, Any]:
        """``GET /jobs``: the caller's jobs, newest first (only favourites if asked)."""
        rows, total = await QaasJobRepository(session).page(
            caller.owner,
            caller.user_id,
            only_favourites=favourites,
            offset=page.offset,
            limit=page.per_page,
        )
        common = await self._common(session, [(job, extras) for job, extras, _ in rows])
        items = [
            JobListItem(id=job.seq, favourite=fav, **base).model_dump()
            for (job, _, fav), base in zip(rows, common, strict=True)
        ]
        return page.envelope(items, total)

    async def _common(
        self, session: AsyncSession, rows: list[tuple[Row[Any], QaasJobRow | None]]
    ) -> list[dict[str, Any]]:
        ids = await self.devices.ids(session)
        owners = {job.owner for job, extras in rows if extras is None and job.owner}
        user_ids = await QaasUserRepository(session).ids_of(owners) if owners else {}
        statuses = {r.alias: r.status for r in await self.state.devices.list(session)}
        out = []
        for job, extras in rows:
            out.append(
                {
                    "user_id": extras.user_id if extras else user_ids.get(job.owner or "", 0),
                    "device_id": extras.device_id if extras else ids.get(job.quantum_computer, 0),
                    "status": public_status(job.status, statuses.get(job.quantum_computer, "")),
                    "job_type": extras.job_type if extras else JobType.IQM_CIRCUIT,
                    "number_shots": job.shots,
                    "name": extras.name if extras else "-",
                    "summary": extras.summary if extras else "-",
                    "created_at": http_date(job.created_at),
                }
            )
        return out

    async def _queue_position(self, session: AsyncSession, job: Row[Any]) -> int:
        if job.status != IqmStatus.WAITING:
            return 0
        return await JobRepository(session).queue_position(job)

    async def _result(
        self, session: AsyncSession, job: Row[Any], extras: QaasJobRow | None
    ) -> str | None:
        if job.status != IqmStatus.COMPLETED:
            return None
        if extras is not None and extras.result is not None:
            return extras.result
        stored = await JobRepository(session).result(job.id)
        if stored is None:
            return None
        layouts = extras.layout if extras is not None else None
        encoded = await asyncio.to_thread(encode_results, stored.measurements, layouts)
        if extras is not None:  # encoded once: later reads return the cached envelope
            async with unit_of_work(self.state, write=True) as writer:
                await QaasJobRepository(writer).cache_result(job.id, encoded)
        return encoded
