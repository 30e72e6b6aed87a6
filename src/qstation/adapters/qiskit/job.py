"""Qiskit jobs (:class:`IQMJob`) backed by qstation SDK job handles.

Exceptions (all Qiskit :class:`~qiskit.providers.JobError`)::

    IQMJobError
    ├── IQMJobFailedError      the server failed the job; carries its message and error code
    ├── IQMJobCancelledError   the job was cancelled before it produced results
    └── IQMJobTimeoutError     waiting ran out of time (also Qiskit's JobTimeoutError)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qiskit.providers import JobError, JobStatus, JobTimeoutError, JobV1
from qiskit.result import Result

from qstation import heap
from qstation.adapters.qiskit._result import (
    Experiment,
    experiments_from_request,
    to_qiskit_result,
)
from qstation.client import Job, JobCancelledError, JobFailedError
from qstation.client import JobStatus as ServerStatus
from qstation.client import JobTimeoutError as ClientTimeoutError

if TYPE_CHECKING:
    from qstation.adapters.qiskit.backend import IQMBackendBase
    from qstation.client import RunResult

#: The one mapping from server job states to Qiskit's.
_STATUS_MAP: dict[ServerStatus, JobStatus] = {
    ServerStatus.WAITING: JobStatus.QUEUED,
    ServerStatus.PROCESSING: JobStatus.RUNNING,
    ServerStatus.COMPLETED: JobStatus.DONE,
    ServerStatus.FAILED: JobStatus.ERROR,
    ServerStatus.CANCELLED: JobStatus.CANCELLED,
}


class IQMJobError(JobError):  # type: ignore[misc]
    """Root of the errors of :class:`IQMJob`."""


class IQMJobFailedError(IQMJobError):
    """The server failed the job.

    Attributes:
        message: the server's message.
        error_code: the server's error code, if any.
    """

    def __init__(self, message: str, error_code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code


class IQMJobCancelledError(IQMJobError):
    """The job was cancelled, so it has no results."""


class IQMJobTimeoutError(IQMJobError, JobTimeoutError):  # type: ignore[misc]
    """The job did not finish in the time allowed."""


class IQMJob(JobV1):  # type: ignore[misc]
    """A job of circuits on a qstation quantum computer (remote or local).

    Created by :meth:`IQMBackend.run` (already submitted) or :meth:`IQMBackend.retrieve_job`.

    Args:
        backend: the backend the job runs on.
        job_id: the job id (empty until submitted).
        job: the SDK job handle, once submitted.
        submitter: what :meth:`submit` calls to send the job.
        experiments: the circuits' register layouts (default: read from the job's payload).
        timeout_seconds: default timeout of :meth:`result`.
    """

    def __init__(
        self, backend: IQMBackendBase, job_id: str = "", *, job: Job | None = None,
        submitter: Callable[[], Job] | None = None, experiments: list[Experiment] | None = None,
        timeout_seconds: float | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(backend, job_id or (str(job.job_id) if job else ""), **kwargs)
        self._job = job
        self._submitter = submitter
        self._experiments = experiments
        self._timeout = timeout_seconds
        self._result: Result | None = None
        self._position: int | None = None

    @property
    def handle(self) -> Job:
        """The SDK job handle.

        Raises:
            IQMJobError: the job has not been submitted.
        """
        if self._job is None:
            raise IQMJobError("the job has not been submitted")
        return self._job

    def submit(self) -> None:
        """Send the job's circuits to the quantum computer.

        Raises:
            IQMJobError: the job was submitted already.
        """
        if self._job is not None or self._submitter is None:
            raise IQMJobError(f"job {self.job_id() or '?'} has been submitted already")
        self._job = self._submitter()
        self._job_id: str = str(self._job.job_id)

    def status(self) -> JobStatus:
        """The job's status, from the server unless it is final already."""
        if self._result is not None:
            return JobStatus.DONE
        return _STATUS_MAP[self.handle.status()]

    def cancel(self) -> bool:
        """Ask for the job to be cancelled.

        Returns:
            True: the request was accepted (a job already finished keeps its status).
        """
        self.handle.cancel()
        return True

    def queue_position(self, refresh: bool = False) -> int | None:
        """Jobs ahead of this one in the quantum computer's queue.

        Args:
            refresh: ask the server (otherwise the last known position, fetched once).

        Returns:
            The position while the job waits; None once it runs or has finished.
        """
        if refresh or self._position is None:
            self._position = self.handle.queue_position
        return self._position

    def error_message(self) -> str | None:
        """The server's message if the job failed, otherwise None."""
        if self.handle.status() is not ServerStatus.FAILED:
            return None
        try:
            self.handle.result(timeout=0)
        except JobFailedError as err:
            return err.message
        return None

    def result(
        self, timeout: float | None = None, cancel_after_timeout: bool = False
    ) -> Result:
        """Wait for the job and return its results.

        Args:
            timeout: seconds to wait at most (default: the backend's ``timeout_seconds``).
            cancel_after_timeout: cancel the job if it does not finish in time.

        Raises:
            IQMJobFailedError: the job failed (with the server's message).
            IQMJobCancelledError: the job was cancelled.
            IQMJobTimeoutError: not finished within ``timeout``.
        """
        if self._result is None:
            self._result = self._fetch(self._timeout if timeout is None else timeout,
                                       cancel_after_timeout)
        return self._result

    def _fetch(self, timeout: float | None, cancel_after_timeout: bool) -> Result:
        job = self.handle
        try:
            job.wait(timeout)
            # The shots are tens of thousands of lists, garbage only once converted: the
            # collector stays off from their download until they are dropped (qstation.heap).
            with heap.paused():
                return self._converted(job.result(timeout=0))
        except ClientTimeoutError as err:
            if cancel_after_timeout:
                job.cancel()
            raise IQMJobTimeoutError(f"job {job.job_id} did not finish in {timeout} s") from err
        except JobFailedError as err:
            raise IQMJobFailedError(err.message, err.error_code) from err
        except JobCancelledError as err:
            raise IQMJobCancelledError(str(err)) from err

    def _converted(self, run: RunResult) -> Result:
        experiments = self._experiments
        if experiments is None:
            request = run.metadata.request or self._backend._payload(self.handle)
            experiments = experiments_from_request(request)
        backend = self._backend
        return to_qiskit_result(
            run, experiments, backend_name=backend.name,
            backend_version=str(backend.backend_version),
            calibration_set_id=backend.architecture.calibration_set_id,
        )
