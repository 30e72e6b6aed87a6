"""The SDK's one exception tree; every error it raises is a :class:`QStationError`.

::

    QStationError
    ├── ClientConfigurationError      bad URL, quantum computer or auth settings (also ValueError)
    ├── ClientAuthenticationError     local credentials unusable: tokens file expired/unreadable
    ├── CircuitValidationError        a circuit rejected before sending (also ValueError)
    ├── TransportError                no HTTP response: refused, reset, DNS (ConnectionError)
    │   └── RequestTimeoutError       no response within the request timeout (also TimeoutError)
    ├── APIError                      the server answered non-2xx; .status_code .error_code .source
    │   ├── InvalidRequestError       400 / 422: malformed request or a circuit the device rejects
    │   ├── UnauthorizedError         401: missing, wrong, expired or revoked credentials
    │   ├── ForbiddenError            403: authenticated but not allowed (e.g. admin only)
    │   ├── NotFoundError             404: unknown job, quantum computer or calibration set
    │   ├── ConflictError             409: the resource's state forbids the change
    │   ├── PayloadTooLargeError      413
    │   ├── RateLimitedError          429: .retry_after seconds, when the server says
    │   └── ServerError               5xx
    │       ├── NotSupportedByServerError   501: e.g. pulse-level operations on a twin
    │       ├── ServiceUnavailableError     502 / 503
    │       └── GatewayTimeoutError         504
    └── JobError                      about one job; .job_id
        ├── JobFailedError            the job failed; .message .error_code .errors from the server
        ├── JobCancelledError         the job was cancelled before it produced results
        └── JobTimeoutError           waiting ran out of time (also TimeoutError)

Lower-level exceptions (``httpx``, ``json``) are always chained with ``raise ... from err``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from qstation.schemas.iqm_v1 import ErrorBody


class QStationError(Exception):
    """Root of every error the qstation SDK raises."""


class ClientConfigurationError(QStationError, ValueError):
    """The client is configured wrongly (URL, quantum computer or authentication)."""


class ClientAuthenticationError(QStationError):
    """The locally held credentials cannot be used (expired or unreadable tokens file)."""


class CircuitValidationError(QStationError, ValueError):
    """A circuit was rejected by the client before it was sent."""


class TransportError(QStationError, ConnectionError):
    """The request got no HTTP response (connection refused or dropped, DNS failure)."""


class RequestTimeoutError(TransportError, TimeoutError):
    """The server did not answer within the request timeout."""


class APIError(QStationError):
    """The server answered with a non-2xx status.

    Attributes:
        status_code: the HTTP status.
        message: the server's explanation.
        error_code: the server's machine-readable code (e.g. ``JOB_NOT_FOUND``), if any.
        source: which service produced the error (``iqm-server`` for qstation).
    """

    def __init__(
        self, message: str, *, status_code: int, error_code: str | None = None,
        source: str = "iqm-server",
    ) -> None:
        super().__init__(f"{message} (HTTP {status_code}{f', {error_code}' if error_code else ''})")
        self.message = message
        self.status_code = status_code
        self.error_code = error_code
        self.source = source


class InvalidRequestError(APIError):
    """400 or 422: the request is malformed or breaks a rule of the quantum computer."""


class UnauthorizedError(APIError):
    """401: credentials are missing, wrong, expired or revoked."""


class ForbiddenError(APIError):
    """403: the caller may not do this."""


class NotFoundError(APIError):
    """404: the job, quantum computer or calibration set does not exist (for this caller)."""


class ConflictError(APIError):
    """409: the resource's current state forbids the change."""


class PayloadTooLargeError(APIError):
    """413: the request body is over the server's limit."""


class RateLimitedError(APIError):
    """429: too many requests; ``retry_after`` is the server's advice in seconds, if any."""

    retry_after: float | None = None


class ServerError(APIError):
    """5xx: the server failed."""


class NotSupportedByServerError(ServerError):
    """501: the server does not offer this operation (e.g. pulse-level jobs on a twin)."""


class ServiceUnavailableError(ServerError):
    """502 or 503: the server or a gateway in front of it cannot answer now."""


class GatewayTimeoutError(ServerError):
    """504: a gateway timed out waiting for the server."""


class JobError(QStationError):
    """An error about one job.

    Attributes:
        job_id: the job's id.
    """

    def __init__(self, message: str, *, job_id: str) -> None:
        super().__init__(message)
        self.job_id = job_id


class JobFailedError(JobError):
    """The job failed on the server.

    Attributes:
        message: the server's first error message.
        error_code: the server's error code (e.g. ``CIRCUIT_VALIDATION_FAILED``).
        errors: every error the server recorded for the job.
    """

    def __init__(self, job_id: str, errors: list[ErrorBody]) -> None:
        first = errors[0] if errors else ErrorBody(message="the job failed without a message")
        code = f" [{first.error_code}]" if first.error_code else ""
        super().__init__(f"job {job_id} failed{code}: {first.message}", job_id=job_id)
        self.message = first.message
        self.error_code = first.error_code
        self.errors = errors


class JobCancelledError(JobError):
    """The job was cancelled, so it has no results."""


class JobTimeoutError(JobError, TimeoutError):
    """The job did not finish within the time the caller was willing to wait."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: InvalidRequestError, 401: UnauthorizedError, 403: ForbiddenError, 404: NotFoundError,
    409: ConflictError, 413: PayloadTooLargeError, 422: InvalidRequestError,
    429: RateLimitedError, 501: NotSupportedByServerError, 502: ServiceUnavailableError,
    503: ServiceUnavailableError, 504: GatewayTimeoutError,
}


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The ``Retry-After`` header in seconds (the delay-seconds form only), if present."""
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def error_from_response(response: httpx.Response) -> APIError:
    """The exception for a non-2xx response, carrying the server's error body if it sent one."""
    status = response.status_code
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIError)
    body = _error_body(response)
    message = body.message if body else (response.text.strip() or response.reason_phrase)
    err = cls(message, status_code=status, error_code=body.error_code if body else None,
              source=body.source if body else "iqm-server")
    if isinstance(err, RateLimitedError):
        err.retry_after = retry_after_seconds(response)
    return err


def _error_body(response: httpx.Response) -> ErrorBody | None:
    try:
        data: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(data, dict) and ("message" in data or "detail" in data):
        if not isinstance(data.get("message", data.get("detail")), str):
            return None  # e.g. FastAPI's list-valued "detail"
        return ErrorBody.model_validate(data)
    return None
