"""The usage endpoint, ``GET /qstation/v1/usage``: one's own, or every user's for admins."""

from __future__ import annotations

from fastapi import APIRouter, Query

from qstation.schemas.qstation_admin import UsageReport
from qstation.server.deps import PrincipalDep, StateDep, unit_of_work
from qstation.server.usage.service import QuotaService

router = APIRouter(prefix="/qstation/v1")


@router.get("/usage", response_model=UsageReport)
async def usage(
    state: StateDep,
    p: PrincipalDep,
    username: str | None = Query(default=None, description="one user (admins only)"),
) -> UsageReport:
    """Each user's jobs and shots today (UTC), unfinished jobs and QPU-seconds, with the
    limits in force."""
    async with unit_of_work(state) as session:
        return await QuotaService(state.settings).report(session, p, username)
