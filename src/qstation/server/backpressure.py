"""Load shedding: too many submissions in flight are refused at once with 429.

A submission costs the API parsing, validation and a write; when more arrive than the
process can work through, queueing them in memory only makes every client wait longer
(and hold more memory). Past ``limit`` submissions in flight, a new one is answered
``429 Too Many Requests`` with ``Retry-After`` before its body is read, so nothing of it is
stored or queued, and the client retries later. Reads and long-polls are never shed: a
long-poll costs nothing while it waits.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

#: Seconds a shed client is asked to wait before retrying.
RETRY_AFTER_S = 1


class SubmissionLimit:
    """ASGI middleware that sheds ``POST`` requests beyond ``limit`` in flight."""

    def __init__(
        self, app: ASGIApp, *, limit: int, render: Callable[[Request, int, str, str], Response]
    ) -> None:
        self.app = app
        self.limit = limit
        self.render = render
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            response = self.render(
                Request(scope),
                429,
                f"the server has {self.in_flight} submissions in progress; retry in "
                f"{RETRY_AFTER_S} s",
                "SERVER_BUSY",
            )
            response.headers["Retry-After"] = str(RETRY_AFTER_S)
            await response(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
