"""The claim reads the queue and the claimed job's payload through indexes on SQLite.

A claim runs once or twice per job; a scan in it grows with every job the database keeps
(a scan of ``job_payloads`` halved a server's throughput within a few thousand jobs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event

from qstation.queue import claim as q
from qstation.store import migrate
from qstation.store.db import make_sync_engine


def test_the_claim_scans_neither_jobs_nor_their_payloads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    migrate.upgrade(url)
    engine = make_sync_engine(url)
    executed: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        executed.append((statement, params))

    try:
        event.listen(engine, "before_cursor_execute", capture)
        with engine.begin() as conn:
            assert q.claim(conn, ["star-5"], "worker-1", 30.0) is None
        event.remove(engine, "before_cursor_execute", capture)
        (statement, params), = [(s, p) for s, p in executed if s.startswith("UPDATE jobs")]
        with engine.connect() as conn:
            plan = [row[3] for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, params)]
    finally:
        engine.dispose()
    assert any("job_payloads USING INDEX" in step for step in plan), plan
    assert not [step for step in plan if step.startswith("SCAN") and "job" in step], plan
