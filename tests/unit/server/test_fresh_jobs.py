"""The jobs a process has just stored and not yet heard to end (long-polls skip a look)."""

from __future__ import annotations

from qstation.queue.notify import CANCEL, DONE
from qstation.server.jobs.view_cache import FreshJobs


def _fresh(size: int = 8) -> FreshJobs:
    fresh = FreshJobs(size)
    fresh.enabled = True
    return fresh


def test_a_stored_job_is_unfinished_for_its_owner_and_for_admins_only() -> None:
    fresh = _fresh()
    fresh.add("job-1", "alice")
    assert fresh.unfinished("job-1", "alice")
    assert fresh.unfinished("job-1", None)  # an admin, or no authentication: every job
    assert not fresh.unfinished("job-1", "bob")  # bob's long-poll looks, and is refused
    assert not fresh.unfinished("job-2", "alice")


def test_its_end_is_heard_from_done_notifications_only() -> None:
    fresh = _fresh()
    fresh.add("job-1", None)
    fresh.ended(CANCEL, "job-1")  # asked to stop: not ended yet
    assert fresh.unfinished("job-1", None)
    fresh.ended(DONE, "job-1")
    assert not fresh.unfinished("job-1", None)


def test_it_keeps_the_newest_jobs_and_nothing_while_disabled() -> None:
    fresh = _fresh(size=2)
    for job in ("a", "b", "c"):
        fresh.add(job, None)
    assert [fresh.unfinished(j, None) for j in ("a", "b", "c")] == [False, True, True]
    off = FreshJobs()  # notifications are not delivered: every long-poll looks
    off.add("a", None)
    assert not off.unfinished("a", None)
