"""Repositories of users, tokens and signing keys (statements only; callers commit)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from qstation.store.auth_orm import AuthKeyRow, AuthTokenRow, UserRow


class UserRepository:
    """Users and their password hashes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, username: str) -> UserRow | None:
        return await self.session.get(UserRow, username)

    async def list(self) -> Sequence[UserRow]:
        return (await self.session.scalars(select(UserRow).order_by(UserRow.username))).all()

    async def any(self) -> bool:
        return (await self.session.scalars(select(UserRow.username).limit(1))).first() is not None

    async def add(self, row: UserRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def set_password_hash(self, username: str, password_hash: str) -> None:
        await self.session.execute(
            update(UserRow).where(UserRow.username == username).values(password_hash=password_hash)
        )

    async def delete(self, username: str) -> bool:
        # Tokens go first: SQLite enforces the foreign key only when the pragma is on.
        await self.session.execute(delete(AuthTokenRow).where(AuthTokenRow.username == username))
        result = await self.session.execute(delete(UserRow).where(UserRow.username == username))
        return bool(result.rowcount)  # type: ignore[attr-defined]


class TokenRepository:
    """Sessions and API tokens; every issued JWT names one of these rows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: AuthTokenRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def get(self, token_id: str) -> AuthTokenRow | None:
        return await self.session.get(AuthTokenRow, token_id)

    async def active_with_user(self, token_id: str) -> tuple[AuthTokenRow, UserRow] | None:
        """The token row and its user, if the token is neither revoked nor expired."""
        stmt = (
            select(AuthTokenRow, UserRow)
            .join(UserRow, UserRow.username == AuthTokenRow.username)
            .where(AuthTokenRow.id == token_id, AuthTokenRow.revoked_at.is_(None))
        )
        found = (await self.session.execute(stmt)).first()
        if found is None:
            return None
        token, user = found.tuple()
        if token.expires_at is not None and token.expires_at <= time.time():
            return None
        return token, user

    async def list(self, username: str | None) -> Sequence[AuthTokenRow]:
        stmt = select(AuthTokenRow).order_by(AuthTokenRow.created_at)
        if username is not None:
            stmt = stmt.where(AuthTokenRow.username == username)
        return (await self.session.scalars(stmt)).all()

    async def rotate_refresh(
        self, token_id: str, old: str, new: str, expires_at: float
    ) -> bool:
        """Swap a session's refresh id if it is still ``old``; False if it was reused."""
        stmt = (
            update(AuthTokenRow)
            .where(
                AuthTokenRow.id == token_id,
                AuthTokenRow.refresh_id == old,
                AuthTokenRow.revoked_at.is_(None),
            )
            .values(refresh_id=new, expires_at=expires_at)
        )
        return bool((await self.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def revoke(self, token_id: str) -> bool:
        stmt = (
            update(AuthTokenRow)
            .where(AuthTokenRow.id == token_id, AuthTokenRow.revoked_at.is_(None))
            .values(revoked_at=time.time())
        )
        return bool((await self.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def prune(self, before: float) -> None:
        """Forget sessions that expired before ``before`` (API tokens are kept)."""
        await self.session.execute(
            delete(AuthTokenRow).where(
                AuthTokenRow.kind == "session", AuthTokenRow.expires_at < before
            )
        )


class KeyRepository:
    """The token signing key."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self) -> str | None:
        stmt = select(AuthKeyRow.secret).order_by(AuthKeyRow.id).limit(1)
        return (await self.session.scalars(stmt)).first()

    async def add(self, secret: str) -> None:
        self.session.add(AuthKeyRow(id=1, secret=secret, created_at=time.time()))
        await self.session.flush()

    async def forget(self) -> None:
        """Remove the stored key (it now lives in a key file)."""
        await self.session.execute(delete(AuthKeyRow))
        await self.session.flush()
