"""Routes of authentication and accounts, under ``/qstation/v1`` (mounted when auth is on)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError

from qstation.schemas.qstation_v1 import (
    ApiTokenCreate,
    ApiTokenIssued,
    ApiTokenRead,
    RevokeRequest,
    TokenRequest,
    TokenResponse,
    UserCreate,
    UserRead,
    WhoAmI,
)
from qstation.server.auth.accounts import AccountService
from qstation.server.auth.service import AuthService
from qstation.server.auth.throttle import login_attempt
from qstation.server.deps import Principal, PrincipalDep, StateDep, unit_of_work
from qstation.server.errors import BadRequest, Unauthorized
from qstation.server.jobs.checks import parse_body

router = APIRouter(prefix="/qstation/v1")


def get_auth(request: Request) -> AuthService:
    service: AuthService = request.app.state.qstation_auth
    return service


AuthDep = Annotated[AuthService, Depends(get_auth)]
_NO_STORE = {"Cache-Control": "no-store"}


def bearer_of(request: Request) -> str:
    """The bearer token of a request.

    Raises:
        Unauthorized: no ``Authorization: Bearer`` header.
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "this server requires a bearer token: log in (`qstation auth login`) or pass a token",
            error_code="MISSING_TOKEN",
        )
    return token.strip()


async def _grant(request: Request) -> TokenRequest:
    body = await request.body()
    form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    data: Any = dict(parse_qsl(body.decode("utf-8"))) if form else parse_body(body)
    try:
        return TokenRequest.model_validate(data)
    except ValidationError as err:
        raise BadRequest(f"invalid token request: {err.errors()[0]['msg']}",
                         error_code="INVALID_REQUEST") from err


@router.post("/auth/token", response_model=TokenResponse)
async def token(request: Request, state: StateDep, auth: AuthDep) -> Response:
    """OAuth 2.0-style token endpoint: ``password`` and ``refresh_token`` grants."""
    grant = await _grant(request)
    if grant.grant_type == "password":
        if not grant.username or grant.password is None:
            raise BadRequest("the password grant needs username and password",
                             error_code="INVALID_REQUEST")
        async with login_attempt(request, grant.username):
            # The slow hash check runs outside the (serialised) write transaction.
            async with unit_of_work(state) as session:
                new_hash = await auth.check_password(session, grant.username, grant.password)
            async with unit_of_work(state, write=True) as session:
                issued = await auth.open_session(session, grant.username, new_hash)
    else:
        if not grant.refresh_token:
            raise BadRequest("the refresh_token grant needs refresh_token",
                             error_code="INVALID_REQUEST")
        async with login_attempt(request, None), unit_of_work(state, write=True) as session:
            issued = await auth.refresh(session, grant.refresh_token)
    return Response(issued.model_dump_json(), media_type="application/json", headers=_NO_STORE)


@router.post("/auth/revoke", status_code=204)
async def revoke(body: RevokeRequest, request: Request, state: StateDep, auth: AuthDep) -> Response:
    """Revoke a session or API token: present the token itself, or its id with a bearer."""
    accounts = AccountService(auth)
    async with unit_of_work(state, write=True) as session:
        if body.token:
            await accounts.revoke_presented(session, body.token)
        elif body.token_id:
            who = await auth.authenticate(session, bearer_of(request))
            caller = Principal(owner=who.username, is_admin=who.is_admin)
            await accounts.revoke(session, caller, body.token_id)
        else:
            raise BadRequest("give token or token_id", error_code="INVALID_REQUEST")
    return Response(status_code=204)


@router.get("/auth/whoami", response_model=WhoAmI)
async def whoami(request: Request, state: StateDep, auth: AuthDep) -> WhoAmI:
    """The caller, the token in use and when it expires."""
    async with unit_of_work(state) as session:
        who = await auth.authenticate(session, bearer_of(request))
    expires = who.claims.expires_at
    return WhoAmI(
        username=who.username, is_admin=who.is_admin, auth_enabled=True,
        token_id=who.token.id,
        expires_at=datetime.fromtimestamp(expires, UTC) if expires is not None else None,
    )


@router.post("/users", response_model=UserRead, status_code=201)
async def create_user(
    body: UserCreate, state: StateDep, auth: AuthDep, p: PrincipalDep
) -> UserRead:
    """Add a user (admin)."""
    async with unit_of_work(state, write=True) as session:
        return await AccountService(auth).create_user(session, p, body)


@router.get("/users", response_model=list[UserRead])
async def list_users(state: StateDep, auth: AuthDep, p: PrincipalDep) -> list[UserRead]:
    """Every user (admin)."""
    async with unit_of_work(state) as session:
        return await AccountService(auth).list_users(session, p)


@router.delete("/users/{username}", status_code=204)
async def delete_user(username: str, state: StateDep, auth: AuthDep, p: PrincipalDep) -> Response:
    """Remove a user and revoke their tokens (admin)."""
    async with unit_of_work(state, write=True) as session:
        await AccountService(auth).delete_user(session, p, username)
    return Response(status_code=204)


@router.post("/tokens", response_model=ApiTokenIssued, status_code=201)
async def create_token(
    body: ApiTokenCreate, state: StateDep, auth: AuthDep, p: PrincipalDep
) -> Response:
    """Issue a long-lived API token (for another user: admin)."""
    async with unit_of_work(state, write=True) as session:
        issued = await AccountService(auth).create_token(session, p, body)
    return Response(issued.model_dump_json(), status_code=201, media_type="application/json",
                    headers=_NO_STORE)


@router.get("/tokens", response_model=list[ApiTokenRead])
async def list_tokens(
    state: StateDep, auth: AuthDep, p: PrincipalDep, username: str | None = None,
    all_users: bool = False,
) -> list[ApiTokenRead]:
    """Sessions and API tokens of the caller (admin: of ``username``, or of everyone)."""
    who = None if all_users else (username or p.owner)
    async with unit_of_work(state) as session:
        return await AccountService(auth).list_tokens(session, p, who)


@router.delete("/tokens/{token_id}", status_code=204)
async def revoke_token(token_id: str, state: StateDep, auth: AuthDep, p: PrincipalDep) -> Response:
    """Revoke a session or API token by id."""
    async with unit_of_work(state, write=True) as session:
        await AccountService(auth).revoke(session, p, token_id)
    return Response(status_code=204)
