"""The SDK's one I/O seam: send a request, retry where safe, map failures to exceptions.

Everything above this module builds requests and parses models without touching the
network, so an async twin needs only an ``AsyncTransport`` with the same ``request``.

Retries happen only where repeating cannot do harm: reads (GET), and submissions that carry
an ``Idempotency-Key`` (the server answers a repeat with the job it already created). They
cover 429/502/503/504 answers and failures to connect or to get a response, with capped,
jittered exponential backoff, and the server's ``Retry-After`` when it gives one.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from qstation.client._errors import (
    APIError,
    ClientConfigurationError,
    RequestTimeoutError,
    TransportError,
    error_from_response,
    retry_after_seconds,
)


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before repeating a safe request.

    Attributes:
        attempts: tries in total (1 disables retries).
        backoff: the first delay in seconds; it doubles on each retry.
        cap: the longest delay between tries, ``Retry-After`` included.
        statuses: HTTP statuses worth another try.
    """

    attempts: int = 4
    backoff: float = 0.25
    cap: float = 10.0
    statuses: frozenset[int] = frozenset({429, 502, 503, 504})

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed try number ``attempt`` (0-based)."""
        if retry_after is not None:
            return min(retry_after, self.cap)
        base = min(self.cap, self.backoff * 2.0**attempt)
        return float(base * (0.5 + random.random() / 2))  # jitter spreads synchronized clients


# Failures after which the request surely did not reach the application, or a read retry
# is harmless; a read timeout on a slow answer is not repeated.
_RETRYABLE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ReadError)


class SyncTransport:
    """Sends requests through one :class:`httpx.Client` (injected, or owned and closed here).

    Args:
        http_client: a client to use, e.g. Starlette's ``TestClient`` (not closed by us).
        transport: an httpx transport for a client we create (e.g. ``httpx.MockTransport``).
        auth: the authentication strategy, or None.
        timeout: seconds to wait for each response.
        user_agent: the ``User-Agent`` header.
        retry: the retry policy.
        tracing: propagate OpenTelemetry trace context (needs ``opentelemetry-api``).
        sleep: how to wait between tries (a seam for tests).
    """

    def __init__(
        self, *, http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None, auth: httpx.Auth | None = None,
        timeout: float, user_agent: str, retry: RetryPolicy | None = None,
        tracing: bool = False, sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._owned = http_client is None
        self.http = http_client or httpx.Client(transport=transport, timeout=timeout)
        self.auth = auth
        self.timeout = timeout
        self.headers = {"User-Agent": user_agent, "Accept": "application/json"}
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._tracer = _tracer() if tracing else None

    def close(self) -> None:
        """Release connections (an injected client is left open)."""
        if self._owned:
            self.http.close()

    def request(
        self, method: str, url: str, *, params: dict[str, Any] | None = None,
        content: bytes | None = None, headers: dict[str, str] | None = None,
        timeout: float | None = None, safe: bool | None = None, authenticate: bool = True,
    ) -> httpx.Response:
        """Send one request and return its 2xx response.

        Args:
            safe: whether repeating is harmless (default: only for GET).
            authenticate: apply the auth strategy (off for calls to the token endpoints).

        Raises:
            APIError: a non-2xx answer (the subclass follows the status).
            TransportError: no answer (``RequestTimeoutError`` on a timeout).
        """
        safe = method == "GET" if safe is None else safe
        attempts = self.retry.attempts if safe else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._send(method, url, params, content, headers, timeout,
                                      authenticate)
            except _RETRYABLE as err:
                if last:
                    raise _transport_error(err, url) from err
                self._sleep(self.retry.delay(attempt, None))
                continue
            except httpx.TimeoutException as err:
                raise _transport_error(err, url) from err
            except httpx.TransportError as err:
                raise _transport_error(err, url) from err
            if response.is_success:
                return response
            if response.is_redirect:
                where = response.headers.get("location", "?")
                raise APIError(f"unexpected redirect to {where}", status_code=response.status_code)
            if last or response.status_code not in self.retry.statuses:
                raise error_from_response(response)
            self._sleep(self.retry.delay(attempt, retry_after_seconds(response)))
        raise AssertionError("unreachable")

    def _send(
        self, method: str, url: str, params: dict[str, Any] | None, content: bytes | None,
        headers: dict[str, str] | None, timeout: float | None, authenticate: bool,
    ) -> httpx.Response:
        all_headers = {**self.headers, **(headers or {})}
        with self._span(method, url, all_headers):
            request = self.http.build_request(
                method, url, params=params, content=content, headers=all_headers,
                timeout=timeout if timeout is not None else self.timeout,
            )
            response = self.http.send(
                request, auth=self.auth if authenticate else None,
                follow_redirects=method == "GET",
            )
            response.read()
            return response

    def _span(self, method: str, url: str, headers: dict[str, str]) -> AbstractContextManager[Any]:
        if self._tracer is None:
            return nullcontext()
        return _traced(self._tracer, method, url, headers)


@contextmanager
def _traced(tracer: Any, method: str, url: str, headers: dict[str, str]) -> Iterator[None]:
    from opentelemetry import propagate, trace

    name = f"{method} {urlsplit(url).path}"
    with tracer.start_as_current_span(name, kind=trace.SpanKind.CLIENT) as span:
        span.set_attribute("http.request.method", method)
        span.set_attribute("url.full", url)
        propagate.inject(headers)  # W3C traceparent/tracestate for the server's spans
        yield


def _tracer() -> Any:
    try:
        from opentelemetry import trace
    except ImportError:
        raise ClientConfigurationError(
            "enable_opentelemetry=True needs the opentelemetry-api package"
        ) from None
    return trace.get_tracer("qstation.client")


def _transport_error(err: httpx.HTTPError, url: str) -> TransportError:
    if isinstance(err, httpx.TimeoutException):
        return RequestTimeoutError(f"no response from {url} in time: {type(err).__name__}")
    return TransportError(f"request to {url} failed: {err or type(err).__name__}")
