"""PostgreSQL's saved round trips: an idle worker's claim sent as one pipeline, and a
finished job's small result read along with the view its long-poll answers."""

from __future__ import annotations

import json
import os
import threading
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from qstation.queue import claim as q
from qstation.store import orm
from qstation.store.db import make_sync_engine, psycopg_conninfo
from qstation.store.driver import pipelined
from tests.integration._pg import start_worker, stop
from tests.integration.test_driver_path import _add_machine, _fields, _two_waiting
from tests.support.circuits import bell, job
from tests.support.postgres import ENV, fresh_database
from tests.support.servers import serve_process

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]


@pytest.fixture()
def pg_url() -> Any:
    if not os.environ.get(ENV):
        pytest.skip(f"{ENV} is not set")
    with fresh_database() as url:
        yield url


def _autocommit(engine: Engine) -> Any:
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def test_a_pipelined_claim_takes_the_oldest_job_and_only_of_an_idle_machine(
    pg_url: str,
) -> None:
    engine = make_sync_engine(pg_url)
    try:
        first, second = _two_waiting(engine, "qc-a")
        with _autocommit(engine) as conn:
            claimed = q.claim_pipelined(conn, ["qc-a"], "worker-1", 30.0)
            assert claimed is not None and claimed.id == first and claimed.payload == '"0"'
            # Its machine is busy now: the second job waits, and the connection is idle.
            assert q.claim_pipelined(conn, ["qc-a"], "worker-2", 30.0) is None
            assert conn.connection.driver_connection.info.transaction_status == (
                psycopg.pq.TransactionStatus.IDLE)
        with engine.connect() as conn:
            rows = dict(conn.execute(text(
                "SELECT id, status || ':' || coalesce(claimed_by, '') FROM jobs")).all())
        assert rows == {first: "processing:worker-1", second: "waiting:"}
    finally:
        engine.dispose()


def test_a_failed_pipelined_claim_is_rolled_back_and_raised_as_sqlalchemy_s(
    pg_url: str,
) -> None:
    engine = make_sync_engine(pg_url)
    holder = psycopg.connect(psycopg_conninfo(pg_url))
    try:
        first, _ = _two_waiting(engine, "qc-b")
        holder.execute("SELECT alias FROM quantum_computers WHERE alias = 'qc-b' FOR UPDATE")
        with _autocommit(engine) as conn:
            driver = conn.connection.driver_connection
            driver.execute("SET lock_timeout = '100ms'")
            with pytest.raises(OperationalError, match="lock") as failed:
                q.claim_pipelined(conn, ["qc-b"], "worker-1", 30.0)
            # The error names the statement that waited (the machines' lock), not the
            # COMMIT at which the pipeline reported it.
            assert "FOR UPDATE" in str(failed.value.statement)
            assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            holder.rollback()
            claimed = q.claim_pipelined(conn, ["qc-b"], "worker-1", 30.0)  # usable again
            assert claimed is not None and claimed.id == first
    finally:
        holder.close()
        engine.dispose()


# Statements that live as long as the process (the driver's compiled-statement cache).
_ONE, _DIVIDED, _TWO = text("SELECT 1"), text("SELECT 1 / :zero"), text("SELECT 2")


def test_a_pipeline_s_error_names_its_failed_statement_and_rolls_back(pg_url: str) -> None:
    engine = make_sync_engine(pg_url)
    try:
        with _autocommit(engine) as conn:
            driver = conn.connection.driver_connection
            with pytest.raises(DBAPIError, match="division by zero") as failed:
                pipelined(conn, [(_ONE, {}), (_DIVIDED, {"zero": 0}), (_TWO, {})])
            assert "1 /" in str(failed.value.statement)
            assert failed.value.params == {"zero": 0}
            assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            rows = pipelined(conn, [(_ONE, {}), (_TWO, {})])
            assert [r.fetchall() for r in rows] == [[(1,)], [(2,)]]
    finally:
        engine.dispose()


def test_pipelined_claims_from_many_threads_run_one_job_of_a_machine_at_a_time(
    pg_url: str,
) -> None:
    engine = make_sync_engine(pg_url)
    machines = ["qc-x", "qc-y"]
    jobs = 24
    seen: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    try:
        for qc in machines:
            _add_machine(engine, qc)
            with engine.begin() as conn:
                for _ in range(jobs):
                    job_id = str(uuid.uuid4())
                    conn.execute(insert(orm.JOBS).values(
                        {k: v for k, v in _fields(job_id, qc).items() if k != "payload"}))
                    conn.execute(insert(orm.JOB_PAYLOADS).values(job_id=job_id, payload="{}"))

        def work(worker: str) -> None:
            try:
                with _autocommit(engine) as conn:
                    while True:
                        claimed = q.claim_pipelined(conn, machines, worker, 30.0)
                        if claimed is None:
                            if not q.claimable(conn, machines) and not _processing(conn):
                                return
                            continue
                        seen.append((claimed.quantum_computer, _processing(
                            conn, claimed.quantum_computer)))
                        with engine.begin() as tx:
                            assert q.finish(tx, claimed, worker, "completed",
                                            results=("[]", "{}"))
            except BaseException as err:  # reported by the main thread
                errors.append(err)

        threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        assert len(seen) == jobs * len(machines)
        assert {busy for _, busy in seen} == {1}  # never a second job of a machine at once
        with engine.connect() as conn:
            ends = conn.execute(text("SELECT status, attempts, count(*) FROM jobs "
                                     "GROUP BY status, attempts")).all()
        assert ends == [("completed", 1, jobs * len(machines))]
    finally:
        engine.dispose()


