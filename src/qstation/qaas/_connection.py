"""The one seam between :class:`~qstation.qaas.API` and the network.

:class:`Connection` builds URLs, sends requests through an injectable ``httpx`` transport,
maps error answers to :mod:`qstation.qaas` exceptions and walks paginated listings.
:class:`_TokenAuth` adds the bearer token and, when the server answers 401, refreshes the
access token once with the refresh token and re-sends the request.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Generator, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from qstation import __version__
from qstation.qaas._errors import AuthenticationError, TransportError, error_for
from qstation.schemas.qaas_v1 import GRANT_TYPE, NO_PAGE, Assertion, TokenRequest, TokenResponse

DEFAULT_URL = "http://127.0.0.1:8000/qaas"


class _TokenAuth(httpx.Auth):
    """Bearer authentication with one refresh-and-retry on 401."""

    requires_response_body = True

    def __init__(self, refresh_url: str, access: str, refresh: str | None) -> None:
        self.refresh_url = refresh_url
        self.access = access
        self.refresh = refresh

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.access}"
        response = yield request
        if response.status_code != 401 or self.refresh is None:
            return
        renewed = yield httpx.Request(
            "POST",
            self.refresh_url,
            json={},
            headers={"Authorization": f"Bearer {self.refresh}"},
        )
        if renewed.status_code not in (200, 201):
            return  # the refresh answer (e.g. 401: the session has ended) is the result
        self.access = TokenResponse.model_validate(renewed.json()).access_token
        request.headers["Authorization"] = f"Bearer {self.access}"
        yield request


def token_claims(token: str) -> dict[str, Any]:
    """The (unverified) claims of a JWT: clients only read ``user_id`` and ``user_role``."""
    try:
        payload = token.split(".")[1]
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (IndexError, binascii.Error, ValueError) as err:
        raise AuthenticationError(200, f"the server sent a malformed access token: {err}") from err
    if not isinstance(claims, dict):
        raise AuthenticationError(200, "the server sent a malformed access token")
    return claims


class Connection:
    """HTTP access to one QaaS server (``base_url`` ends before ``/api/v1``)."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_url = f"{self.base_url}/api/v1"
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": f"qstation-qaas/{__version__}"},
        )
        self._auth: _TokenAuth | None = None
        self.claims: dict[str, Any] = {}

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def login(self, username: str, api_key: str) -> dict[str, Any]:
        """Log in; returns the access token's claims (``user_id``, ``user_role``).

        Raises:
            AuthenticationError: wrong username or API key.
        """
        assertion = Assertion(username=username, api_key=api_key, audience=self.api_url)
        body = TokenRequest(grant_type=GRANT_TYPE, assertion=assertion.encode())
        answer = self._send(
            "POST",
            f"{self.api_url}/authorisation-tokens",
            json=body.model_dump(by_alias=True),
            auth=None,
        )
        tokens = TokenResponse.model_validate(answer.json())
        self._auth = _TokenAuth(
            f"{self.api_url}/authorisation-tokens/refresh",
            tokens.access_token,
            tokens.refresh_token,
        )
        self.claims = token_claims(tokens.access_token)
        return self.claims

    def ping(self) -> Any:
        """``GET {base}/status`` without authentication."""
        return _body(self._send("GET", f"{self.base_url}/status", auth=None))

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        base: str | None = None,
    ) -> Any:
        """An authenticated call to ``{api}{path}``; returns the decoded body (None if empty).

        Raises:
            APIError: the server answered with an error (a subclass by status).
            TransportError: the server could not be reached.
        """
        url = f"{base or self.api_url}{path}"
        return _body(self._send(method, url, json=json, params=params, auth=self._auth))

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a paginated listing, following ``links.next`` until the last page."""
        query: dict[str, Any] = dict(params or {})
        while True:
            page = self.call("GET", path, params=query)
            yield from page["items"]
            nxt = str(page["links"]["next"])
            if NO_PAGE in nxt:
                return
            # Follow the page numbers on our own base URL (robust behind proxies).
            query = {**(params or {}), **dict(parse_qsl(urlsplit(nxt).query))}

    def _send(
        self, method: str, url: str, *, auth: httpx.Auth | None, **kwargs: Any
    ) -> httpx.Response:
        try:
            response = self._http.request(
                method, url, auth=auth or httpx.USE_CLIENT_DEFAULT, **kwargs
            )
        except httpx.HTTPError as err:
            raise TransportError(f"{method} {url}: {err}") from err
        if response.status_code >= 400:
            raise error_for(response.status_code, _detail(response))
        return response


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text or response.reason_phrase
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail if isinstance(detail, str) else response.text


def _body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text
