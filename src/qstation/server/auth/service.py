"""The rules of authentication: logins, refresh rotation, bearer checks, revocation.

A login creates a *session* row; its access tokens (short-lived) and its one current refresh
token name that row, so revoking the row ends the session. An *API token* is a row with one
long-lived bearer token. Every bearer check reads the row, which makes revocation immediate.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from qstation.schemas.qstation_v1 import TokenResponse
from qstation.server.auth.tokens import (
    Claims,
    TokenCodec,
    hash_password,
    needs_rehash,
    verify_password,
)
from qstation.server.config import Settings
from qstation.server.errors import Unauthorized
from qstation.store.auth_orm import AuthTokenRow, UserRow
from qstation.store.auth_repositories import KeyRepository, TokenRepository, UserRepository
from qstation.store.private import read_or_create_key

_BAD_LOGIN = "invalid username or password"
_REUSED = "this refresh token was already used, so the session was revoked; log in again"


@dataclass(frozen=True)
class Identity:
    """An authenticated caller."""

    username: str
    is_admin: bool
    token: AuthTokenRow
    claims: Claims


class AuthService:
    """Credentials and tokens; one instance per app, stateless apart from the key cache."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._codec: TokenCodec | None = None
        self._key: str | None = None
        self._ready = asyncio.Lock()

    async def codec(self, session: AsyncSession) -> TokenCodec:
        """The signing codec; the key is created on first use and kept in the database."""
        if self._codec is None:
            async with self._ready:
                if self._codec is None:
                    self._codec = TokenCodec(await self._initialise(session.bind))
        return self._codec

    async def _initialise(self, bind: Any) -> str:
        # Its own transaction: the caller's may roll back (a rejected login, say).
        async with AsyncSession(bind, expire_on_commit=False) as own:
            secret = await self.ensure_key(own)
            await self.ensure_admin(own, generate=False)
            await own.commit()
        return secret

    async def ensure_key(self, session: AsyncSession) -> str:
        """The signing key: configured, or created once and kept in the key file (0600) or,
        on PostgreSQL without a key file, in the database."""
        if self.settings.auth_secret:
            return self.settings.auth_secret
        keys = KeyRepository(session)
        path = self.settings.resolved_key_file()
        if path is not None:
            if self._key is None:
                # A key an older version kept in the database moves to the file, so that
                # tokens it signed stay valid; the database then holds no key.
                legacy = await keys.current()
                self._key = await asyncio.to_thread(read_or_create_key, path, legacy)
                if legacy is not None:
                    await keys.forget()
            return self._key
        secret = await keys.current()
        if secret is None:
            secret = secrets.token_urlsafe(48)
            await keys.add(secret)
        return secret

    async def ensure_admin(self, session: AsyncSession, *, generate: bool) -> str | None:
        """Create the first admin when no user exists.

        Uses the configured admin password; with none and ``generate``, makes one up and
        returns it (``qstation serve`` prints it once). Returns None otherwise.
        """
        users = UserRepository(session)
        if await users.any():
            return None
        password = self.settings.admin_password
        if password is None and not generate:
            return None
        password = password or secrets.token_urlsafe(12)
        await users.add(UserRow(
            username=self.settings.admin_username, password_hash=hash_password(password),
            is_admin=True, created_at=time.time(),
        ))
        return None if self.settings.admin_password else password

    async def check_password(
        self, session: AsyncSession, username: str, password: str
    ) -> str | None:
        """Check a password (read-only, so it can run outside a write transaction).

        Returns:
            A new hash to store if the stored one uses old parameters, else None.

        Raises:
            Unauthorized: unknown user or wrong password (the same message for both).
        """
        await self.codec(session)
        user = await UserRepository(session).get(username)
        ok = await asyncio.to_thread(verify_password, user.password_hash if user else None,
                                     password)
        if user is None or not ok:
            raise Unauthorized(_BAD_LOGIN, error_code="INVALID_CREDENTIALS")
        return hash_password(password) if needs_rehash(user.password_hash) else None

    async def open_session(
        self, session: AsyncSession, username: str, new_hash: str | None = None
    ) -> TokenResponse:
        """Start a login session for a user whose password was just checked."""
        codec = await self.codec(session)
        if new_hash is not None:
            await UserRepository(session).set_password_hash(username, new_hash)
        tokens = TokenRepository(session)
        await tokens.prune(time.time())
        row = AuthTokenRow(
            id=str(uuid.uuid4()), username=username, kind="session", label="login",
            created_at=time.time(), expires_at=time.time() + self.settings.refresh_token_ttl,
            refresh_id=str(uuid.uuid4()),
        )
        await tokens.add(row)
        return self._session_tokens(codec, row, row.refresh_id or "")

    async def refresh(self, session: AsyncSession, refresh_token: str) -> TokenResponse:
        """Rotate a session's refresh token and issue a fresh access token.

        Raises:
            Unauthorized: invalid or expired token, revoked session, or a reused refresh
                token (which also revokes the session).
        """
        codec = await self.codec(session)
        claims = codec.verify(refresh_token, kinds=("refresh",))
        tokens = TokenRepository(session)
        found = await tokens.active_with_user(claims.token_id)
        if found is None:
            raise Unauthorized("the session has ended; log in again", error_code="SESSION_ENDED")
        if found[0].refresh_id != claims.refresh_id:
            await self._revoke_now(session, claims.token_id)
            raise Unauthorized(_REUSED, error_code="REFRESH_TOKEN_REUSED")
        new_rid = str(uuid.uuid4())
        expires = time.time() + self.settings.refresh_token_ttl
        if not await tokens.rotate_refresh(claims.token_id, claims.refresh_id or "", new_rid,
                                           expires):  # a concurrent refresh won the race
            raise Unauthorized(_REUSED, error_code="REFRESH_TOKEN_REUSED")
        row = await tokens.get(claims.token_id)
        assert row is not None
        return self._session_tokens(codec, row, new_rid)

    @staticmethod
    async def _revoke_now(session: AsyncSession, token_id: str) -> None:
        # Committed on its own, before the caller's transaction rolls back with the error.
        async with AsyncSession(session.bind) as own:
            await TokenRepository(own).revoke(token_id)
            await own.commit()

    def _session_tokens(self, codec: TokenCodec, row: AuthTokenRow, rid: str) -> TokenResponse:
        s = self.settings
        return TokenResponse(
            access_token=codec.issue(row.username, row.id, "access", s.access_token_ttl),
            expires_in=s.access_token_ttl,
            refresh_token=codec.issue(row.username, row.id, "refresh", s.refresh_token_ttl, rid),
            refresh_expires_in=s.refresh_token_ttl,
            session_id=row.id,
        )

    async def authenticate(self, session: AsyncSession, bearer: str) -> Identity:
        """The caller behind an access or API token.

        Raises:
            Unauthorized: invalid, expired or revoked token, or the user was removed.
        """
        codec = await self.codec(session)
        claims = codec.verify(bearer, kinds=("access", "api"))
        found = await TokenRepository(session).active_with_user(claims.token_id)
        if found is None:
            raise Unauthorized("the token was revoked or its session has ended",
                               error_code="TOKEN_REVOKED")
        token, user = found
        return Identity(user.username, user.is_admin, token, claims)

    async def issue_api_token(
        self, session: AsyncSession, username: str, label: str, ttl: int | None
    ) -> tuple[AuthTokenRow, str]:
        """Create a long-lived bearer token for ``username``."""
        codec = await self.codec(session)
        now = time.time()
        row = AuthTokenRow(
            id=str(uuid.uuid4()), username=username, kind="api", label=label, created_at=now,
            expires_at=now + ttl if ttl else None,
        )
        await TokenRepository(session).add(row)
        return row, codec.issue(username, row.id, "api", ttl)

    async def token_row_id(self, session: AsyncSession, token: str) -> str:
        """The row named by a correctly signed token, expired or not (for revocation).

        Raises:
            Unauthorized: the token is not one of ours.
        """
        codec = await self.codec(session)
        kinds = ("access", "refresh", "api")
        return codec.verify(token, kinds=kinds, allow_expired=True).token_id
