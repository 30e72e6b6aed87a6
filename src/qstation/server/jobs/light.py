"""Answers to the hottest reads from one light lookup, where the plain case allows it.

Each function returns None whenever the answer needs more than the light lookup (no such
job, another owner's, not finished, nothing kept): the caller then takes the full path,
which gives the same answer, or raises the usual error.
"""

from __future__ import annotations

import orjson

from qstation.schemas.iqm_v1 import TERMINAL, JobStatus
from qstation.server.errors import NotFound
from qstation.server.jobs.service import JobService, canonical_job_id
from qstation.store.light_reads import JobHead, JobView, LightReads

ARTIFACT_KINDS = ("measurements", "measurement_counts")


def _canonical(job_id: str) -> str | None:
    try:
        return canonical_job_id(job_id)
    except NotFound:
        return None


def _visible(row_owner: str | None, owner: str | None) -> bool:
    return owner is None or row_owner == owner


async def head(reads: LightReads | None, job_id: str, owner: str | None) -> JobHead | None:
    """Status of a job ``owner`` may see (None: every job); None to take the full path."""
    canonical = _canonical(job_id)
    if canonical is None or reads is None:
        return None
    row = await reads.job_head(canonical)
    return row if row is not None and _visible(row.owner, owner) else None


async def kept_view(
    jobs: JobService, reads: LightReads | None, job_id: str, owner: str | None
) -> str | None:
    """The kept view of a finished job ``owner`` may see, after checking it is still there."""
    canonical = _canonical(job_id)
    if canonical is None or reads is None or (text := jobs.views.get(canonical)) is None:
        return None
    row = await reads.job_head(canonical)
    return text if row is not None and _visible(row.owner, owner) else None


async def finished_view(
    jobs: JobService, reads: LightReads | None, job_id: str, owner: str | None
) -> str | None:
    """The view of a finished circuit job ``owner`` may see: the kept one, or one built from
    two light lookups (and kept)."""
    if (kept := await kept_view(jobs, reads, job_id, owner)) is not None:
        return kept
    canonical = _canonical(job_id)
    if canonical is None or reads is None:
        return None
    found = await reads.job_view(canonical)
    if found is None:
        return None
    job, events = found
    if not _visible(job.owner, owner) or JobStatus(job.status) not in TERMINAL:
        return None
    if job.type == "run":
        return None  # a run job's artifacts depend on its result: the full path reads it
    return jobs.finished_view_json(job, events)


def told_view(jobs: JobService, job_id: str, owner: str | None) -> str | None:
    """The view of a finished circuit job ``owner`` may see, from the view its end
    notification told (see :class:`~qstation.server.jobs.view_cache.ToldViews`), with its
    result kept for the read that follows where that came along too."""
    canonical = _canonical(job_id)
    told = None if canonical is None else jobs.told.take(canonical)
    if canonical is None or told is None:
        return None
    (job_owner, _, kind, status, cal_id, created, started, finished, messages, errors,
     earlier, added, measurements, counts) = orjson.loads(told)
    if not _visible(job_owner, owner) or kind == "run" or JobStatus(status) not in TERMINAL:
        return None
    job = JobView(job_owner, canonical, kind, status, cal_id, created, started, finished,
                  messages, errors)
    events = [(float(ts), source, mark) for ts, source, mark in [*(earlier or ()),
                                                                 *(added or ())]]
    if measurements:
        jobs.results_along.put(canonical, job_owner, measurements, counts)
    return jobs.finished_view_json(job, events)


async def artifact(
    jobs: JobService, reads: LightReads | None, job_id: str, owner: str | None, kind: str
) -> str | None:
    """A completed job's ``measurements`` or ``measurement_counts`` text."""
    canonical = _canonical(job_id)
    if canonical is None or reads is None or kind not in ARTIFACT_KINDS:
        return None
    along = jobs.results_along.take(canonical)
    if along is not None and _visible(along[0], owner):
        return along[1] if kind == "measurements" else along[2]
    row = await reads.stored_result(canonical)
    if row is None or not _visible(row.owner, owner) or row.status != "completed":
        return None
    if not row.measurements:
        return None
    return row.measurements if kind == "measurements" else row.counts
