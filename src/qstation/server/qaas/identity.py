"""Who calls the QaaS API: API-key logins, QaaS tokens, and the caller of each request.

With authentication on (``qstation serve --auth``), a login checks a username and one of
their QaaS API keys (stored as argon2id hashes), opens a session row in ``auth_tokens``
(kind ``qaas``, so revoking it or deleting the user ends it) and issues two JWTs signed with
the server's token key: a short access token and a refresh token. QaaS clients keep the first
refresh token for the whole session, so it is not rotated. Access tokens carry the integer
``user_id`` and ``user_role`` claims clients read. With authentication off every caller is
the one shared tenant (user id 0, an administrator) and any credentials log in.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from qstation.schemas.qaas_v1 import Role, TokenResponse
from qstation.server.auth.tokens import hash_password, verify_password
from qstation.server.deps import AppState, unit_of_work
from qstation.server.errors import Forbidden, Unauthorized
from qstation.server.guard import plain_int
from qstation.store.auth_orm import AuthTokenRow
from qstation.store.auth_repositories import TokenRepository
from qstation.store.qaas_orm import QaasApiKeyRow
from qstation.store.qaas_repositories import QaasUserRepository

SESSION_KIND = "qaas"
KEY_PREFIX = "qaas"
_ISSUER = "qstation-qaas"
_ALGORITHM = "HS256"
_BAD_LOGIN = "Invalid username or api key"
# With authentication off tokens are never checked; they are signed with a throwaway key.
_UNCHECKED_KEY = secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Caller:
    """The user behind a QaaS request. ``username`` is None when authentication is off."""

    user_id: int
    username: str | None
    role: Role

    @property
    def owner(self) -> str | None:
        """The ``jobs.owner`` of this caller's jobs."""
        return self.username

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_member(self) -> bool:
        return self.role in (Role.MEMBER, Role.ADMIN)


SHARED_TENANT = Caller(user_id=0, username=None, role=Role.ADMIN)


def auth_enabled(state: AppState) -> bool:
    return bool(getattr(state.settings, "auth", False))


def require_admin(caller: Caller, what: str) -> None:
    """Raises Forbidden unless the caller is an administrator."""
    if not caller.is_admin:
        raise Forbidden(f"only administrators may {what} (your role: {caller.role})")


def require_member(caller: Caller, what: str) -> None:
    """Raises Forbidden unless the caller is a member or an administrator."""
    if not caller.is_member:
        raise Forbidden(f"only members may {what} (your role: {caller.role})")


def new_api_key(key_id: int) -> str:
    """A fresh API key for row ``key_id``: ``qaas_<id>_<secret>``."""
    return f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(24)}"


def hash_api_key(key: str) -> str:
    """The stored form of an API key."""
    return hash_password(key)


def _key_id(api_key: str) -> int | None:
    prefix, _, rest = api_key.partition("_")
    key_id, _, _secret = rest.partition("_")
    return plain_int(key_id, 18) if prefix == KEY_PREFIX else None  # fits a bigint


async def _signing_key(request: Request, session: AsyncSession) -> str:
    # The server's token key (configured, or kept in the database), read once per app.
    cached: str | None = getattr(request.app.state, "qaas_signing_key", None)
    if cached is not None:
        return cached
    auth = getattr(request.app.state, "qstation_auth", None)
    key: str = _UNCHECKED_KEY if auth is None else await auth.ensure_key(session)
    request.app.state.qaas_signing_key = key
    return key


def _token(key: str, caller: Caller, sid: str, kind: str, ttl: int) -> tuple[str, int]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": _ISSUER,
        "sub": caller.username or "",
        "sid": sid,
        "type": kind,
        "iat": now,
        "exp": now + max(1, ttl),
        "user_id": caller.user_id,
        "user_role": str(caller.role),
    }
    return jwt.encode(claims, key, algorithm=_ALGORITHM), now + max(1, ttl)


