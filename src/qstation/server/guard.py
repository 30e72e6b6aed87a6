"""Input the database or the parsers cannot take, refused at the door with a 4xx.

Both databases must answer a client mistake the same way, and never as an outage:

* an id larger than the id columns can hold names nothing: :data:`RowId` caps path ids, and
  the app's validation handler answers a bad path parameter with 404;
* a NUL character (PostgreSQL text cannot hold one) in the path, query or a JSON body is
  refused with 400 by :class:`RequestGuard` before any route runs;
* a body that is not JSON (or a form, or protobuf where a route takes one) is refused with 415;
* JSON nested deeper than the parsers recurse (``RecursionError``), an integer too large for
  the database (``OverflowError`` on SQLite, a data error on PostgreSQL) are answered 400 by
  :func:`install_input_handlers`, without a traceback in the log.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, Path, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qstation.server.errors import BadRequest, DomainError

#: The largest id an integer id column holds on both databases (PostgreSQL ``integer``).
MAX_ROW_ID = 2**31 - 1

#: A path id: larger ones cannot name a stored row, so they are answered 404.
RowId = Annotated[int, Path(le=MAX_ROW_ID)]

#: Body media types the API reads: JSON everywhere, a form on the token route, protobuf run
#: definitions on IQM run routes. A body without a Content-Type is read as JSON.
ACCEPTED_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "application/protobuf",
    "application/x-protobuf",
    "application/octet-stream",
)

# A JSON "\u0000" escape, i.e. preceded by an even number of backslashes (an escaped
# backslash followed by "u0000" is text, not NUL).
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_TAIL = 16  # bytes kept between body chunks so an escape split across them is still seen


class UnsupportedMediaType(DomainError):
    """The body is in a format the route does not read (415)."""

    status_code = 415
    error_code = "UNSUPPORTED_MEDIA_TYPE"


class InvalidCharacters(BadRequest):
    """The request holds a NUL character, which no stored text may contain (400)."""

    error_code = "INVALID_CHARACTERS"


def _media_type(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return str(value.decode("latin-1").split(";")[0].strip().lower())
    return None


def _json_type(media: str) -> bool:
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class RequestGuard:
    """ASGI middleware: refuses NUL characters and bodies of an unread media type."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode()
        if b"\x00" in unquote_to_bytes(raw_path) or b"\x00" in unquote_to_bytes(
            scope.get("query_string", b"")
        ):
            await self._refuse(
                scope, send, InvalidCharacters("the request path or query holds a NUL character")
            )
            return
        media = _media_type(scope)
        if (
            media is not None
            and scope["method"] in ("POST", "PUT", "PATCH")
            and not (media in ACCEPTED_TYPES or _json_type(media))
        ):
            await self._refuse(
                scope,
                send,
                UnsupportedMediaType(f"request bodies are JSON (application/json), not {media}"),
            )
            return
        if media is None or _json_type(media):
            receive = _nul_checking(receive, _escaped_nul)
        elif media == "application/x-www-form-urlencoded":
            receive = _nul_checking(receive, _percent_nul)
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, error: DomainError) -> None:
        from qstation.server.app import _error  # one renderer for both error body shapes

        response = _error(Request(scope), error.status_code, error.message, error.error_code)
        await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def plain_int(raw: str, max_digits: int | None = None) -> int | None:
    """``raw`` as a number when it is ASCII digits only (and at most ``max_digits`` of them,
    for a number bound for the database's integer columns); otherwise None. ``str.isdigit``
    alone also takes "³", which ``int`` refuses."""
    if raw.isascii() and raw.isdigit() and (max_digits is None or len(raw) <= max_digits):
        return int(raw)
    return None


def _escaped_nul(chunk: bytes) -> bool:
    """Whether a JSON body holds a ``\\u0000`` escape."""
    # Substring tests run at memory speed; the pattern, with its look-behind tried at every
    # byte, takes 60 ms a megabyte, on the event loop. Every match holds one of these.
    if b"\\u0000" not in chunk and b"\\U0000" not in chunk:
        return False
    return _NUL_ESCAPE.search(chunk) is not None


def _percent_nul(chunk: bytes) -> bool:
    """Whether a form body holds a ``%00``."""
    return b"%00" in chunk


def _nul_checking(receive: Receive, holds_nul: Callable[[bytes], bool]) -> Receive:
    tail = b""

    async def checked() -> Message:
        nonlocal tail
        message = await receive()
        if message["type"] == "http.request":
            chunk = tail + message.get("body", b"")
            if b"\x00" in chunk or holds_nul(chunk):
                raise InvalidCharacters("the request body holds a NUL character")
            tail = chunk[-_TAIL:]
        return message

    return checked


def install_input_handlers(app: FastAPI, render: Any) -> None:
    """Answer input the parsers or the database cannot take with 400, not 500 or 503."""

    def _bad(request: Request, message: str) -> JSONResponse:
        response: JSONResponse = render(request, 400, message, "INVALID_REQUEST")
        return response

    @app.exception_handler(RecursionError)
    async def too_deep(request: Request, exc: RecursionError) -> JSONResponse:
        return _bad(request, "the request body is nested too deeply")

    @app.exception_handler(OverflowError)
    async def too_large(request: Request, exc: OverflowError) -> JSONResponse:
        return _bad(request, "a number in the request is out of range")

    @app.exception_handler(DataError)
    async def bad_value(request: Request, exc: DataError) -> JSONResponse:
        return _bad(request, "a value in the request is out of range or cannot be stored")
