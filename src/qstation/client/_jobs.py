"""Job handles: one interface for jobs on a server (:class:`RemoteJob`) and in process."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from qstation.client._errors import JobCancelledError, JobFailedError
from qstation.client._waiting import wait_for_job
from qstation.client.models import RunMetadata, RunResult
from qstation.schemas.iqm_v1 import (
    TERMINAL,
    CircuitJobRequest,
    JobData,
    JobStatus,
    MeasurementCounts,
)

if TYPE_CHECKING:
    from qstation.client._server_client import IQMServerClient


class Job(ABC):
    """A submitted job: follow it, wait for it, get its results, or cancel it."""

    @property
    @abstractmethod
    def job_id(self) -> UUID:
        """The job's id."""

    @abstractmethod
    def status(self) -> JobStatus:
        """The job's current status (no request once it is terminal)."""

    @property
    @abstractmethod
    def queue_position(self) -> int | None:
        """Jobs ahead of this one while it waits; None once it runs or has finished."""

    @abstractmethod
    def wait(self, timeout: float | None = None, poll_interval: float | None = None) -> JobStatus:
        """Block until the job is terminal.

        Args:
            timeout: seconds to wait at most (None: no limit).
            poll_interval: seconds between polls, where the server cannot long-poll.

        Returns:
            The terminal status.

        Raises:
            JobTimeoutError: still not terminal after ``timeout`` seconds.
        """

    @abstractmethod
    def result(self, timeout: float | None = None) -> RunResult:
        """Wait for the job and return its results.

        Raises:
            JobFailedError: the job failed (with the server's message and error code).
            JobCancelledError: the job was cancelled.
            JobTimeoutError: still not terminal after ``timeout`` seconds.
        """

    @abstractmethod
    def cancel(self) -> None:
        """Ask for the job to be cancelled (no effect once it is terminal)."""

    def counts(self, timeout: float | None = None) -> list[MeasurementCounts]:
        """Bitstring counts of each circuit (waits for the job).

        Raises:
            JobFailedError, JobCancelledError, JobTimeoutError: as :meth:`result`.
        """
        return self.result(timeout).counts()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.job_id}>"


def finished_result(
    data: JobData, measurements: Callable[[], list[dict[str, list[list[int]]]]],
    request: CircuitJobRequest | None,
) -> RunResult:
    """The result of a terminal job, raising for failed and cancelled ones."""
    if data.status is JobStatus.FAILED:
        raise JobFailedError(str(data.id), data.errors)
    if data.status is JobStatus.CANCELLED:
        raise JobCancelledError(f"job {data.id} was cancelled", job_id=str(data.id))
    return run_result(data, measurements(), request)


def run_result(
    data: JobData, measurements: list[dict[str, list[list[int]]]] | None,
    request: CircuitJobRequest | None,
) -> RunResult:
    """A :class:`RunResult` from a job's data and (if completed) its measurements."""
    cal = data.compilation.calibration_set_id if data.compilation else None
    # Built without validation: every part was validated as it was read (the job's data,
    # the measurements), and validating the measurements again would copy every shot.
    return RunResult.model_construct(
        job_id=data.id, status=data.status, measurements=measurements,
        metadata=RunMetadata(request=request, calibration_set_id=cal, timeline=data.timeline),
        errors=data.errors, messages=data.messages,
    )


class RemoteJob(Job):
    """A job on a qstation (or IQM) server."""

    def __init__(
        self, server: IQMServerClient, job_id: UUID | str, *, data: JobData | None = None,
        request: CircuitJobRequest | None = None,
    ) -> None:
        self._server = server
        self._id = UUID(str(job_id))
        self._data = data
        self._request = request

    @property
    def job_id(self) -> UUID:
        return self._id

    @property
    def data(self) -> JobData:
        """The job's data as last fetched (fetched now if never)."""
        if self._data is None:
            self._data = self._server.get_job(self._id)
        return self._data

    def refresh(self) -> JobData:
        """Fetch the job's data now (unless it is terminal already)."""
        if self._data is None or self._data.status not in TERMINAL:
            self._data = self._server.get_job(self._id)
        return self._data

    def status(self) -> JobStatus:
        return self.refresh().status

    @property
    def queue_position(self) -> int | None:
        return self.refresh().queue_position

    def wait(
        self, timeout: float | None = None, poll_interval: float | None = None, *,
        on_update: Callable[[JobData], None] | None = None,
    ) -> JobStatus:
        """Block until the job is terminal (see :meth:`Job.wait`).

        Args:
            timeout: seconds to wait at most (None: no limit).
            poll_interval: seconds between polls, where the server cannot long-poll.
            on_update: called with each new view of the job (e.g. a progress display).
        """
        self._data = wait_for_job(self._server, self._id, timeout=timeout,
                                  poll_interval=poll_interval, last=self._data,
                                  on_update=on_update)
        return self._data.status

    def result(self, timeout: float | None = None) -> RunResult:
        self.wait(timeout)
        assert self._data is not None
        return finished_result(
            self._data, lambda: self._server.get_job_artifact_measurements(self._id),
            self._request,
        )

    def cancel(self) -> None:
        self._server.cancel_job(self._id)
        self._data = None
