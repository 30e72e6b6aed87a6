"""The QaaS error body: a problem-details object whose ``detail`` clients read."""

from __future__ import annotations

from http import HTTPStatus

from pydantic import BaseModel, ConfigDict


class ErrorBody(BaseModel):
    """An error as QaaS clients parse it: only ``detail`` (a string) matters to them."""

    model_config = ConfigDict(extra="ignore")

    title: str = ""
    status: int = 500
    detail: str

    @classmethod
    def of(cls, status: int, detail: str) -> ErrorBody:
        """The body for HTTP ``status`` with message ``detail``."""
        try:
            title = HTTPStatus(status).phrase
        except ValueError:
            title = "Error"
        return cls(title=title, status=status, detail=detail)
