"""Token plumbing shared by the auth strategies and the CLI: JWT expiry, the token endpoint,
and the tokens file (its JSON format, atomic writes and an inter-process lock).

The tokens file is a JSON object. Only ``access_token`` is required; ``refresh_token`` and
``auth_server_url`` let any qstation client refresh it in place before it expires::

    {"access_token": "<jwt>", "refresh_token": "<jwt>", "auth_server_url": "https://…",
     "pid": 1234, "timestamp": "2025-01-01T00:00:00+00:00", "refresh_status": "SUCCESS"}
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from qstation.client._errors import ClientAuthenticationError
from qstation.schemas.qstation_v1 import TokenResponse

TOKEN_PATH = "/qstation/v1/auth/token"
#: Refresh this long before expiry (capped at a quarter of the token's lifetime).
REFRESH_MARGIN_S = 60.0


def jwt_claims(token: str) -> dict[str, Any] | None:
    """The unverified claims of a JWT (its payload segment), or None if it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    segment = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        data = json.loads(base64.urlsafe_b64decode(segment))
    except (binascii.Error, ValueError):
        return None
    return data if isinstance(data, dict) else None


def seconds_left(token: str, now: float | None = None) -> float | None:
    """Seconds until a JWT's ``exp`` (negative once expired); None if it has no ``exp``."""
    claims = jwt_claims(token)
    exp = claims.get("exp") if claims else None
    if not isinstance(exp, int | float):
        return None
    return float(exp) - (time.time() if now is None else now)


def refresh_margin(token: str) -> float:
    """How long before expiry a token should be replaced."""
    claims = jwt_claims(token) or {}
    exp, iat = claims.get("exp"), claims.get("iat")
    if isinstance(exp, int | float) and isinstance(iat, int | float) and exp > iat:
        return min(REFRESH_MARGIN_S, 0.25 * (exp - iat))
    return REFRESH_MARGIN_S


def token_url(auth_server_url: str) -> str:
    """The token endpoint of an auth server given by its base URL (or the endpoint itself)."""
    url = auth_server_url.rstrip("/")
    return url if url.endswith("/token") else url + TOKEN_PATH


def password_request(auth_server_url: str, username: str, password: str) -> httpx.Request:
    """The password-grant request."""
    form = {"grant_type": "password", "username": username, "password": password}
    return httpx.Request("POST", token_url(auth_server_url), data=form,
                         headers={"Accept": "application/json"})


def refresh_request(auth_server_url: str, refresh_token: str) -> httpx.Request:
    """The refresh-grant request."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return httpx.Request("POST", token_url(auth_server_url), data=form,
                         headers={"Accept": "application/json"})


def revoke_request(auth_server_url: str, token: str) -> httpx.Request:
    """Revoke the session ``token`` belongs to (logout)."""
    base = token_url(auth_server_url).removesuffix("/token")
    return httpx.Request("POST", base + "/revoke", json={"token": token})


def parse_token_response(response: httpx.Response) -> TokenResponse:
    """The tokens in a 2xx response of the token endpoint."""
    response.read()
    return TokenResponse.model_validate_json(response.content)


def tokens_file_content(tokens: TokenResponse, auth_server_url: str) -> dict[str, Any]:
    """The tokens-file JSON object for freshly issued tokens."""
    return {
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "auth_server_url": auth_server_url,
        "pid": os.getpid(),
        "timestamp": datetime.now(UTC).isoformat(),
        "refresh_status": "SUCCESS",
    }


class TokensFile:
    """A tokens file on disk."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()

    def read(self) -> dict[str, Any]:
        """The file's JSON object.

        Raises:
            ClientAuthenticationError: missing, unreadable or not a JSON object.
        """
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ClientAuthenticationError(
                f"tokens file {self.path} does not exist; run `qstation auth login`"
            ) from None
        except (OSError, ValueError) as err:
            raise ClientAuthenticationError(f"cannot read tokens file {self.path}: {err}") from err
        if not isinstance(data, dict):
            raise ClientAuthenticationError(f"tokens file {self.path} is not a JSON object")
        return data

    def write(self, data: dict[str, Any]) -> None:
        """Replace the file atomically, readable by its owner only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tokens-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=2)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold an exclusive lock while refreshing, so processes sharing the file refresh it once
        (a second refresh with the same, rotated-away refresh token would end the session)."""
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; a lost race only costs a re-login
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
