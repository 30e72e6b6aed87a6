"""Authentication strategies, each an :class:`httpx.Auth`, and the rules for choosing one.

Three mutually exclusive ways, as in IQM's clients:

1. a long-lived token: ``token=`` or ``IQM_TOKEN`` (sent as is, never refreshed);
2. a tokens file: ``tokens_file=`` or ``IQM_TOKENS_FILE`` (re-read near expiry, and
   refreshed in place when it holds a refresh token);
3. a login session: ``auth_server_url``, ``username``, ``password`` or ``IQM_AUTH_SERVER``,
   ``IQM_AUTH_USERNAME``, ``IQM_AUTH_PASSWORD`` (kept fresh with refresh tokens).

Token refresh happens inside ``auth_flow``: a refresh is yielded as a request of its own,
then the API request is sent; on a 401 the token is renewed once and the request re-sent.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import httpx

from qstation.client._config import env, require_secure
from qstation.client._errors import (
    ClientAuthenticationError,
    ClientConfigurationError,
    UnauthorizedError,
    error_from_response,
)
from qstation.client._tokens import (
    TokensFile,
    parse_token_response,
    password_request,
    refresh_margin,
    refresh_request,
    revoke_request,
    seconds_left,
    tokens_file_content,
)

TokenFlow = Generator[httpx.Request, httpx.Response, str]


class StaticTokenAuth(httpx.Auth):
    """A fixed bearer token."""

    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


class RefreshingAuth(httpx.Auth):
    """A bearer token that is renewed before it expires and once after a 401."""

    requires_response_body = True

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def fresh_token(self, *, force: bool) -> TokenFlow:
        """Yield whatever requests are needed and return a usable access token."""
        raise NotImplementedError

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        # The async twin's entry point: it must bring its own asyncio.Lock.
        yield from self._flow(request, nullcontext())

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        flow = self._flow(request, self._lock)
        outgoing = next(flow)
        while True:
            response = yield outgoing
            response.read()
            try:
                outgoing = flow.send(response)
            except StopIteration:
                return

    def _flow(
        self, request: httpx.Request, lock: AbstractContextManager[Any]
    ) -> Generator[httpx.Request, httpx.Response, None]:
        with lock:
            token = yield from self.fresh_token(force=False)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            with lock:
                renewed = yield from self.fresh_token(force=True)
            if renewed != token:
                request.headers["Authorization"] = f"Bearer {renewed}"
                yield request


def _fresh(token: str | None) -> bool:
    left = seconds_left(token) if token else None
    return token is not None and (left is None or left > refresh_margin(token))


class TokensFileAuth(RefreshingAuth):
    """The access token of a tokens file, re-read when near expiry and refreshed in place."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.file = TokensFile(path)
        self._token: str | None = None

    def fresh_token(self, *, force: bool) -> TokenFlow:
        if not force and _fresh(self._token):
            assert self._token is not None
            return self._token
        data = self.file.read()
        token = data.get("access_token")
        if isinstance(token, str) and _fresh(token) and token != (self._token if force else None):
            self._token = token
            return token
        if data.get("refresh_token") and data.get("auth_server_url"):
            with self.file.lock():
                self._token = yield from self._refresh(token if isinstance(token, str) else None)
            return self._token
        left = seconds_left(token) if isinstance(token, str) else None
        if isinstance(token, str) and left is not None and left > 0:
            self._token = token
            return token
        raise ClientAuthenticationError(
            f"the access token in tokens file {self.file.path} has expired or is not valid, and "
            "the file holds no refresh token; run `qstation auth login` to renew it"
        )

    def _refresh(self, seen: str | None) -> TokenFlow:
        data = self.file.read()  # another process may have refreshed it meanwhile
        token = data.get("access_token")
        if isinstance(token, str) and token != seen and _fresh(token):
            return token
        url = str(data["auth_server_url"])
        response = yield refresh_request(url, str(data["refresh_token"]))
        if not response.is_success:
            err = error_from_response(response)
            self.file.write({**data, "refresh_status": "FAILED"})
            raise ClientAuthenticationError(
                f"could not refresh the tokens in {self.file.path}: {err.message}; "
                "run `qstation auth login`"
            ) from err
        tokens = parse_token_response(response)
        self.file.write(tokens_file_content(tokens, url))
        return tokens.access_token


