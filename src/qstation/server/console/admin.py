"""The usage page, and for admins the management of users, API tokens and QaaS API keys.

Every action goes through the same services as the JSON API (``/qstation/v1/users``,
``/tokens``, ``/qaas/api-keys``), so the rules (who may do what) are the API's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from qstation.schemas.qstation_v1 import ApiTokenCreate, UserCreate
from qstation.server.auth.accounts import AccountService
from qstation.server.console import session, usage
from qstation.server.console.pages import ViewerDep, render
from qstation.server.deps import AppState, Principal, StateDep, unit_of_work
from qstation.server.errors import BadRequest, DomainError, Forbidden
from qstation.server.qaas.identity import store_key
from qstation.server.usage.service import QuotaService
from qstation.store.qaas_repositories import QaasUserRepository

router = APIRouter(include_in_schema=False)


async def _page(
    request: Request,
    state: AppState,
    viewer: Principal,
    notice: str | None = None,
    secret: str | None = None,
) -> Response:
    admin: dict[str, Any] = {}
    async with unit_of_work(state, write=viewer.is_admin and session.auth_on(request)) as s:
        rows = await usage.per_user_and_day(s, viewer)
        today = await QuotaService(state.settings).report(s, viewer, None)
        if viewer.is_admin and session.auth_on(request):
            accounts = AccountService(request.app.state.qstation_auth)
            admin = {
                "users": await accounts.list_users(s, viewer),
                "tokens": await accounts.list_tokens(s, viewer, None),
                "keys": list(await QaasUserRepository(s).keys(None)),
            }
    return render(
        request,
        "usage.html",
        viewer,
        rows=rows,
        totals=usage.by_user(rows),
        today=today,
        admin=admin,
        notice=notice,
        secret=secret,
    )


@router.get("/console/usage", response_class=HTMLResponse)
async def usage_page(request: Request, state: StateDep, viewer: ViewerDep) -> Response:
    """Jobs, shots and QPU-seconds per user and day; admins also manage accounts here."""
    return await _page(request, state, viewer)


def _need_admin(request: Request, viewer: Principal) -> None:
    if not (viewer.is_admin and session.auth_on(request)):
        raise Forbidden(
            "managing accounts needs an admin (and --auth)", error_code="ADMIN_REQUIRED"
        )


async def _act(
    request: Request, state: AppState, viewer: Principal, action: Any, done: str
) -> Response:
    """Run an admin action; show its outcome (or its refusal) on the usage page."""
    _need_admin(request, viewer)
    secret = None
    try:
        async with unit_of_work(state, write=True) as s:
            secret = await action(s)
    except (DomainError, ValidationError) as err:
        message = err.message if isinstance(err, DomainError) else err.errors()[0]["msg"]
        return await _page(request, state, viewer, notice=f"refused: {message}")
    return await _page(request, state, viewer, notice=done, secret=secret)


@router.post("/console/users", response_class=HTMLResponse)
async def create_user(
    request: Request,
    state: StateDep,
    viewer: ViewerDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    is_admin: Annotated[bool, Form()] = False,
) -> Response:
    """Add a user."""
    accounts = AccountService(request.app.state.qstation_auth)

    async def action(s: Any) -> None:
        body = UserCreate(username=username, password=password, is_admin=is_admin)
        await accounts.create_user(s, viewer, body)

    return await _act(request, state, viewer, action, f"created user {username}")


@router.post("/console/users/{username}/delete", response_class=HTMLResponse)
async def delete_user(
    username: str, request: Request, state: StateDep, viewer: ViewerDep
) -> Response:
    """Remove a user and revoke their tokens."""
    accounts = AccountService(request.app.state.qstation_auth)

    async def action(s: Any) -> None:
        await accounts.delete_user(s, viewer, username)

    return await _act(request, state, viewer, action, f"deleted user {username}")


@router.post("/console/tokens", response_class=HTMLResponse)
async def create_token(
    request: Request,
    state: StateDep,
    viewer: ViewerDep,
    username: Annotated[str, Form()],
    label: Annotated[str, Form()] = "",
) -> Response:
    """Issue a long-lived API token for a user (shown once)."""
    accounts = AccountService(request.app.state.qstation_auth)

    async def action(s: Any) -> str:
        issued = await accounts.create_token(
            s, viewer, ApiTokenCreate(username=username, label=label)
        )
        return str(issued.token)

    return await _act(request, state, viewer, action, f"issued an API token for {username}")


@router.post("/console/tokens/{token_id}/revoke", response_class=HTMLResponse)
async def revoke_token(
    token_id: str, request: Request, state: StateDep, viewer: ViewerDep
) -> Response:
    """Revoke a session or API token."""
    accounts = AccountService(request.app.state.qstation_auth)

    async def action(s: Any) -> None:
        await accounts.revoke(s, viewer, token_id)

    return await _act(request, state, viewer, action, f"revoked token {token_id}")


@router.post("/console/qaas-keys", response_class=HTMLResponse)
async def create_key(
    request: Request,
    state: StateDep,
    viewer: ViewerDep,
    username: Annotated[str, Form()],
    label: Annotated[str, Form()] = "",
) -> Response:
    """Create a QaaS API key for a user (shown once)."""

    async def action(s: Any) -> str:
        if await QaasUserRepository(s).user(username) is None:
            raise BadRequest(f"no user {username!r}", error_code="USER_NOT_FOUND")
        _, key = await store_key(s, username, label)
        return str(key)

    return await _act(request, state, viewer, action, f"created a QaaS API key for {username}")


@router.post("/console/qaas-keys/{key_id}/revoke", response_class=HTMLResponse)
async def revoke_key(key_id: int, request: Request, state: StateDep, viewer: ViewerDep) -> Response:
    """Revoke a QaaS API key."""

    async def action(s: Any) -> None:
        await QaasUserRepository(s).revoke_key(key_id)

    return await _act(request, state, viewer, action, f"revoked QaaS API key {key_id}")
