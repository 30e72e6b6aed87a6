"""Migration 0010 moves jobs' payloads into ``job_payloads`` and back, on SQLite and
PostgreSQL, losing nothing: not the payloads, not the definitions, and not the rows of the
tables that cascade from ``jobs`` (timeline events, results), down to revision 0004."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from qstation.store import migrate
from qstation.store.db import make_sync_engine
from tests.support.postgres import ENV, fresh_database

pytestmark = pytest.mark.timeout(120)

BODY = '{"circuits": [{"name": "bell", "instructions": []}], "shots": 10}'
DEFINITION = b"\x0a\x03run\x00\xff"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'q.db'}"
        return
    if not os.environ.get(ENV):
        pytest.skip(f"{ENV} is not set")
    with fresh_database(None) as url:
        yield url


def _job(job_id: str, type_: str, payload: str, definition: bytes | None) -> dict[str, object]:
    return {
        "id": job_id, "type": type_, "protocol": "iqm", "quantum_computer": "star-5",
        "owner": None, "status": "completed", "use_timeslot": False,
        "calibration_set_id": "c1", "shots": 10, "n_circuits": 1, "payload": payload,
        "definition": definition, "created_at": 1.0, "attempts": 1,
        "cancel_requested": False, "progress": 1, "errors": [], "messages": [],
    }


def _seed_at_0009(conn: sa.Connection) -> None:
    jobs = sa.Table("jobs", sa.MetaData(), autoload_with=conn)  # as it was at 0009
    conn.execute(sa.insert(jobs), [_job("j-circuit", "circuit", BODY, None),
                                   _job("j-run", "run", "", DEFINITION)])
    conn.execute(sa.text(
        "INSERT INTO job_events (job_id, source, status, ts) VALUES ('j-circuit', 's', 'x', 1)"
    ))
    conn.execute(sa.text(
        "INSERT INTO job_results (job_id, measurements, counts) VALUES ('j-run', '[]', '[]')"
    ))


def _children(conn: sa.Connection) -> tuple[int, int]:
    events = conn.execute(sa.text("SELECT count(*) FROM job_events")).scalar_one()
    results = conn.execute(sa.text("SELECT count(*) FROM job_results")).scalar_one()
    return int(events), int(results)


def test_payloads_move_out_of_jobs_and_back(empty_url: str) -> None:
    migrate.upgrade(empty_url, "0009")
    engine = make_sync_engine(empty_url)
    try:
        with engine.begin() as conn:
            _seed_at_0009(conn)

        migrate.upgrade(empty_url)
        with engine.connect() as conn:
            moved = conn.execute(sa.text(
                "SELECT job_id, payload, definition FROM job_payloads ORDER BY job_id"
            )).all()
            columns = {c["name"] for c in sa.inspect(conn).get_columns("jobs")}
            assert _children(conn) == (1, 1)
        assert [(r[0], r[1], r[2] and bytes(r[2])) for r in moved] == [
            ("j-circuit", BODY, None), ("j-run", "", DEFINITION)]
        assert not columns & {"payload", "definition"}

        command.downgrade(migrate.alembic_config(empty_url), "0009")
        with engine.connect() as conn:
            back = conn.execute(sa.text(
                "SELECT id, payload, definition FROM jobs ORDER BY id"
            )).all()
            assert not sa.inspect(conn).has_table("job_payloads")
            assert _children(conn) == (1, 1)
        assert [(r[0], r[1], r[2] and bytes(r[2])) for r in back] == [
            ("j-circuit", BODY, None), ("j-run", "", DEFINITION)]

        # Further down, the columns of 0009 and 0005 go the same way: the children stay.
        command.downgrade(migrate.alembic_config(empty_url), "0004")
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("jobs")}
            assert _children(conn) == (1, 1)
        assert not columns & {"definition", "trace_context"} and "payload" in columns
    finally:
        engine.dispose()
