"""Tables of authentication: users, issued tokens (sessions and API tokens), signing keys.

They share :class:`qstation.store.orm.Base`, so one metadata describes the whole schema;
migration ``0002`` creates them.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from qstation.store.orm import Base


class UserRow(Base):
    """A user who can log in; the password is stored only as an argon2id hash."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)


class AuthTokenRow(Base):
    """A login session or a long-lived API token.

    Every JWT the server issues names one of these rows (claim ``sid``); revoking the row
    revokes all of its tokens at once. ``refresh_id`` is the one refresh token of a session
    that may still be used: refreshing rotates it, and presenting an older one revokes the
    session (refresh-token reuse detection, RFC 9700 §4.14.2).
    """

    __tablename__ = "auth_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(
        ForeignKey("users.username", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # "session" | "api"
    label: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    refresh_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class AuthKeyRow(Base):
    """The token signing key, shared through the database by every API process."""

    __tablename__ = "auth_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[float] = mapped_column(Float)
