"""How QaaS routes report errors: one body shape, and statuses that do not replay requests.

Every route of the QaaS API lives under :data:`PREFIX`; the app's single error handler asks
:func:`is_qaas_path` and renders :func:`qaas_error_response` for those paths. QaaS clients
refresh their token and *re-send the request* on a 400, so a 400 raised by shared code (e.g.
the IQM circuit validator) is answered as 422 here.
"""

from __future__ import annotations

from fastapi.responses import JSONResponse

from qstation.schemas.qaas_v1 import ErrorBody
from qstation.server.errors import DomainError

#: Where the QaaS API is mounted: clients use ``QUANTUM_SERVICE_URL=http://HOST:PORT/qaas``.
PREFIX = "/qaas"


class Unprocessable(DomainError):
    """A well-formed request the server cannot act on (422)."""

    status_code = 422
    error_code = "UNPROCESSABLE"


def is_qaas_path(path: str) -> bool:
    """Whether a request path belongs to the QaaS API."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def qaas_error_response(status: int, message: str) -> JSONResponse:
    """A QaaS error body (``title``, ``status``, ``detail``) with the right status."""
    if status == 400:
        status = 422
    return JSONResponse(ErrorBody.of(status, message).model_dump(), status_code=status)


def job_not_found(job_id: int) -> str:
    """The message clients turn into their "does not exist" exception."""
    return f"Requested job with 'job_id': {job_id}, does not exist."


def device_not_found(device_id: int) -> str:
    """The "does not exist" message of a missing device."""
    return f"Device {device_id} does not exist"
