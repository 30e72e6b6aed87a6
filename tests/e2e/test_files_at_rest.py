"""Data at rest is the service's alone: directory 0700, database and key 0600, any umask.

The token-signing key lives in its own file (or ``QSTATION_AUTH_SECRET``), never in the
database files, so a copy of the database cannot mint tokens.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.servers import serve_process

pytestmark = pytest.mark.timeout(120)
PASSWORD = "files-at-rest-password"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def open_umask() -> Iterator[None]:
    """Children start with umask 000, the worst case: every mode must be set explicitly."""
    before = os.umask(0)
    try:
        yield
    finally:
        os.umask(before)


def _login(url: str) -> str:
    grant = {"grant_type": "password", "username": "admin", "password": PASSWORD}
    reply = httpx.post(f"{url}/qstation/v1/auth/token", json=grant, timeout=30)
    assert reply.status_code == 200, reply.text
    token: str = reply.json()["access_token"]
    return token


def test_data_directory_database_and_key_are_private(tmp_path: Path, open_umask: None) -> None:
    data = tmp_path / "data"
    env = {"QSTATION_ADMIN_PASSWORD": PASSWORD}
    with serve_process(data, ("star-5",), "--auth", env=env) as url:
        token = _login(url)
        who = httpx.get(
            f"{url}/qstation/v1/auth/whoami",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert who.status_code == 200
        assert _mode(data) == 0o700
        files = [data / "qstation.db", data / "auth.key"]
        files += [p for p in (data / "qstation.db-wal", data / "qstation.db-shm") if p.exists()]
        assert len(files) >= 3, sorted(p.name for p in data.iterdir())
        for path in files:
            assert _mode(path) == 0o600, (path.name, oct(_mode(path)))
        key = (data / "auth.key").read_text().strip()
        assert len(key) >= 32
        with sqlite3.connect(data / "qstation.db") as db:
            assert db.execute("SELECT count(*) FROM auth_keys").fetchone() == (0,)
        for path in files:  # the key is in its file only
            if path.name != "auth.key":
                assert key.encode() not in path.read_bytes()
    # A restart keeps the key: tokens issued before it stay valid.
    with serve_process(data, ("star-5",), "--auth", env=env) as url:
        who = httpx.get(
            f"{url}/qstation/v1/auth/whoami",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert who.status_code == 200, who.text


def test_configured_secret_writes_no_key_file(tmp_path: Path, open_umask: None) -> None:
    data = tmp_path / "data"
    env = {"QSTATION_ADMIN_PASSWORD": PASSWORD, "QSTATION_AUTH_SECRET": "s" * 48}
    with serve_process(data, ("star-5",), "--auth", env=env) as url:
        _login(url)
        assert not (data / "auth.key").exists()
        assert _mode(data) == 0o700 and _mode(data / "qstation.db") == 0o600


def test_key_kept_in_the_database_moves_to_the_key_file(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from qstation.server.app import create_app
    from qstation.server.config import Settings
    from qstation.store import migrate

    settings = Settings(
        data_dir=tmp_path / "data", qc=["star-5"], auth=True, admin_password=PASSWORD
    )
    migrate.upgrade(settings.resolved_database_url())
    legacy = "k" * 64
    with sqlite3.connect(tmp_path / "data" / "qstation.db") as db:
        db.execute("INSERT INTO auth_keys (id, secret, created_at) VALUES (1, ?, 0)", (legacy,))
    with TestClient(create_app(settings)) as http:
        grant = {"grant_type": "password", "username": "admin", "password": PASSWORD}
        assert http.post("/qstation/v1/auth/token", json=grant).status_code == 200
    assert (tmp_path / "data" / "auth.key").read_text().strip() == legacy
    assert _mode(tmp_path / "data" / "auth.key") == 0o600
    with sqlite3.connect(tmp_path / "data" / "qstation.db") as db:
        assert db.execute("SELECT count(*) FROM auth_keys").fetchone() == (0,)
