"""qstation's account routes for the QaaS API (``/qstation/v1/qaas``): API keys and roles.

They use qstation's own bearer tokens (``/qstation/v1/auth/token``): a user creates QaaS API
keys for themself, an administrator for anyone, and only administrators set roles. With
authentication off there are no accounts: QaaS logins accept any credentials.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from qstation.schemas.qaas_v1 import (
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyRead,
    QaasUser,
    Role,
    RoleUpdate,
)
from qstation.server.deps import AppState, Principal, PrincipalDep, StateDep, unit_of_work
from qstation.server.errors import Conflict, Forbidden, NotFound
from qstation.server.guard import RowId
from qstation.server.qaas.identity import auth_enabled, store_key
from qstation.store.qaas_orm import QaasApiKeyRow
from qstation.store.qaas_repositories import QaasUserRepository

router = APIRouter(prefix="/qstation/v1/qaas")


def _need_auth(state: AppState) -> None:
    if not auth_enabled(state):
        raise Conflict(
            "authentication is off (start the server with --auth for accounts): "
            "QaaS logins accept any username and API key",
            error_code="AUTH_DISABLED",
        )


def _may_act_for(p: Principal, username: str) -> None:
    if not p.is_admin and p.owner != username:
        raise Forbidden(
            "only an admin may manage another user's QaaS keys", error_code="ADMIN_REQUIRED"
        )


async def _key_view(session: AsyncSession, row: QaasApiKeyRow) -> ApiKeyRead:
    qrow = await QaasUserRepository(session).ensure(row.username)
    return ApiKeyRead(
        id=row.id,
        username=row.username,
        user_id=qrow.user_id,
        label=row.label,
        created_at=datetime.fromtimestamp(row.created_at, UTC),
        revoked=row.revoked_at is not None,
    )


@router.post("/api-keys", response_model=ApiKeyIssued, status_code=201)
async def create_key(body: ApiKeyCreate, state: StateDep, p: PrincipalDep) -> Response:
    """Create a QaaS API key (shown once) for the caller, or for anyone (admin)."""
    _need_auth(state)
    username = body.username or p.owner or ""
    _may_act_for(p, username)
    async with unit_of_work(state, write=True) as session:
        users = QaasUserRepository(session)
        if await users.user(username) is None:
            raise NotFound(f"no user {username!r}", error_code="USER_NOT_FOUND")
        row, key = await store_key(session, username, body.label)
        view = await _key_view(session, row)
    issued = ApiKeyIssued(**view.model_dump(), api_key=key)
    return Response(
        issued.model_dump_json(),
        status_code=201,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@router.get("/api-keys", response_model=list[ApiKeyRead])
async def list_keys(
    state: StateDep, p: PrincipalDep, username: str | None = None
) -> list[ApiKeyRead]:
    """The caller's QaaS API keys (admin: ``username``'s, or everyone's)."""
    _need_auth(state)
    who = username if p.is_admin else p.owner
    async with unit_of_work(state, write=True) as session:
        rows = await QaasUserRepository(session).keys(who)
        return [await _key_view(session, r) for r in rows]


@router.delete("/api-keys/{key_id}", status_code=204)
async def revoke_key(key_id: RowId, state: StateDep, p: PrincipalDep) -> Response:
    """Revoke a QaaS API key (one's own, or anyone's for an admin)."""
    _need_auth(state)
    async with unit_of_work(state, write=True) as session:
        users = QaasUserRepository(session)
        row = await users.key(key_id)
        if row is None or (not p.is_admin and row.username != p.owner):
            raise NotFound(f"no QaaS API key {key_id}", error_code="API_KEY_NOT_FOUND")
        await users.revoke_key(key_id)
    return Response(status_code=204)


@router.put("/users/{username}", response_model=QaasUser)
async def set_role(username: str, body: RoleUpdate, state: StateDep, p: PrincipalDep) -> QaasUser:
    """Set a user's QaaS role: ``user`` or ``member`` (admin only; admins stay admins)."""
    _need_auth(state)
    if not p.is_admin:
        raise Forbidden("only an admin may set roles", error_code="ADMIN_REQUIRED")
    if body.role is Role.ADMIN:
        raise Conflict(
            "administrators are users created with is_admin; set user or member",
            error_code="ROLE_NOT_SETTABLE",
        )
    async with unit_of_work(state, write=True) as session:
        users = QaasUserRepository(session)
        user = await users.user(username)
        if user is None:
            raise NotFound(f"no user {username!r}", error_code="USER_NOT_FOUND")
        row = await users.ensure(username)
        await users.set_role(username, body.role.value)
    role = Role.ADMIN if user.is_admin else body.role
    return QaasUser(user_id=row.user_id, username=username, role=role)
