"""The qstation Python SDK: run circuits on a qstation (or IQM Server API v1) server.

Layers, from the wire up:

* :class:`IQMServerClient`: one method per REST operation, returning wire models;
* :class:`IQMClient`: circuits in, job ids or :class:`Job` handles and results out;
* :class:`Job`: ``status()``, ``wait()``, ``result()``, ``cancel()``, ``queue_position``,
  implemented for server jobs (:class:`RemoteJob`) and in-process ones
  (:class:`LocalDevice` → :class:`LocalJob`).

Errors form one tree rooted at :class:`QStationError` (drawn in ``qstation.client._errors``).
"""

from qstation.client._auth import (
    PasswordSessionAuth,
    RefreshingAuth,
    StaticTokenAuth,
    TokensFileAuth,
)
from qstation.client._errors import (
    APIError,
    CircuitValidationError,
    ClientAuthenticationError,
    ClientConfigurationError,
    ConflictError,
    ForbiddenError,
    GatewayTimeoutError,
    InvalidRequestError,
    JobCancelledError,
    JobError,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
    NotSupportedByServerError,
    PayloadTooLargeError,
    QStationError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    ServiceUnavailableError,
    TransportError,
    UnauthorizedError,
)
from qstation.client._iqm_client import DEFAULT_TIMEOUT_SECONDS, IQMClient
from qstation.client._jobs import Job, RemoteJob
from qstation.client._server_client import IQMServerClient
from qstation.client._transport import RetryPolicy
from qstation.client.local import LocalDevice, LocalJob
from qstation.client.models import (
    Circuit,
    CircuitMeasurements,
    Instruction,
    QuantumArchitectureSpecification,
    RunMetadata,
    RunResult,
)
from qstation.schemas.iqm_v1 import JobStatus, MeasurementCounts

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "APIError",
    "Circuit",
    "CircuitMeasurements",
    "CircuitValidationError",
    "ClientAuthenticationError",
    "ClientConfigurationError",
    "ConflictError",
    "ForbiddenError",
    "GatewayTimeoutError",
    "IQMClient",
    "IQMServerClient",
    "Instruction",
    "InvalidRequestError",
    "Job",
    "JobCancelledError",
    "JobError",
    "JobFailedError",
    "JobStatus",
    "JobTimeoutError",
    "LocalDevice",
    "LocalJob",
    "MeasurementCounts",
    "NotFoundError",
    "NotSupportedByServerError",
    "PasswordSessionAuth",
    "PayloadTooLargeError",
    "QStationError",
    "QuantumArchitectureSpecification",
    "RateLimitedError",
    "RefreshingAuth",
    "RemoteJob",
    "RequestTimeoutError",
    "RetryPolicy",
    "RunMetadata",
    "RunResult",
    "ServerError",
    "ServiceUnavailableError",
    "StaticTokenAuth",
    "TokensFileAuth",
    "TransportError",
    "UnauthorizedError",
]
