"""The queue's hot statements on the driver's connection write what SQLAlchemy writes.

A submission's statements (SQLite) and a worker's claim and finish (SQLite and PostgreSQL)
run on the driver's connection unless something listens for statements; then they go
through SQLAlchemy. Both paths run here on one database, and the rows they leave are
compared column for column (JSON as text, booleans, marks, results).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine

from qstation.queue import claim as q
from qstation.queue.postgres import PostgresNotifier
from qstation.queue.statements import FINISH
from qstation.store import orm
from qstation.store.db import make_sync_engine, psycopg_conninfo
from qstation.store.driver import DriverStatement, bypasses
from qstation.store.enqueue import Charge, sqlite_enqueue
from tests.support.postgres import ENV, fresh_database

pytestmark = pytest.mark.timeout(120)
MARKS = [("received", 1.0), ("validation_ended", 1.5), ("pending_execution", 2.0)]
STAGES = [("execution_started", 3.0), ("execution_ended", 4.0)]


def _engines(url: str) -> tuple[Engine, Engine]:
    """An engine whose hot statements run on the driver, and one whose go through
    SQLAlchemy (a statement listener is attached, as tracing attaches one)."""
    direct, watched = make_sync_engine(url), make_sync_engine(url)
    event.listen(watched, "before_cursor_execute", lambda *_: None)
    with direct.connect() as a, watched.connect() as b:
        assert bypasses(a) and not bypasses(b)
    return direct, watched


def _fields(job_id: str, qc: str = "star-5") -> dict[str, Any]:
    return {
        "id": job_id, "type": "circuit", "protocol": "iqm", "quantum_computer": qc,
        "owner": "alice", "status": "waiting", "use_timeslot": False,
        "calibration_set_id": str(uuid.UUID(int=7)), "shots": 100, "n_circuits": 1,
        "payload": '{"circuits": []}', "idempotency_key": None, "created_at": time.time(),
        "attempts": 0, "cancel_requested": False, "progress": 0, "errors": [],
        "messages": [{"source": "server", "message": "naïve ✓"}], "trace_context": None,
    }


def _add_machine(engine: Engine, alias: str) -> None:
    with engine.begin() as conn:
        conn.execute(insert(orm.QUANTUM_COMPUTERS).values(
            alias=alias, id=str(uuid.uuid4()), display_name=alias, device="star-5",
            status="online", default_calibration_set_id=None, created_at=0.0))


def _rows(engine: Engine, job_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        job = conn.execute(text(
            "SELECT type, protocol, quantum_computer, owner, status, use_timeslot, shots, "
            "attempts, cancel_requested, progress, errors, messages, claimed_by, "
            "lease_expires_at FROM jobs WHERE id = :id"), {"id": job_id}).one()
        return {
            "job": tuple(job),
            "payload": conn.execute(text(
                "SELECT payload, definition FROM job_payloads WHERE job_id = :id"),
                {"id": job_id}).all(),
            "events": conn.execute(text(
                "SELECT source, status, ts FROM job_events WHERE job_id = :id ORDER BY id"),
                {"id": job_id}).all(),
            "results": conn.execute(text(
                "SELECT measurements, counts FROM job_results WHERE job_id = :id"),
                {"id": job_id}).all(),
        }


def _claimed(direct: Engine, engine: Engine, name: str) -> q.Claimed:
    """A job stored and claimed through ``engine``, on a machine of its own."""
    qc = f"qc-{name}-{uuid.uuid4().hex[:6]}"  # each claim finds its own job
    _add_machine(direct, qc)
    job_id = str(uuid.uuid4())
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            _, position, _ = sqlite_enqueue(conn, _fields(job_id, qc), "server", MARKS,
                                            Charge("alice", "2026-12-04", 1, 100))
            assert position == 0
        else:  # PostgreSQL stores with its one-statement enqueue (not this path)
            conn.execute(insert(orm.JOBS).values(
                {k: v for k, v in _fields(job_id, qc).items() if k != "payload"}))
            conn.execute(insert(orm.JOB_PAYLOADS).values(job_id=job_id, payload='{"circuits": []}'))
    with engine.begin() as conn:
        claimed = q.claim(conn, [qc], "worker-1", 30.0)
    assert claimed is not None and claimed.id == job_id
    assert claimed.payload == '{"circuits": []}' and claimed.use_timeslot is False
    return claimed


def _end(direct: Engine, job_id: str) -> dict[str, Any]:
    rows = _rows(direct, job_id)
    job = rows["job"]
    return {**rows, "job": (*job[:2], *job[3:])}  # all but the machine


def test_both_paths_store_claim_and_finish_jobs_alike(database_url: str) -> None:
    direct, watched = _engines(database_url)
    try:
        ends = {}
        for name, engine in (("direct", direct), ("watched", watched)):
            claimed = _claimed(direct, engine, name)
            with engine.begin() as conn:
                assert q.finish(conn, claimed, "worker-1", "completed", results=("[1]", "{}"),
                                stages=STAGES, now=5.0)
            with engine.begin() as conn:  # written once: the lease is gone
                assert not q.finish(conn, claimed, "worker-1", "failed", now=6.0)
            ends[name] = _end(direct, claimed.id)
        assert ends["direct"] == ends["watched"]
        end = ends["direct"]
        assert end["results"] == [("[1]", "{}")]
        assert [e[1] for e in end["events"]][-3:] == ["execution_started", "execution_ended",
                                                      "ready"]
    finally:
        direct.dispose()
        watched.dispose()


def test_both_paths_end_a_failed_job_alike(database_url: str) -> None:
    direct, watched = _engines(database_url)
    error = {"message": "heralding discarded all 100 shots", "error_code": "HERALDING_NO_SHOTS",
             "source": "qstation-worker"}
    try:
        ends = {}
        for name, engine in (("direct", direct), ("watched", watched)):
            claimed = _claimed(direct, engine, name)
            with engine.begin() as conn:
                assert q.finish(conn, claimed, "worker-1", "failed", errors=[error],
                                stages=STAGES, now=5.0)
            ends[name] = _end(direct, claimed.id)
        assert ends["direct"] == ends["watched"]
        end = ends["direct"]
        assert end["results"] == [] and end["job"][3] == "failed"
        errors = end["job"][9]
        assert (json.loads(errors) if isinstance(errors, str) else errors) == [error]
        assert [e[1] for e in end["events"]][-2:] == ["execution_started", "execution_ended"]
    finally:
        direct.dispose()
        watched.dispose()


@pytest.mark.postgres
def test_a_job_s_end_notifies_its_waiters_at_commit(tmp_path: Path) -> None:
    if not os.environ.get(ENV):
        pytest.skip(f"{ENV} is not set")
    with fresh_database() as url:
        engine = make_sync_engine(url)
        listener = psycopg.connect(psycopg_conninfo(url), autocommit=True)
        try:
            _add_machine(engine, "star-5")
            job_id = str(uuid.uuid4())
            with engine.begin() as conn:
                conn.execute(insert(orm.JOBS).values(
                    {k: v for k, v in _fields(job_id).items() if k != "payload"}))
                conn.execute(insert(orm.JOB_PAYLOADS).values(job_id=job_id, payload="{}"))
                conn.execute(insert(orm.JOB_EVENTS), [
                    {"job_id": job_id, "source": "server", "status": st, "ts": ts + 0.1}
                    for st, ts in MARKS])
                claimed = q.claim(conn, ["star-5"], "worker-1", 30.0)
            assert claimed is not None
            listener.execute("LISTEN qstation_jobs")
            notice = PostgresNotifier(url).in_transaction("done", job_id)
            with engine.begin() as conn:
                assert q.finish(conn, claimed, "worker-1", "completed", results=("[]", "{}"),
                                stages=STAGES, notify=notice)
                assert _notes(listener) == []  # not before the commit
            views: list[Any] = []
            assert _notes(listener, views) == [f"done|{job_id}"]
            # It told the job's view as the committed rows give it, to the last bit.
            owner, told_id, *fields, earlier, added, measurements, counts = views[0]
            row = _rows(engine, job_id)
            with engine.connect() as conn:
                columns = conn.execute(text(
                    "SELECT type, status, calibration_set_id, created_at, started_at, "
                    "finished_at, messages, errors FROM jobs WHERE id = :id"),
                    {"id": job_id}).one()
            assert (owner, told_id, *fields) == ("alice", job_id, *columns)
            assert [(s, st, ts) for ts, s, st in earlier + added] == row["events"]
            assert [e[2] for e in earlier] == [m[0] for m in MARKS]
            assert [e[2] for e in added] == ["execution_started", "execution_ended", "ready"]
            assert (measurements, counts) == ("[]", "{}")
            with engine.begin() as conn:  # the lease is gone: nothing written, nothing sent
                assert not q.finish(conn, claimed, "worker-1", "completed",
                                    results=("[]", "{}"), notify=notice)
            assert _notes(listener) == []
        finally:
            listener.close()
            engine.dispose()


def _two_waiting(engine: Engine, qc: str) -> list[str]:
    """Two jobs waiting on a machine of their own; the first is claimed by ``worker-1``."""
    _add_machine(engine, qc)
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    with engine.begin() as conn:
        for n, job_id in enumerate(ids):
            conn.execute(insert(orm.JOBS).values(
                {k: v for k, v in _fields(job_id, qc).items() if k != "payload"}))
            conn.execute(insert(orm.JOB_PAYLOADS).values(job_id=job_id, payload=f'"{n}"'))
    return ids


@pytest.mark.postgres
def test_one_statement_ends_a_job_and_claims_its_machine_s_next() -> None:
    if not os.environ.get(ENV):
        pytest.skip(f"{ENV} is not set")
    with fresh_database() as url:
        direct, watched = _engines(url)
        listener = psycopg.connect(psycopg_conninfo(url), autocommit=True)
        listener.execute("LISTEN qstation_jobs")
        notifier = PostgresNotifier(url)
        ends = {}
        try:
            for name, engine in (("direct", direct), ("watched", watched),
                                 ("transaction", direct)):
                first, second = _two_waiting(direct, f"qc-{name}")
                with engine.begin() as conn:
                    claimed = q.claim(conn, [f"qc-{name}"], "worker-1", 30.0)
                assert claimed is not None and claimed.id == first
                notice = notifier.in_transaction("done", first)
                assert notice is not None
                if name == "transaction":  # what the one statement stands for
                    with engine.begin() as conn:
                        assert q.finish(conn, claimed, "worker-1", "completed",
                                        results=("[1]", "{}"), stages=STAGES, now=5.0,
                                        notify=notice)
                        nxt = q.claim(conn, [claimed.quantum_computer], "worker-1", 30.0,
                                      held=claimed.quantum_computer)
                    ended = True
                else:
                    with engine.connect().execution_options(
                            isolation_level="AUTOCOMMIT") as conn:
                        # Not its lease: nothing is written, claimed or sent.
                        assert _finish_and_claim(conn, claimed, notice, "worker-2") == (
                            False, None)
                        assert _notes(listener) == []
                        assert _rows(direct, second)["job"][4] == "waiting"
                        ended, nxt = _finish_and_claim(conn, claimed, notice)
                        assert _notes(listener) == [f"done|{first}"]
                assert ended and nxt is not None and nxt.id == second
                assert nxt.payload == '"1"' and nxt.started_at > 0
                ends[name] = (_end(direct, first), _end(direct, second))
                if name != "transaction":
                    with engine.connect().execution_options(
                            isolation_level="AUTOCOMMIT") as conn:  # nothing left to claim
                        last = notifier.in_transaction("done", second)
                        assert last is not None
                        assert _finish_and_claim(conn, nxt, last) == (True, None)
                    assert _notes(listener) == [f"done|{second}"]
            assert ends["direct"] == ends["watched"]
            assert [e[1] for e in ends["direct"][0]["events"]] == [
                e[1] for e in ends["transaction"][0]["events"]]
            assert ends["direct"][0]["results"] == ends["transaction"][0]["results"]
            claimed_job = ends["direct"][1]["job"]
            assert claimed_job[3] == "processing" and claimed_job[6] == 1  # status, attempts
            assert claimed_job == ends["transaction"][1]["job"][:11] + claimed_job[11:]
        finally:
            listener.close()
            direct.dispose()
            watched.dispose()


def _finish_and_claim(
    conn: Any, claimed: q.Claimed, notice: tuple[str, str], worker: str = "worker-1"
) -> tuple[bool, q.Claimed | None]:
    return q.finish_and_claim(conn, claimed, worker, ("[1]", "{}"), stages=STAGES,
                              sweep_results=None, now=5.0, notify=notice, lease_s=30.0)


def _notes(conn: psycopg.Connection[Any], views: list[Any] | None = None) -> list[str]:
    """The notifications received (``topic|job id``); the views they told go to ``views``."""
    found = []
    for note in conn.notifies(timeout=0.5, stop_after=1):
        topic, job_id, *told = note.payload.split("|", 2)
        found.append(f"{topic}|{job_id}")
        if views is not None:
            views += [json.loads(t) for t in told]
    return found


def test_a_driver_statement_is_given_every_value_it_cannot_hold() -> None:
    dialect = sqlite.dialect()
    with pytest.raises(ValueError, match="Python-side defaults"):
        DriverStatement(insert(orm.JOBS), dialect, ("id", "quantum_computer"))
    finish = DriverStatement(FINISH, dialect)
    with pytest.raises(KeyError, match="worker"), sqlite3.connect(":memory:") as conn:
        finish.execute(conn, {"job_id_": "x", "new_status": "completed", "now": 1.0,
                              "errors_": []})
