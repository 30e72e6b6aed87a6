"""Logging in and out, and managing tokens files (what ``qstation auth`` is built on).

Clients authenticate by themselves (see :class:`~qstation.client.IQMClient`); these helpers
are for tools that obtain tokens explicitly and keep them in a tokens file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx

from qstation.client._auth import (
    PasswordSessionAuth,
    RefreshingAuth,
    StaticTokenAuth,
    TokensFileAuth,
)
from qstation.client._config import request_timeout, require_secure, user_agent
from qstation.client._tokens import (
    TokensFile,
    jwt_claims,
    seconds_left,
    token_url,
    tokens_file_content,
)
from qstation.client._transport import SyncTransport
from qstation.schemas.qstation_v1 import TokenResponse

__all__ = [
    "PasswordSessionAuth",
    "RefreshingAuth",
    "StaticTokenAuth",
    "TokensFile",
    "TokensFileAuth",
    "default_tokens_file",
    "jwt_claims",
    "login",
    "revoke",
    "save_tokens_file",
    "seconds_left",
]


def default_tokens_file() -> Path:
    """Where ``qstation auth login`` keeps tokens: ``$XDG_CONFIG_HOME/qstation/tokens.json``
    (default ``~/.config/qstation/tokens.json``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "qstation" / "tokens.json"


def _transport(http_client: httpx.Client | None, transport: httpx.BaseTransport | None,
               timeout: float | None) -> SyncTransport:
    return SyncTransport(http_client=http_client, transport=transport,
                         timeout=request_timeout(timeout),
                         user_agent=user_agent("qstation-auth", None))


def login(
    auth_server_url: str, username: str, password: str, *,
    http_client: httpx.Client | None = None, transport: httpx.BaseTransport | None = None,
    timeout: float | None = None,
) -> TokenResponse:
    """Log in with the password grant and return the session's tokens.

    Args:
        auth_server_url: the auth server (a qstation server's URL); https unless loopback.
        username: the user.
        password: their password.
        http_client: an ``httpx.Client`` to send with (e.g. a test client).
        transport: an httpx transport for the client created otherwise.
        timeout: seconds to wait for the answer.

    Raises:
        UnauthorizedError: wrong username or password.
        NotFoundError: the server has no token endpoint (authentication is off there).
    """
    require_secure(auth_server_url, "auth server URL")
    sender = _transport(http_client, transport, timeout)
    try:
        form = httpx.QueryParams(
            {"grant_type": "password", "username": username, "password": password}
        )
        response = sender.request(
            "POST", token_url(auth_server_url), content=str(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            authenticate=False,
        )
        return TokenResponse.model_validate_json(response.content)
    finally:
        sender.close()


def revoke(
    auth_server_url: str, token: str, *, http_client: httpx.Client | None = None,
    transport: httpx.BaseTransport | None = None, timeout: float | None = None,
) -> None:
    """End the session (or revoke the API token) that ``token`` belongs to.

    Raises:
        UnauthorizedError: the token is not one the server issued.
    """
    sender = _transport(http_client, transport, timeout)
    url = token_url(auth_server_url).removesuffix("/token") + "/revoke"
    try:
        sender.request("POST", url, content=json.dumps({"token": token}).encode(),
                       headers={"Content-Type": "application/json"}, authenticate=False)
    finally:
        sender.close()


def save_tokens_file(
    path: str | os.PathLike[str], tokens: TokenResponse, auth_server_url: str,
    **extra: Any,
) -> TokensFile:
    """Write ``tokens`` to a tokens file (owner-only permissions), with ``extra`` keys."""
    file = TokensFile(path)
    file.write({**tokens_file_content(tokens, auth_server_url), **extra})
    return file
