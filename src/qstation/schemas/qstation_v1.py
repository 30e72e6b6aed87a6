"""Wire models of qstation's own endpoints under ``/qstation/v1`` (auth, users, job lists).

They sit beside the vendor protocols and never change those shapes. The token endpoint
follows the OAuth 2.0 token response (RFC 6749 §5.1) so generic tools can read it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from qstation.schemas.iqm_v1.jobs import JobStatus

#: Usernames are plain ASCII without ``>``, ``?`` and ``~``, so the JWTs that carry them
#: never contain ``-`` or ``_`` in their payload segment (see the IQM tokens-file pitfall):
#: in base64 only a byte whose low six bits are 62 or 63 (``>``, ``?``, ``~``, DEL among
#: ASCII) can encode to those two, so ``-`` and ``_`` themselves are safe in a name.
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@+=-]{0,63}$"
#: :data:`USERNAME_PATTERN` in words, for error messages.
USERNAME_RULE = (
    "1 to 64 characters: letters, digits and . _ - @ + =, starting with a letter "
    "or digit (e-mail addresses work)"
)


class TokenRequest(BaseModel):
    """A token grant: ``password`` (log in) or ``refresh_token`` (keep a session fresh)."""

    model_config = ConfigDict(extra="ignore")

    grant_type: Literal["password", "refresh_token"]
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None


class TokenResponse(BaseModel):
    """Tokens issued by the token endpoint; lifetimes are in seconds."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str | None = None
    refresh_expires_in: int | None = None
    session_id: str | None = None


class RevokeRequest(BaseModel):
    """Revoke a session or API token, given the token itself or its id."""

    token: str | None = None
    token_id: str | None = None


class WhoAmI(BaseModel):
    """The caller as the server sees it."""

    username: str | None
    is_admin: bool
    auth_enabled: bool
    token_id: str | None = None
    expires_at: datetime | None = None


#: The longest lifetime an API token may be given (ten years, in seconds).
MAX_TOKEN_LIFETIME = 10 * 365 * 24 * 3600


class UserCreate(BaseModel):
    """A new user (admin only)."""

    username: str = Field(pattern=USERNAME_PATTERN, description=USERNAME_RULE)
    password: str = Field(min_length=8, max_length=1024)
    is_admin: bool = Field(default=False, strict=True)


class UserRead(BaseModel):
    """A user, without credentials."""

    username: str
    is_admin: bool
    created_at: datetime


class ApiTokenCreate(BaseModel):
    """A long-lived API token; ``username`` defaults to the caller (another user: admin only)."""

    username: str | None = None
    label: str = Field(default="", max_length=128)
    #: Seconds; at most ten years, so the expiry is always a representable date.
    expires_in: int | None = Field(default=None, gt=0, le=MAX_TOKEN_LIFETIME, strict=True)


class ApiTokenRead(BaseModel):
    """A session or API token, without its secret."""

    id: str
    username: str
    kind: Literal["session", "api"]
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked: bool


class ApiTokenIssued(ApiTokenRead):
    """A freshly created API token; ``token`` is shown only this once."""

    token: str


class JobSummary(BaseModel):
    """One row of the job list."""

    id: UUID
    status: JobStatus
    quantum_computer: str
    owner: str | None = None
    shots: int
    n_circuits: int
    created_at: datetime
    finished_at: datetime | None = None


class JobPage(BaseModel):
    """A page of jobs, newest first; pass ``next_cursor`` back as ``cursor`` for the next."""

    items: list[JobSummary]
    next_cursor: str | None = None
