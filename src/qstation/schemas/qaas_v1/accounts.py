"""qstation's own account routes for the QaaS API (under ``/qstation/v1/qaas``): API keys and
roles. They are not part of the QaaS protocol; clients of it never call them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from qstation.schemas.qaas_v1.users import Role


class ApiKeyCreate(BaseModel):
    """Create a QaaS API key; ``username`` defaults to the caller (another user: admin only)."""

    username: str | None = None
    label: str = Field(default="", max_length=128)


class ApiKeyRead(BaseModel):
    """A QaaS API key, without the secret."""

    id: int
    username: str
    user_id: int
    label: str
    created_at: datetime
    revoked: bool


class ApiKeyIssued(ApiKeyRead):
    """A new key: ``api_key`` is shown this once (only its hash is kept)."""

    api_key: str


class RoleUpdate(BaseModel):
    """Set a user's QaaS role (administrators are those with ``is_admin``)."""

    role: Role


class QaasUser(BaseModel):
    """A user as the QaaS API numbers them."""

    user_id: int
    username: str
    role: Role
