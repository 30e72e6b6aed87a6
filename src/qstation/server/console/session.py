"""Who is looking at the console: a login form and a session kept in cookies.

With authentication on, the console logs in with the same password grant as
``POST /qstation/v1/auth/token`` and keeps the session's access and refresh tokens in
``HttpOnly``, ``SameSite=Strict`` cookies (so other sites can neither read them nor send
them along with a form). An expired access token is renewed with the refresh token on the
next page. Without authentication the console is open, like the API.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from qstation.schemas.qstation_v1 import TokenResponse
from qstation.server.auth.accounts import AccountService
from qstation.server.deps import AppState, Principal, unit_of_work
from qstation.server.errors import DomainError, Forbidden, Unauthorized

ACCESS_COOKIE = "qstation_access"
REFRESH_COOKIE = "qstation_refresh"


class LoginRequired(Exception):
    """The page needs a logged-in user; carries where to come back to."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def auth_on(request: Request) -> bool:
    state: AppState = request.app.state.qstation
    return bool(state.settings.auth)


async def login(request: Request, username: str, password: str) -> TokenResponse:
    """Check a password and open a session.

    Raises:
        Unauthorized: unknown user or wrong password.
    """
    state: AppState = request.app.state.qstation
    auth = request.app.state.qstation_auth
    async with unit_of_work(state) as session:
        new_hash = await auth.check_password(session, username, password)
    async with unit_of_work(state, write=True) as session:
        issued: TokenResponse = await auth.open_session(session, username, new_hash)
    return issued


def keep_session(response: Response, issued: TokenResponse, secure: bool) -> None:
    """Store a session's tokens in the browser."""
    common: dict[str, Any] = {"httponly": True, "samesite": "strict", "secure": secure, "path": "/"}
    response.set_cookie(ACCESS_COOKIE, issued.access_token, **common)
    if issued.refresh_token:
        response.set_cookie(REFRESH_COOKIE, issued.refresh_token, **common)


def forget_session(response: Response) -> None:
    """Remove the session's cookies."""
    response.delete_cookie(ACCESS_COOKIE, path="/")
    response.delete_cookie(REFRESH_COOKIE, path="/")


async def principal(request: Request) -> Principal:
    """The console's viewer; renews an expired access token from the refresh cookie.

    A renewed session is left in ``request.state.renewed`` for :func:`finish` to store.

    Raises:
        LoginRequired: authentication is on and there is no valid session.
    """
    _same_origin(request)
    if not auth_on(request):
        return Principal(owner=None)
    state: AppState = request.app.state.qstation
    auth = request.app.state.qstation_auth
    access = request.cookies.get(ACCESS_COOKIE)
    if access:
        try:
            async with unit_of_work(state) as session:
                who = await auth.authenticate(session, access)
            return Principal(owner=who.username, is_admin=who.is_admin)
        except DomainError:
            pass  # expired or revoked: try the refresh token
    refresh = request.cookies.get(REFRESH_COOKIE)
    if refresh:
        try:
            async with unit_of_work(state, write=True) as session:
                issued: TokenResponse = await auth.refresh(session, refresh)
            async with unit_of_work(state) as session:
                who = await auth.authenticate(session, issued.access_token)
        except DomainError:
            pass
        else:
            request.state.renewed = issued
            return Principal(owner=who.username, is_admin=who.is_admin)
    raise LoginRequired(_here(request))


async def revoke(request: Request) -> None:
    """Revoke the browser's session, if it has a live one."""
    token = request.cookies.get(REFRESH_COOKIE) or request.cookies.get(ACCESS_COOKIE)
    if not token or not auth_on(request):
        return
    state: AppState = request.app.state.qstation
    accounts = AccountService(request.app.state.qstation_auth)
    try:
        async with unit_of_work(state, write=True) as session:
            await accounts.revoke_presented(session, token)
    except DomainError:
        pass  # already expired or revoked: nothing left to end


def _same_origin(request: Request) -> None:
    """Refuse a console action posted from another site's page.

    With authentication the cookies are ``SameSite=Strict`` already; an open server has no
    cookies, so a form on any web page could otherwise cancel or delete its jobs.
    """
    if request.method in ("GET", "HEAD"):
        return
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):
        raise Forbidden(
            "console actions must come from the console's own pages",
            error_code="CROSS_SITE_REQUEST",
        )


def finish(request: Request, response: Response) -> Response:
    """Store a session renewed while serving ``request`` on its response."""
    renewed = getattr(request.state, "renewed", None)
    if renewed is not None:
        keep_session(response, renewed, request.url.scheme == "https")
    return response


def _here(request: Request) -> str:
    # An htmx fragment's own URL is no page to come back to: use the page it was on.
    current = request.headers.get("hx-current-url")
    if current:
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.path}{query}"


def login_redirect(request: Request, exc: LoginRequired) -> Response:
    """Send the browser to the login form (htmx: make it load the form as a page)."""
    target = f"/console/login?next={quote(exc.next_url, safe='')}"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def safe_next(next_url: str | None) -> str:
    """Only same-site paths are followed after a login (no open redirect)."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//"):
        return "/"
    return next_url


__all__ = [
    "LoginRequired",
    "Unauthorized",
    "auth_on",
    "finish",
    "forget_session",
    "keep_session",
    "login",
    "login_redirect",
    "principal",
    "revoke",
    "safe_next",
]
