"""Results read along with a finished job's view: served once, soon, and never after a
delete."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from qstation.server.jobs.view_cache import ResultsAlong


def test_a_result_is_served_once() -> None:
    along = ResultsAlong()
    along.put("job-1", "alice", "[1]", "{}")
    assert along.take("job-1") == ("alice", "[1]", "{}")
    assert along.take("job-1") is None


def test_a_result_kept_too_long_is_not_served() -> None:
    along = ResultsAlong(ttl_s=0.05)
    along.put("job-1", None, "[1]", "{}")
    time.sleep(0.1)
    assert along.take("job-1") is None


def test_a_deleted_job_s_result_is_dropped() -> None:
    along = ResultsAlong()
    along.put("job-1", "alice", "[1]", "{}")
    along.forget("job-1")
    assert along.take("job-1") is None


def test_the_oldest_results_make_room() -> None:
    along = ResultsAlong(size=2)
    for n in range(3):
        along.put(f"job-{n}", None, f"[{n}]", "{}")
    assert along.take("job-0") is None
    assert along.take("job-2") == (None, "[2]", "{}")


def test_only_the_job_s_owner_is_served_a_result_that_came_along() -> None:
    asyncio.run(_only_the_owner())


async def _only_the_owner() -> None:
    from types import SimpleNamespace
    from uuid import uuid4

    from qstation.server.jobs import light
    from qstation.store.light_reads import LightReads

    job_id = str(uuid4())
    jobs: Any = SimpleNamespace(results_along=ResultsAlong())
    reads = LightReads()  # looks nothing up: what is not kept takes the full path
    jobs.results_along.put(job_id, "alice", "[1]", '{"11": 1}')
    assert await light.artifact(jobs, reads, job_id, "bob", "measurements") is None
    for owner, kind, text in (("alice", "measurement_counts", '{"11": 1}'),
                              (None, "measurements", "[1]")):  # None: an admin
        jobs.results_along.put(job_id, "alice", "[1]", '{"11": 1}')
        assert await light.artifact(jobs, reads, job_id, owner, kind) == text