class PasswordSessionAuth(RefreshingAuth):
    """A login session with an auth server, kept fresh with refresh tokens."""

    def __init__(self, auth_server_url: str, username: str, password: str) -> None:
        super().__init__()
        require_secure(auth_server_url, "auth server URL")
        self.auth_server_url = auth_server_url
        self.username = username
        self._password = password
        self._access: str | None = None
        self._refresh: str | None = None

    def fresh_token(self, *, force: bool) -> TokenFlow:
        if not force and _fresh(self._access):
            assert self._access is not None
            return self._access
        left = seconds_left(self._refresh) if self._refresh else None
        if self._refresh and (left is None or left > 0):
            response = yield refresh_request(self.auth_server_url, self._refresh)
            if response.is_success:
                return self._store(response)
            if response.status_code not in (400, 401):
                raise error_from_response(response)
        response = yield password_request(self.auth_server_url, self.username, self._password)
        if not response.is_success:
            err = error_from_response(response)
            if isinstance(err, UnauthorizedError):
                raise UnauthorizedError(
                    f"login as {self.username!r} at {self.auth_server_url} failed: {err.message}",
                    status_code=401, error_code=err.error_code, source=err.source,
                ) from err
            raise err
        return self._store(response)

    def _store(self, response: httpx.Response) -> str:
        tokens = parse_token_response(response)
        self._access, self._refresh = tokens.access_token, tokens.refresh_token
        return tokens.access_token

    def logout_request(self) -> httpx.Request | None:
        """The request that ends this session on the server (None if never logged in)."""
        token = self._refresh or self._access
        self._access = self._refresh = None
        return revoke_request(self.auth_server_url, token) if token else None


_ENV = {
    "token": "IQM_TOKEN", "tokens_file": "IQM_TOKENS_FILE", "auth_server_url": "IQM_AUTH_SERVER",
    "username": "IQM_AUTH_USERNAME", "password": "IQM_AUTH_PASSWORD",
}
_PASSWORD_KEYS = ("auth_server_url", "username", "password")


def _modes(values: dict[str, str | None]) -> list[str]:
    found = [k for k in ("token", "tokens_file") if values[k]]
    if any(values[k] for k in _PASSWORD_KEYS):
        found.append("username/password")
    return found


def resolve_auth(server_root: str, **given: str | None) -> httpx.Auth | None:
    """The authentication strategy for the given arguments and the environment.

    Args:
        server_root: the API root; the default auth server for username/password.
        **given: ``token``, ``tokens_file``, ``auth_server_url``, ``username``, ``password``.

    Raises:
        ClientConfigurationError: more than one way configured, a value given both as an
            argument and in the environment, or an incomplete username/password set.
    """
    from_env = {k: env(v) for k, v in _ENV.items()}
    args = {k: given.get(k) for k in _ENV}
    for key, var in _ENV.items():
        if args[key] and from_env[key]:
            raise ClientConfigurationError(
                f"{key} is given both as an argument and as environment variable {var}; use one"
            )
    arg_modes, env_modes = _modes(args), _modes(from_env)
    if "username/password" in arg_modes and "username/password" in env_modes:
        raise ClientConfigurationError(
            "auth_server_url, username and password must all come from arguments or all from "
            "IQM_AUTH_SERVER, IQM_AUTH_USERNAME and IQM_AUTH_PASSWORD, not mixed"
        )
    modes = sorted(set(arg_modes + env_modes))
    if len(modes) > 1:
        raise ClientConfigurationError(
            f"authentication is configured more than one way ({', '.join(modes)}); the ways "
            "are mutually exclusive, so give exactly one"
        )
    values = {k: args[k] or from_env[k] for k in _ENV}
    if values["token"]:
        return StaticTokenAuth(values["token"])
    if values["tokens_file"]:
        return TokensFileAuth(values["tokens_file"])
    if modes:
        if not values["username"] or not values["password"]:
            raise ClientConfigurationError("username/password authentication needs both a "
                                           "username and a password")
        return PasswordSessionAuth(values["auth_server_url"] or server_root,
                                   values["username"], values["password"])
    return None
