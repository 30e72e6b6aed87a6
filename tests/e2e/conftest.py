"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.postgres import fresh_database
from tests.support.servers import InProcessWorker


@contextlib.contextmanager
def client_on(database: str, tmp_path: Path, **settings: Any) -> Iterator[Any]:
    """A TestClient over the real app (``star-5``) and a real worker, on ``database``
    (``"sqlite"`` or ``"postgresql"``, a fresh database), with extra ``settings``."""
    from fastapi.testclient import TestClient

    from qstation.server.app import create_app
    from qstation.server.config import Settings
    from qstation.store import migrate

    with contextlib.ExitStack() as stack:
        url = stack.enter_context(fresh_database()) if database == "postgresql" else None
        config = Settings(data_dir=tmp_path / "data", qc=["star-5"], database_url=url, **settings)
        migrate.upgrade(config.resolved_database_url())
        client = stack.enter_context(TestClient(create_app(config)))
        stack.enter_context(InProcessWorker(config.resolved_database_url(), config.notify_dir))
        yield client


DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASES)
def any_client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """:func:`client_on` either database, with the default settings."""
    with client_on(request.param, tmp_path) as client:
        yield client
