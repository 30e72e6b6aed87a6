"""Account operations of IQMServerClient (qstation servers with authentication on)."""

from __future__ import annotations

import re
from urllib.parse import quote

from pydantic import TypeAdapter

from qstation.client._auth import PasswordSessionAuth
from qstation.client._errors import InvalidRequestError, NotFoundError
from qstation.client._server_base import ServerBase
from qstation.schemas.qstation_v1 import (
    USERNAME_PATTERN,
    USERNAME_RULE,
    ApiTokenCreate,
    ApiTokenIssued,
    ApiTokenRead,
    UserCreate,
    UserRead,
    WhoAmI,
)


class AccountsAPI(ServerBase):
    """Who am I, users (admin) and API tokens."""

    def whoami(self) -> WhoAmI:
        """The caller as the server sees it.

        Returns:
            The user, whether they are an admin, and the token's id and expiry; on a server
            without authentication, ``auth_enabled`` is False.

        Raises:
            UnauthorizedError: the credentials were refused.
        """
        try:
            return self._get_model("/qstation/v1/auth/whoami", WhoAmI)
        except NotFoundError:  # the auth routes exist only when authentication is on
            return WhoAmI(username=None, is_admin=True, auth_enabled=False)

    def create_user(self, username: str, password: str, *, is_admin: bool = False) -> UserRead:
        """Add a user (admin only).

        Raises:
            ForbiddenError: the caller is not an admin.
            ConflictError: the username is taken.
            InvalidRequestError: the username or password breaks the rules (checked here
                first, with the server's rules, so nothing is sent).
        """
        if not re.fullmatch(USERNAME_PATTERN, username):
            raise InvalidRequestError(
                f"user name {username!r} is not allowed: {USERNAME_RULE}",
                status_code=400,
                error_code="INVALID_USERNAME",
            )
        if not 8 <= len(password) <= 1024:
            raise InvalidRequestError(
                "a password has 8 to 1024 characters",
                status_code=400,
                error_code="INVALID_PASSWORD",
            )
        body = UserCreate(username=username, password=password, is_admin=is_admin)
        return UserRead.model_validate_json(self._post("/qstation/v1/users", body).content)

    def list_users(self) -> list[UserRead]:
        """Every user (admin only)."""
        return self._get_list("/qstation/v1/users", UserRead)

    def delete_user(self, username: str) -> None:
        """Remove a user and revoke their tokens (admin only).

        Raises:
            NotFoundError: no such user.
        """
        self._request("DELETE", f"/qstation/v1/users/{quote(username, safe='')}")

    def create_api_token(
        self, *, username: str | None = None, label: str = "", expires_in: int | None = None
    ) -> ApiTokenIssued:
        """Issue a long-lived API token (for another user: admin only).

        Args:
            username: whom the token is for (default: the caller).
            label: a note to recognise the token by.
            expires_in: lifetime in seconds (default: until revoked).

        Returns:
            The token's record with the token itself, which is shown only this once.
        """
        body = ApiTokenCreate(username=username, label=label, expires_in=expires_in)
        return ApiTokenIssued.model_validate_json(self._post("/qstation/v1/tokens", body).content)

    def list_api_tokens(
        self, *, username: str | None = None, all_users: bool = False
    ) -> list[ApiTokenRead]:
        """Sessions and API tokens of the caller (admin: of ``username``, or of everyone)."""
        params: dict[str, str] = {"all_users": "true"} if all_users else {}
        if username:
            params["username"] = username
        response = self._request("GET", "/qstation/v1/tokens", params=params)
        return TypeAdapter(list[ApiTokenRead]).validate_json(response.content)

    def revoke_token(self, token_id: str) -> None:
        """Revoke a session or API token by id (one's own; an admin: anyone's).

        Raises:
            NotFoundError: no such token.
        """
        self._request("DELETE", f"/qstation/v1/tokens/{quote(token_id, safe='')}")

    def logout(self) -> None:
        """End the login session of username/password authentication (no-op otherwise)."""
        if isinstance(self.auth, PasswordSessionAuth):
            request = self.auth.logout_request()
            if request is not None:
                self._transport.request(
                    "POST",
                    str(request.url),
                    content=request.content,
                    headers={"Content-Type": "application/json"},
                    authenticate=False,
                )
