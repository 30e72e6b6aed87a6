"""The paginated envelope of every QaaS list endpoint."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

#: The page value clients read as "no such page": the last page's ``next`` contains it.
NO_PAGE = "None"


class Links(BaseModel):
    """Absolute URLs of the neighbouring pages; a missing page is ``...page=None...``."""

    first: str
    prev: str
    next: str
    last: str


class Page(BaseModel, Generic[T]):
    """One page of a listing."""

    model_config = ConfigDict(populate_by_name=True)

    items: list[T]
    total: int
    per_page: int
    self_: str = Field(alias="self")
    links: Links

    def is_last(self) -> bool:
        """Whether no page follows (clients look for ``None`` in ``links.next``)."""
        return NO_PAGE in self.links.next
