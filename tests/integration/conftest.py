"""Fixtures of the integration tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from qstation.store import migrate
from tests.support.postgres import ENV, fresh_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database: SQLite in ``tmp_path``, and PostgreSQL where it is configured."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'q.db'}"
        migrate.upgrade(url)
        yield url
        return
    if not os.environ.get(ENV):
        pytest.skip(f"{ENV} is not set")
    with fresh_database() as url:
        yield url
