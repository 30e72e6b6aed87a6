"""Users of QaaS API v1 (``/users/{id}``)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    """What a user may do: ``user`` runs jobs, ``member`` also keeps runcards and
    calibrations, ``admin`` also changes device status and manages users."""

    USER = "user"
    MEMBER = "member"
    ADMIN = "admin"


class UserRead(BaseModel):
    """A user as ``GET /users/{id}`` returns it."""

    model_config = ConfigDict(extra="allow")

    user_id: int
    username: str
    slack_id: str | None = None
    role: str | None = None
