"""Waiting for a job to finish: long-poll the server when it can, poll politely otherwise."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from uuid import UUID

from qstation.client._api_jobs import JobsAPI
from qstation.client._config import poll_interval as default_interval
from qstation.client._errors import JobTimeoutError
from qstation.schemas.iqm_v1 import TERMINAL, JobData

#: Longest single long-poll; the loop simply asks again, which also survives proxies that
#: cut idle connections.
LONG_POLL_S = 30.0


def wait_for_job(
    server: JobsAPI,
    job_id: str | UUID,
    *,
    timeout: float | None,
    poll_interval: float | None = None,
    last: JobData | None = None,
    on_update: Callable[[JobData], None] | None = None,
) -> JobData:
    """Block until the job is terminal and return its data.

    Uses the server's long-poll endpoint when it has one (detected once per client), so a
    change is seen at once without repeated requests; otherwise polls every
    ``poll_interval`` seconds (default ``IQM_CLIENT_SECONDS_BETWEEN_CALLS`` or 1).

    Args:
        server: the REST client.
        job_id: the job.
        timeout: seconds to wait at most (None: no limit).
        poll_interval: seconds between polls when long-polling is unavailable.
        last: the job's data as last seen, to skip the first request.
        on_update: called with every new view of the job (for progress displays).

    Raises:
        JobTimeoutError: the job was not terminal within ``timeout``.
    """
    interval = default_interval(poll_interval)
    deadline = math.inf if timeout is None else time.monotonic() + timeout
    data = last or server.get_job(job_id)
    if on_update is not None:
        on_update(data)
    while data.status not in TERMINAL:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise JobTimeoutError(
                f"job {job_id} is still {data.status.value} after {timeout} s", job_id=str(job_id)
            )
        # Without a progress display only the end matters: one long-poll, not one per step.
        known = data.status if on_update is not None else None
        changed = server.wait_for_job_change(job_id, known, min(remaining, LONG_POLL_S))
        if changed is None:
            time.sleep(min(interval, remaining))
            changed = server.get_job(job_id)
        data = changed
        if on_update is not None:
            on_update(data)
    return data
