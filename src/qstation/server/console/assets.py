"""The console's static files and the API documentation pages, all served from the wheel.

Assets are compressed once, on first request, and kept in memory; their URLs carry a
content hash, so browsers may cache them for good and a new release is fetched at once.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from functools import cache
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from qstation.server.errors import NotFound

STATIC = Path(__file__).parent / "static"
router = APIRouter(include_in_schema=False)
_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


@cache
def _load(name: str) -> tuple[bytes, bytes, str, str]:
    """A static file: raw bytes, gzip bytes, media type, content hash."""
    path = (STATIC / name).resolve()
    if STATIC.resolve() not in path.parents or not path.is_file():
        raise NotFound(f"no console asset {name!r}", error_code="NOT_FOUND")
    raw = path.read_bytes()
    media = (
        _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )
    return raw, gzip.compress(raw, 9, mtime=0), media, hashlib.sha256(raw).hexdigest()[:12]


def asset_url(name: str) -> str:
    """The cache-busting URL of a static file (templates call it as ``asset``)."""
    return f"/console/static/{name}?v={_load(name)[3]}"


@router.get("/console/static/{name:path}")
async def static(name: str, request: Request) -> Response:
    """A console asset, gzip-compressed when the browser accepts it."""
    raw, packed, media, digest = _load(name)
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable",
        "ETag": f'"{digest}"',
        "Vary": "Accept-Encoding",
    }
    if request.headers.get("if-none-match") == f'"{digest}"':
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(packed, media_type=media, headers={**headers, "Content-Encoding": "gzip"})
    return Response(raw, media_type=media, headers=headers)


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs`` (Swagger UI) and ``/redoc`` from the bundled files.

    FastAPI's own pages load their scripts and fonts from public CDNs, so they are blank
    offline; the app is created without them and these take their place.
    """
    title = app.title

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{title} - Swagger UI",
            swagger_js_url=asset_url("vendor/swagger-ui-bundle.js"),
            swagger_css_url=asset_url("vendor/swagger-ui.css"),
            swagger_favicon_url=asset_url("favicon.svg"),
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{title} - ReDoc",
            redoc_js_url=asset_url("vendor/redoc.standalone.js"),
            redoc_favicon_url=asset_url("favicon.svg"),
            with_google_fonts=False,
        )
