"""Per-request observation: a request id, the HTTP metrics and the access log.

One plain ASGI middleware does all three, so a request pays for one wrapper. The request
id is the caller's ``X-Request-ID`` when it is a sane token, else a fresh one; it is sent
back in the response, kept in ``request.state.request_id`` and written in the access log.

The access log is off in embedded mode (SQLite: a developer's laptop, where it is noise)
and on in production mode (PostgreSQL); ``QSTATION_ACCESS_LOG`` (``--access-log``) decides
otherwise, and ``QSTATION_ACCESS_LOG_JSON`` writes one JSON object per line.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from qstation.telemetry import metrics, tracing

access_log = logging.getLogger("qstation.access")
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def configure_access_log(enabled: bool) -> None:
    """Send access lines to standard error (uvicorn's own access log stays off)."""
    access_log.setLevel(logging.INFO if enabled else logging.WARNING)
    access_log.propagate = False
    if enabled and not access_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)


def _request_id(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given = str(value.decode("latin-1"))
            if _SANE_ID.match(given):
                return given
    return uuid.uuid4().hex


class ObserveMiddleware:
    """Request ids, HTTP request metrics (by route template) and the access log."""

    def __init__(self, app: Any, *, access: bool, as_json: bool = False) -> None:
        self.app = app
        self.access = access
        self.as_json = as_json
        configure_access_log(access)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        if tracing.enabled():  # the request's span (the tracing middleware runs outside this)
            from opentelemetry import trace

            trace.get_current_span().set_attribute("qstation.request_id", rid)
        started = time.perf_counter()
        status = 500  # what the client sees if the app fails before answering
        size = 0

        async def reply(message: dict[str, Any]) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, reply)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            m = metrics.instruments()
            m["requests"].labels(scope["method"], route, str(status)).inc()
            m["latency"].labels(scope["method"], route).observe(elapsed)
            if self.access:
                self._log(scope, rid, status, size, elapsed)

    def _log(self, scope: dict[str, Any], rid: str, status: int, size: int, elapsed: float) -> None:
        client = scope.get("client") or ("-", 0)
        query = scope.get("query_string", b"").decode("latin-1")
        target = scope["path"] + (f"?{query}" if query else "")
        if self.as_json:
            line = json.dumps(
                {
                    "ts": round(time.time(), 3),
                    "request_id": rid,
                    "client": client[0],
                    "method": scope["method"],
                    "path": target,
                    "status": status,
                    "bytes": size,
                    "duration_ms": round(elapsed * 1000, 2),
                }
            )
        else:
            line = (
                f'{client[0]} "{scope["method"]} {target} HTTP/{scope.get("http_version")}"'
                f" {status} {size} {elapsed * 1000:.1f}ms rid={rid}"
            )
        access_log.info(line)
