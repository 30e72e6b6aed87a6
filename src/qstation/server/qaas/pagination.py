"""The paginated envelope: absolute page links built from the request's own URL."""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request

from qstation.schemas.qaas_v1 import NO_PAGE
from qstation.server.guard import plain_int
from qstation.server.qaas.errors import Unprocessable

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500


class PageRequest:
    """``page`` and ``per_page`` of a list request (1-based; defaults when absent)."""

    def __init__(self, request: Request, default_per_page: int = DEFAULT_PER_PAGE) -> None:
        self.request = request
        self.page = _positive(request.query_params.get("page"), "page", 1)
        per_page = _positive(request.query_params.get("per_page"), "per_page", default_per_page)
        self.per_page = min(per_page, MAX_PER_PAGE)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def envelope(self, items: list[Any], total: int) -> dict[str, Any]:
        """The page object clients walk: ``items``, ``total`` and ``links`` (``next`` holds
        ``page=None`` on the last page, never JSON null)."""
        last = max(1, math.ceil(total / self.per_page))
        base = str(self.request.base_url).rstrip("/") + self.request.url.path

        def link(page: int | None) -> str:
            return f"{base}?page={page if page is not None else NO_PAGE}&per_page={self.per_page}"

        return {
            "items": items,
            "total": total,
            "per_page": self.per_page,
            "self": link(self.page),
            "links": {
                "first": link(1),
                "prev": link(self.page - 1 if self.page > 1 else None),
                "next": link(self.page + 1 if self.page < last else None),
                "last": link(last),
            },
        }


def _positive(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    value = plain_int(raw, 9)  # nine digits fit any offset the database takes
    if value is None or value < 1:
        raise Unprocessable(f"{name} must be a positive integer, got {raw!r}")
    return value


def parse_flag(raw: str | None, name: str) -> bool:
    """A query-string boolean, sent as ``True``/``False`` by Python clients (any case)."""
    if raw is None or raw == "":
        return False
    lowered = raw.lower()
    if lowered not in ("true", "false", "1", "0"):
        raise Unprocessable(f"{name} must be true or false, got {raw!r}")
    return lowered in ("true", "1")
