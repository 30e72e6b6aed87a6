"""The claim reads the queue and the claimed job's payload through indexes on SQLite.

A claim runs once or twice per job; a scan in it grows with every job the database keeps
(a scan of ``job_payloads`` halved a server's throughput within a few thousand jobs).
"""

from __future__ import annotations

from pathlib import Path

from qstation.queue import claim as q
from qstation.store import migrate
from qstation.store.db import make_sync_engine
from qstation.store.driver import driver_of


def test_the_claim_scans_neither_jobs_nor_their_payloads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    migrate.upgrade(url)
    engine = make_sync_engine(url)
    executed: list[str] = []
    try:
        with engine.begin() as conn:
            # The claim runs on the driver's connection: its trace gives the bound SQL.
            driver_of(conn).set_trace_callback(executed.append)
            assert q.claim(conn, ["star-5"], "worker-1", 30.0) is None
            driver_of(conn).set_trace_callback(None)
        statement, = [s for s in executed if s.startswith("UPDATE jobs")]
        with engine.connect() as conn:
            plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement)]
    finally:
        engine.dispose()
    assert any("job_payloads USING INDEX" in step for step in plan), plan
    assert not [step for step in plan if step.startswith("SCAN") and "job" in step], plan