def _decode(key: str, token: str, kind: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[_ALGORITHM],
            issuer=_ISSUER,
            options={"require": ["sid", "type", "exp", "user_id"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("Signature has expired") from None
    except jwt.InvalidTokenError as err:
        raise Unauthorized(f"Invalid token: {err}") from None
    if claims["type"] != kind:
        raise Unauthorized(f"Invalid token: a {claims['type']} token cannot be used here")
    return claims


async def _caller_of(session: AsyncSession, username: str, *, create: bool) -> Caller | None:
    """The caller ``username``; its QaaS row is created if missing when ``create``."""
    users = QaasUserRepository(session)
    user = await users.user(username)
    if user is None:
        return None
    row = await users.ensure(username) if create else await users.by_username(username)
    if row is None:
        return None
    role = Role.ADMIN if user.is_admin else Role(row.role)
    return Caller(user_id=row.user_id, username=username, role=role)


async def _check_key(session: AsyncSession, username: str, api_key: str) -> bool:
    key_id = _key_id(api_key)
    row = await QaasUserRepository(session).key(key_id) if key_id is not None else None
    usable = row is not None and row.username == username and row.revoked_at is None
    stored = row.key_hash if usable and row is not None else None
    return await asyncio.to_thread(verify_password, stored, api_key) and usable


async def login(request: Request, state: AppState, username: str, api_key: str) -> TokenResponse:
    """Check an API key and open a session.

    Raises:
        Unauthorized: unknown user, or a wrong or revoked key (one message for all).
    """
    s = state.settings
    async with unit_of_work(state) as session:  # the slow hash check holds no write lock
        key = await _signing_key(request, session)
        if not auth_enabled(state):
            return _tokens(key, SHARED_TENANT, "shared", s.access_token_ttl, s.refresh_token_ttl)
        if not await _check_key(session, username, api_key):
            raise Unauthorized(_BAD_LOGIN)
    async with unit_of_work(state, write=True) as session:
        caller = await _caller_of(session, username, create=True)
        if caller is None:
            raise Unauthorized(_BAD_LOGIN)
        now = time.time()
        await QaasUserRepository(session).prune_sessions(SESSION_KIND, now)
        row = AuthTokenRow(
            id=str(uuid.uuid4()),
            username=username,
            kind=SESSION_KIND,
            label="qaas login",
            created_at=now,
            expires_at=now + s.refresh_token_ttl,
        )
        await TokenRepository(session).add(row)
    return _tokens(key, caller, row.id, s.access_token_ttl, s.refresh_token_ttl)


def _tokens(key: str, caller: Caller, sid: str, access_ttl: int, refresh_ttl: int) -> TokenResponse:
    access, expires = _token(key, caller, sid, "access", access_ttl)
    refresh, _ = _token(key, caller, sid, "refresh", refresh_ttl)
    return TokenResponse(
        access_token=access,
        refresh_token=refresh,
        expires_in=expires,
        issued_at=str(int(time.time())),
    )


async def refresh(request: Request, state: AppState) -> TokenResponse:
    """A new access token for the session of the presented refresh token (kept as is).

    Raises:
        Unauthorized: invalid or expired refresh token, or the session has ended.
    """
    presented = _bearer(request)
    s = state.settings
    async with unit_of_work(state) as session:
        key = await _signing_key(request, session)
        if not auth_enabled(state):
            return _tokens(key, SHARED_TENANT, "shared", s.access_token_ttl, s.refresh_token_ttl)
        caller, sid = await _session_caller(session, key, presented, "refresh")
    access, expires = _token(key, caller, sid, "access", s.access_token_ttl)
    return TokenResponse(
        access_token=access,
        refresh_token=presented,
        expires_in=expires,
        issued_at=str(int(time.time())),
    )


async def _session_caller(
    session: AsyncSession, key: str, token: str, kind: str
) -> tuple[Caller, str]:
    claims = _decode(key, token, kind)
    found = await TokenRepository(session).active_with_user(str(claims["sid"]))
    if found is None or found[0].kind != SESSION_KIND:
        raise Unauthorized("The session has ended; log in again")
    caller = await _caller_of(session, found[1].username, create=False)
    if caller is None:
        raise Unauthorized("The user no longer exists")
    return caller, str(claims["sid"])


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Missing bearer token: log in first")
    return token.strip()


async def current_caller(request: Request) -> Caller:
    """The caller of a QaaS request (dependency).

    Raises:
        Unauthorized: missing, invalid or expired access token, or an ended session.
    """
    state: AppState = request.app.state.qstation
    if not auth_enabled(state):
        return SHARED_TENANT
    token = _bearer(request)
    async with unit_of_work(state) as session:
        key = await _signing_key(request, session)
        caller, _ = await _session_caller(session, key, token, "access")
    return caller


async def store_key(session: AsyncSession, username: str, label: str) -> tuple[QaasApiKeyRow, str]:
    """Create an API key for ``username``; returns the row and the key (shown once)."""
    row = QaasApiKeyRow(username=username, key_hash="", label=label, created_at=time.time())
    users = QaasUserRepository(session)
    await users.add_key(row)
    key = new_api_key(row.id)
    row.key_hash = await asyncio.to_thread(hash_api_key, key)
    await session.flush()
    return row, key


CallerDep = Annotated[Caller, Depends(current_caller)]
