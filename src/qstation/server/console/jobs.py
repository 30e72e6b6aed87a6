"""What the console shows of jobs: the filtered list, one job's page, the shared queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qstation.schemas.iqm_v1 import TERMINAL, JobStatus
from qstation.server.deps import AppState, Principal
from qstation.server.jobs.service import scope
from qstation.store.orm import JOBS
from qstation.store.repositories import JobRepository

STATUSES = [s.value for s in JobStatus]
#: Bitstrings shown per circuit's histogram: the most frequent ones.
HISTOGRAM_BARS = 32
#: Instructions listed per circuit on a job's page.
INSTRUCTIONS_SHOWN = 200


@dataclass(frozen=True)
class JobFilter:
    """The job list's filters, from its query string."""

    status: str | None = None
    qc: str | None = None
    owner: str | None = None

    @classmethod
    def of(cls, status: str | None, qc: str | None, owner: str | None) -> JobFilter:
        return cls(status if status in STATUSES else None, qc or None, owner or None)


async def job_rows(
    session: AsyncSession, p: Principal, f: JobFilter, limit: int = 100
) -> list[Any]:
    """The viewer's jobs (admins: everyone's, or one owner's), newest first."""
    owner = f.owner if p.is_admin else p.owner
    rows = await JobRepository(session).page(
        owner, limit=limit, before_seq=None, status=f.status, quantum_computer=f.qc
    )
    return list(rows)


def is_live(status: str) -> bool:
    """Whether a job may still change (its page keeps refreshing)."""
    return JobStatus(status) not in TERMINAL


def histograms(counts_json: str) -> list[dict[str, Any]]:
    """Per circuit: the most frequent bitstrings and their counts, in bitstring order."""
    try:
        parsed = orjson.loads(counts_json)
    except orjson.JSONDecodeError:
        return []
    out = []
    for index, circuit in enumerate(parsed if isinstance(parsed, list) else []):
        counts = circuit.get("counts") if isinstance(circuit, dict) else None
        if not isinstance(counts, dict):
            continue  # not a counts table (another kind of job's results)
        top = sorted(counts.items(), key=lambda kv: -kv[1])[:HISTOGRAM_BARS]
        top.sort()
        out.append(
            {
                "index": index,
                "keys": circuit.get("measurement_keys", []),
                "labels": [k for k, _ in top],
                "values": [v for _, v in top],
                "shown": len(top),
                "distinct": len(counts),
            }
        )
    return out


def circuits(payload: str) -> list[dict[str, Any]]:
    """The job's circuits as name and instruction lines (long circuits are cut)."""
    try:
        request = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return []
    out = []
    for circuit in request.get("circuits", []):
        lines = []
        for ins in circuit.get("instructions", [])[:INSTRUCTIONS_SHOWN]:
            args = ", ".join(f"{k}={v}" for k, v in (ins.get("args") or {}).items())
            lines.append(
                f"{ins.get('name')} {' '.join(ins.get('locus', []))}"
                + (f" ({args})" if args else "")
            )
        total = len(circuit.get("instructions", []))
        out.append({"name": circuit.get("name", ""), "lines": lines, "total": total})
    return out


async def job_page(
    state: AppState, session: AsyncSession, p: Principal, job_id: str
) -> dict[str, Any]:
    """Everything a job's page shows.

    Raises:
        NotFound: no such job visible to the viewer.
    """
    job = await state.jobs.get(session, job_id, scope(p))
    data = await state.jobs.view(session, job)
    hist: list[dict[str, Any]] = []
    if job.status == JobStatus.COMPLETED.value:
        result = await JobRepository(session).result(job.id)
        if result is not None:
            hist = histograms(str(result.counts))
    return {
        "job": job,
        "data": data,
        "live": is_live(job.status),
        "histograms": hist,
        "circuits": circuits((await JobRepository(session).payload(job.id))[0]),
    }


async def queue_entries(session: AsyncSession, qc: str, limit: int = 100) -> list[Any]:
    """The shared queue of ``qc`` in order: running jobs, then waiting ones by arrival."""
    stmt = (
        select(
            JOBS.c.id,
            JOBS.c.owner,
            JOBS.c.status,
            JOBS.c.shots,
            JOBS.c.n_circuits,
            JOBS.c.created_at,
            JOBS.c.use_timeslot,
            JOBS.c.progress,
        )
        .where(JOBS.c.quantum_computer == qc, JOBS.c.status.in_(("waiting", "processing")))
        .order_by(JOBS.c.status, JOBS.c.seq)  # "processing" sorts before "waiting"
        .limit(limit)
    )
    return list((await session.execute(stmt)).all())
