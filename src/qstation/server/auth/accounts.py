"""The rules of accounts: who may create users and tokens, list and revoke them."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from qstation.schemas.qstation_v1 import (
    ApiTokenCreate,
    ApiTokenIssued,
    ApiTokenRead,
    UserCreate,
    UserRead,
)
from qstation.server.auth.service import AuthService
from qstation.server.auth.tokens import hash_password
from qstation.server.deps import Principal
from qstation.server.errors import BadRequest, Conflict, Forbidden, NotFound
from qstation.store.auth_orm import AuthTokenRow, UserRow
from qstation.store.auth_repositories import TokenRepository, UserRepository
from qstation.store.repositories import JobRepository


def _ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def user_view(row: UserRow) -> UserRead:
    return UserRead(username=row.username, is_admin=row.is_admin,
                    created_at=datetime.fromtimestamp(row.created_at, UTC))


def token_view(row: AuthTokenRow) -> ApiTokenRead:
    return ApiTokenRead(
        id=row.id, username=row.username, kind="api" if row.kind == "api" else "session",
        label=row.label, created_at=datetime.fromtimestamp(row.created_at, UTC),
        expires_at=_ts(row.expires_at), revoked=row.revoked_at is not None,
    )


def require_admin(principal: Principal) -> None:
    """Raises Forbidden unless the caller is an admin."""
    if not principal.is_admin:
        raise Forbidden("only an admin may do this", error_code="ADMIN_REQUIRED")


class AccountService:
    """Users and API tokens, with their permission rules."""

    def __init__(self, auth: AuthService) -> None:
        self.auth = auth

    async def create_user(self, session: AsyncSession, p: Principal, new: UserCreate) -> UserRead:
        """Add a user (admin only).

        Raises:
            Forbidden: the caller is not an admin.
            Conflict: the username is taken.
        """
        require_admin(p)
        users = UserRepository(session)
        if await users.get(new.username) is not None:
            raise Conflict(f"user {new.username!r} already exists", error_code="USER_EXISTS")
        if await JobRepository(session).owner_has_jobs(new.username):
            # Jobs are owned by name: a new account under a removed user's name would see them.
            raise Conflict(
                f"the name {new.username!r} belonged to a removed user whose jobs are still "
                "stored; choose another name", error_code="USERNAME_RETIRED",
            )
        password_hash = await asyncio.to_thread(hash_password, new.password)
        row = UserRow(username=new.username, password_hash=password_hash,
                      is_admin=new.is_admin, created_at=time.time())
        await users.add(row)
        return user_view(row)

    async def list_users(self, session: AsyncSession, p: Principal) -> list[UserRead]:
        """Every user (admin only)."""
        require_admin(p)
        return [user_view(r) for r in await UserRepository(session).list()]

    async def delete_user(self, session: AsyncSession, p: Principal, username: str) -> None:
        """Remove a user and revoke all of their tokens (admin only; not oneself)."""
        require_admin(p)
        if username == p.owner:
            raise BadRequest("an admin cannot remove their own account", error_code="SELF_REMOVAL")
        if not await UserRepository(session).delete(username):
            raise NotFound(f"user {username!r} not found", error_code="USER_NOT_FOUND")

    async def create_token(
        self, session: AsyncSession, p: Principal, req: ApiTokenCreate
    ) -> ApiTokenIssued:
        """Issue an API token for the caller, or for another user (admin only)."""
        username = req.username or p.owner
        if username is None:
            raise BadRequest("name the user the token is for", error_code="USER_REQUIRED")
        if username != p.owner:
            require_admin(p)
        if await UserRepository(session).get(username) is None:
            raise NotFound(f"user {username!r} not found", error_code="USER_NOT_FOUND")
        row, token = await self.auth.issue_api_token(session, username, req.label, req.expires_in)
        return ApiTokenIssued(**token_view(row).model_dump(), token=token)

    async def list_tokens(
        self, session: AsyncSession, p: Principal, username: str | None
    ) -> list[ApiTokenRead]:
        """The caller's sessions and API tokens; an admin may list anyone's (or all)."""
        if username != p.owner:
            require_admin(p)
        return [token_view(r) for r in await TokenRepository(session).list(username)]

    async def revoke(self, session: AsyncSession, p: Principal, token_id: str) -> None:
        """Revoke a session or API token of the caller (an admin: anyone's)."""
        tokens = TokenRepository(session)
        row = await tokens.get(token_id)
        if row is None or (row.username != p.owner and not p.is_admin):
            raise NotFound(f"token {token_id} not found", error_code="TOKEN_NOT_FOUND")
        await tokens.revoke(token_id)

    async def revoke_presented(self, session: AsyncSession, token: str) -> None:
        """Revoke the session or API token that ``token`` belongs to (RFC 7009 style)."""
        await TokenRepository(session).revoke(await self.auth.token_row_id(session, token))
