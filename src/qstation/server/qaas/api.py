"""QaaS API v1 routes: ping, login and refresh, users and devices."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from qstation.queue.notify import QUEUE
from qstation.schemas.qaas_v1 import GRANT_TYPE, Assertion, DeviceStatusUpdate, Role, TokenRequest
from qstation.server.auth.throttle import login_attempt
from qstation.server.deps import StateDep, unit_of_work
from qstation.server.errors import NotFound, Unauthorized
from qstation.server.guard import RowId
from qstation.server.qaas import identity
from qstation.server.qaas.devices import DeviceCatalog
from qstation.server.qaas.errors import PREFIX
from qstation.server.qaas.identity import CallerDep, require_admin
from qstation.server.qaas.pagination import PageRequest
from qstation.store.qaas_repositories import QaasUserRepository

base = APIRouter(prefix=PREFIX)
router = APIRouter(prefix=f"{PREFIX}/api/v1")


@base.get("/status")
async def ping() -> str:
    """Liveness, without authentication: always ``"OK"``."""
    return "OK"


@router.post("/authorisation-tokens", status_code=201)
async def login(body: TokenRequest, request: Request, state: StateDep) -> JSONResponse:
    """Log in with a username and an API key carried in the (unsigned) assertion."""
    if body.grant_type != GRANT_TYPE:
        raise Unauthorized(f"unsupported grantType {body.grant_type!r}; use {GRANT_TYPE!r}")
    try:
        who = Assertion.decode(body.assertion)
    except ValueError as err:
        raise Unauthorized(f"Invalid username or api key: {err}") from err
    async with login_attempt(request, who.username):
        tokens = await identity.login(request, state, who.username, who.api_key)
    return JSONResponse(tokens.wire(), status_code=201, headers={"Cache-Control": "no-store"})


@router.post("/authorisation-tokens/refresh", status_code=201)
async def refresh(request: Request, state: StateDep) -> JSONResponse:
    """A new access token for the session of the bearer refresh token."""
    async with login_attempt(request, None):
        tokens = await identity.refresh(request, state)
    return JSONResponse(tokens.wire(), status_code=201, headers={"Cache-Control": "no-store"})


@router.get("/users/{user_id}")
async def get_user(user_id: RowId, state: StateDep, caller: CallerDep) -> dict[str, object]:
    """A user's id, name and role: one's own, or anyone's for administrators."""
    if user_id != caller.user_id:
        require_admin(caller, "read other users")
    if caller.username is None or user_id == caller.user_id:
        name = caller.username or "shared"
        return {
            "user_id": caller.user_id,
            "username": name,
            "slack_id": None,
            "role": caller.role.value,
        }
    async with unit_of_work(state) as session:
        found = await QaasUserRepository(session).get(user_id)
    if found is None:
        raise NotFound(f"User {user_id} does not exist")
    qrow, user = found
    role = Role.ADMIN if user.is_admin else Role(qrow.role)
    return {"user_id": user_id, "username": user.username, "slack_id": None, "role": role.value}


@router.get("/devices")
async def list_devices(request: Request, state: StateDep, _: CallerDep) -> dict[str, object]:
    """Every hosted quantum computer, paginated."""
    page = PageRequest(request, state.settings.qaas_page_size)
    async with unit_of_work(state) as session:
        devices = await DeviceCatalog(state).list(session)
    return page.envelope(devices[page.offset : page.offset + page.per_page], len(devices))


@router.get("/devices/{device_id}")
async def get_device(device_id: RowId, state: StateDep, _: CallerDep) -> dict[str, object]:
    """One device."""
    async with unit_of_work(state) as session:
        return await DeviceCatalog(state).get(session, device_id)


@router.put("/devices/{device_id}")
async def set_device_status(
    device_id: RowId, body: DeviceStatusUpdate, state: StateDep, caller: CallerDep
) -> dict[str, object]:
    """Set a device ``online``, in ``maintenance`` or ``offline`` (administrators only)."""
    async with unit_of_work(state, write=True) as session:
        device = await DeviceCatalog(state).set_status(session, caller, device_id, body.status)
    state.devices.invalidate(str(device["name"]))  # again, now that the change is committed
    if body.status == "online":
        state.notifier.publish(QUEUE, str(device["name"]))
    return device
