"""Exceptions of :mod:`qstation.qaas`, all rooted at :class:`QaasError`::

QaasError
├── APIError (status_code, detail): the server answered with an error
│   ├── AuthenticationError (401): bad credentials, or a session that ended
│   ├── PermissionDenied (403): the role does not allow it
│   ├── NotFound (404): no such job, device, runcard, calibration or user
│   ├── Conflict (409): e.g. a device in maintenance, a job already finished
│   └── InvalidRequest (422): e.g. a circuit the device cannot run
├── TransportError: the server could not be reached or did not answer in time
├── JobFailed: a job ended in error (``job_id``, ``detail``)
│   └── UnsupportedJobType: a job kind no device runs (stored, never run)
├── JobCancelled: the job was cancelled, so it has no result
└── JobTimeoutError (also a TimeoutError): jobs did not finish in time
"""

from __future__ import annotations


class QaasError(Exception):
    """Root of every error raised by :mod:`qstation.qaas`."""


class APIError(QaasError):
    """The server answered with an error status.

    Attributes:
        status_code: the HTTP status.
        detail: the server's explanation.
    """

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(f"{status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail


class AuthenticationError(APIError):
    """Login failed, or the session can no longer be refreshed (401)."""


class PermissionDenied(APIError):
    """The caller's role does not allow the operation (403)."""


class NotFound(APIError):
    """The job, device, runcard, calibration or user does not exist (404)."""


class Conflict(APIError):
    """The resource is in a state that forbids the operation (409)."""


class InvalidRequest(APIError):
    """The server understood the request but cannot act on it (422)."""


class TransportError(QaasError):
    """The server could not be reached, or did not answer in time."""


class JobFailed(QaasError):
    """A job ended in error.

    Attributes:
        job_id: the job.
        detail: why it failed, as the server reports it.
    """

    def __init__(self, job_id: int, detail: str) -> None:
        super().__init__(f"job {job_id} failed: {detail}")
        self.job_id = job_id
        self.detail = detail


class UnsupportedJobType(JobFailed):
    """A job of a kind that no device runs yet: the server stored it and ended it."""


class JobCancelled(QaasError):
    """The job was cancelled; it has no result."""

    def __init__(self, job_id: int) -> None:
        super().__init__(f"job {job_id} was cancelled")
        self.job_id = job_id


class JobTimeoutError(QaasError, TimeoutError):
    """Jobs did not finish before the deadline (they keep running on the server)."""


_BY_STATUS: dict[int, type[APIError]] = {
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    422: InvalidRequest,
}


def error_for(status_code: int, detail: str) -> APIError:
    """The exception for an error answer."""
    return _BY_STATUS.get(status_code, APIError)(status_code, detail)
