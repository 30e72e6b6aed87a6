"""Shared fixtures: real servers over loopback and the app in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import InProcessWorker, serve_process


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``qstation serve`` process hosting lattice-20, lattice-54, star-5 and resonator-6."""
    data = tmp_path_factory.mktemp("serve") / "data"
    with serve_process(data, ("lattice-20", "lattice-54", "star-5", "resonator-6")) as url:
        yield url


@pytest.fixture()
def app_settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Settings of a fresh embedded server in a temporary directory."""
    from qstation.server.config import Settings
    from qstation.store import migrate

    settings = Settings(data_dir=tmp_path / "data", qc=["lattice-20", "star-5", "resonator-6"])
    migrate.upgrade(settings.resolved_database_url())
    return settings


@pytest.fixture()
def test_client(app_settings):  # type: ignore[no-untyped-def]
    """A Starlette TestClient (an ``httpx.Client``) over the real app, with a real worker."""
    from fastapi.testclient import TestClient

    from qstation.server.app import create_app

    with TestClient(create_app(app_settings)) as client, InProcessWorker(
        app_settings.resolved_database_url(), app_settings.notify_dir
    ):
        yield client