def _processing(conn: Any, qc: str | None = None) -> int:
    where = "" if qc is None else f" AND quantum_computer = '{qc}'"
    return int(conn.execute(text(
        f"SELECT count(*) FROM jobs WHERE status = 'processing'{where}")).scalar_one())


def test_a_long_polled_job_s_measurements_come_along_once(
    tmp_path: Path, pg_url: str
) -> None:
    with serve_process(tmp_path / "d", ("star-5",), "--no-workers", "--database-url",
                       pg_url) as url, httpx.Client(base_url=url, timeout=30) as client:
        worker = start_worker(pg_url, "star-5")
        try:
            job_id = client.post("/api/v1/jobs/star-5/circuit?use_timeslot=false",
                                 json=job(bell("QB1", "QB3"), shots=50)).json()["id"]
            done = client.get(f"/qstation/v1/jobs/{job_id}/wait", params={"timeout": 60})
            assert done.json()["status"] == "completed"
        finally:
            stop([worker])
        engine = make_sync_engine(pg_url)
        try:
            with engine.begin() as conn:
                stored = conn.execute(text("SELECT measurements FROM job_results "
                                           "WHERE job_id = :id"), {"id": job_id}).scalar_one()
                # Only to tell the two answers apart: a stored result never changes.
                conn.execute(text("UPDATE job_results SET measurements = '[\"changed\"]' "
                                  "WHERE job_id = :id"), {"id": job_id})
        finally:
            engine.dispose()
        artifact = f"/api/v1/jobs/{job_id}/artifacts/measurements"
        first, again = client.get(artifact), client.get(artifact)
        assert first.status_code == again.status_code == 200
        assert first.text == stored and len(first.json()[0]["m"]) == 50  # read along: no lookup
        assert again.json() == ["changed"]  # served once: the next read looks it up


def test_a_job_s_end_tells_its_view_only_where_it_fits(pg_url: str) -> None:
    """A long result is left out of the told view; a view too long is not told at all
    (its waiters then read the job, as before)."""
    from qstation.queue.postgres import PostgresNotifier
    from qstation.queue.statements import RESULT_ALONG

    engine = make_sync_engine(pg_url)
    listener = psycopg.connect(psycopg_conninfo(pg_url), autocommit=True)
    listener.execute("LISTEN qstation_jobs")
    long = "x" * RESULT_ALONG
    told = {}
    try:
        for name, message, measurements in (("short", "ok", "[1]"), ("long result", "ok", long),
                                            ("long view", "y" * 8000, "[1]")):
            qc = f"qc-{len(told)}"
            _add_machine(engine, qc)
            job_id = str(uuid.uuid4())
            fields = _fields(job_id, qc) | {"messages": [{"source": "server",
                                                          "message": message}]}
            with engine.begin() as conn:
                conn.execute(insert(orm.JOBS).values(
                    {k: v for k, v in fields.items() if k != "payload"}))
                conn.execute(insert(orm.JOB_PAYLOADS).values(job_id=job_id, payload="{}"))
            with _autocommit(engine) as conn:
                claimed = q.claim_pipelined(conn, [qc], "worker-1", 30.0)
                assert claimed is not None
                notice = PostgresNotifier(pg_url).in_transaction("done", job_id)
                assert notice is not None
                assert q.finish_and_claim(conn, claimed, "worker-1", (measurements, "{}"),
                                          stages=[], sweep_results=None, now=5.0,
                                          notify=notice, lease_s=30.0) == (True, None)
            (note,) = list(listener.notifies(timeout=2, stop_after=1))
            topic, told_id, *view = note.payload.split("|", 2)
            assert (topic, told_id) == ("done", job_id)
            told[name] = json.loads(view[0]) if view else None
        assert told["short"][-2:] == ["[1]", "{}"]
        assert told["long result"][-2:] == [None, None] and told["long result"][1]
        assert told["long view"] is None
    finally:
        listener.close()
        engine.dispose()


def test_a_long_poll_answered_from_the_told_view_is_the_job_s_stored_view(
    tmp_path: Path, pg_url: str
) -> None:
    """The view an API process answers from the job's end notification is the view another
    API process builds from the stored job."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        serve_process(tmp_path / "a" / "d", ("star-5",), "--no-workers", "--database-url",
                      pg_url) as told_url,
        serve_process(tmp_path / "b" / "d", ("star-5",), "--no-workers", "--database-url",
                      pg_url) as stored_url,
    ):
        worker = start_worker(pg_url, "star-5")
        try:
            with httpx.Client(base_url=told_url, timeout=30) as client:
                job_id = client.post("/api/v1/jobs/star-5/circuit?use_timeslot=false",
                                     json=job(bell("QB1", "QB3"), shots=20)).json()["id"]
                told = client.get(f"/qstation/v1/jobs/{job_id}/wait", params={"timeout": 60})
            stored = httpx.get(f"{stored_url}/api/v1/jobs/{job_id}", timeout=30)
        finally:
            stop([worker])
    assert told.status_code == stored.status_code == 200
    assert told.json()["status"] == "completed"
    assert told.json() == stored.json()
