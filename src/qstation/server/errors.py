"""The server's one error tree. Services raise these; one handler renders them.

Each error carries its HTTP status and IQM ``error_code``; the body is the IQM error object
(``message``, ``error_code``, ``source``), which IQM clients map to their exceptions.
"""

from __future__ import annotations


class DomainError(Exception):
    """Root of every error the API reports to clients."""

    status_code = 500
    error_code = "INTERNAL_ERROR"

    def __init__(self, message: str, *, error_code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if error_code is not None:
            self.error_code = error_code


class BadRequest(DomainError):
    """The request is malformed or breaks a rule (400)."""

    status_code = 400
    error_code = "BAD_REQUEST"


class Unauthorized(DomainError):
    """Missing or invalid credentials (401)."""

    status_code = 401
    error_code = "UNAUTHORIZED"


class Forbidden(DomainError):
    """Authenticated, but not allowed (403)."""

    status_code = 403
    error_code = "FORBIDDEN"


class NotFound(DomainError):
    """The resource does not exist, or is not visible to the caller (404)."""

    status_code = 404
    error_code = "NOT_FOUND"


class Conflict(DomainError):
    """The resource is in a state that forbids this (409)."""

    status_code = 409
    error_code = "CONFLICT"


class PayloadTooLarge(DomainError):
    """The body is over the size limit (413)."""

    status_code = 413
    error_code = "PAYLOAD_TOO_LARGE"


class NotImplementedOnTwin(DomainError):
    """A feature of real hardware that the simulated quantum computer does not offer (501)."""

    status_code = 501
    error_code = "NOT_IMPLEMENTED"


class Unavailable(DomainError):
    """The service cannot answer now, e.g. the database is down (503)."""

    status_code = 503
    error_code = "SERVICE_UNAVAILABLE"
