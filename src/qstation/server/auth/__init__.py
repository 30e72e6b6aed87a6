"""Bearer-token authentication for the qstation server (``qstation serve --auth``).

Users log in at ``POST /qstation/v1/auth/token`` (password grant) and keep their session
fresh with the refresh grant; admins create users and long-lived API tokens. When auth is
on, :func:`enable_auth` installs :func:`resolve_principal` as the app's principal resolver,
so every route that depends on the principal demands a valid bearer token and sees only the
caller's jobs.
"""

from __future__ import annotations

from fastapi import FastAPI, Request

from qstation.server.auth.routes import bearer_of
from qstation.server.auth.routes import router as auth_router
from qstation.server.auth.service import AuthService
from qstation.server.config import Settings
from qstation.server.deps import AppState, Principal, unit_of_work

__all__ = ["AuthService", "bootstrap_admin", "enable_auth", "resolve_principal"]


async def resolve_principal(request: Request) -> Principal:
    """The authenticated caller of ``request``.

    Raises:
        Unauthorized: missing, invalid, expired or revoked bearer token.
    """
    token = bearer_of(request)
    state: AppState = request.app.state.qstation
    auth: AuthService = request.app.state.qstation_auth
    async with unit_of_work(state) as session:
        who = await auth.authenticate(session, token)
    return Principal(owner=who.username, is_admin=who.is_admin)


def enable_auth(app: FastAPI, settings: Settings) -> None:
    """Turn on authentication for ``app``: the token and account routes, and bearer checks."""
    app.state.qstation_auth = AuthService(settings)
    app.state.resolve_principal = resolve_principal
    app.include_router(auth_router)


async def bootstrap_admin(settings: Settings) -> str | None:
    """Create the first admin if there is no user; returns a generated password to show."""
    from qstation.store.db import make_async_engine, sessionmaker

    engine = make_async_engine(settings.resolved_database_url())
    try:
        async with sessionmaker(engine)() as session:
            service = AuthService(settings)
            await service.ensure_key(session)
            password = await service.ensure_admin(session, generate=True)
            await session.commit()
        return password
    finally:
        await engine.dispose()
