"""Fresh PostgreSQL databases for tests, from ``QSTATION_TEST_POSTGRES_URL``."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest

ENV = "QSTATION_TEST_POSTGRES_URL"


def admin_url() -> str:
    """The server to create test databases on, or skip the test with the reason."""
    url = os.environ.get(ENV)
    if not url:
        pytest.skip(f"{ENV} is not set: PostgreSQL tests need a server (CI sets it)")
    return url


@contextlib.contextmanager
def fresh_database(revision: str | None = "head") -> Iterator[str]:
    """Create an empty database migrated to ``revision`` (None: not at all); drop it
    afterwards. Yields its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    from qstation.store import migrate

    base = make_url(admin_url())
    name = f"qstation_test_{uuid.uuid4().hex[:10]}"
    conninfo = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        if revision is not None:
            migrate.upgrade(url, revision)
        yield url
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
