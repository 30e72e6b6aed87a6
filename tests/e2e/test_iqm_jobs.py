"""The IQM Server API v1 circuit path, end to end: real app, real worker, real simulator."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support.circuits import bell, job, measure, prx

pytestmark = pytest.mark.timeout(60)


def submit(client: Any, body: dict[str, Any], qc: str = "star-5", **kw: Any) -> Any:
    return client.post(f"/api/v1/jobs/{qc}/circuit?use_timeslot=false", json=body, **kw)


def wait(client: Any, job_id: str) -> dict[str, Any]:
    reply = client.get(f"/qstation/v1/jobs/{job_id}/wait", params={"timeout": 30})
    assert reply.status_code == 200
    data: dict[str, Any] = reply.json()
    return data


def test_bell_job_completes_with_correlated_counts(test_client: Any) -> None:
    reply = submit(test_client, job(bell("QB1", "QB3"), shots=2000))
    assert reply.status_code == 200
    data = reply.json()
    # The worker may already have claimed it by the time the answer is built.
    assert data["type"] == "circuit" and data["status"] in ("waiting", "processing")
    assert data["queue_position"] == (0 if data["status"] == "waiting" else None)
    uuid.UUID(data["id"])
    done = wait(test_client, data["id"])
    assert done["status"] == "completed", done["errors"]
    stages = [e["status"] for e in done["timeline"]]
    assert stages[0] == "created" and stages[-1] == "completed"
    counts = test_client.get(f"/api/v1/jobs/{data['id']}/artifacts/measurement_counts").json()
    assert counts[0]["measurement_keys"] == ["m"]
    c = counts[0]["counts"]
    assert sum(c.values()) == 2000
    # Noisy twin: correlated outcomes dominate, each about half.
    assert (c.get("00", 0) + c.get("11", 0)) / 2000 > 0.85
    assert 0.4 < c.get("00", 0) / 2000 < 0.6


def test_timeline_has_iqms_stages_in_order(test_client: Any) -> None:
    from datetime import datetime

    from qstation.queue.stages import ORDER

    data = submit(test_client, job(bell("QB1", "QB3"), shots=100)).json()
    done = wait(test_client, data["id"])
    timeline = [(e["status"], datetime.fromisoformat(e["timestamp"])) for e in done["timeline"]]
    names = [name for name, _ in timeline]
    # Every stage of IQM's station is there, once, in IQM's order.
    assert [n for n in names if n in ORDER] == list(ORDER), names
    assert names[0] == "created" and names[-1] == "completed"
    stamps = [ts for _, ts in timeline]
    assert stamps == sorted(stamps)
    # The stages measure real work: compilation and execution take time.
    at = dict(timeline)
    assert at["compilation_ended"] >= at["compilation_started"]
    assert at["execution_ended"] > at["execution_started"] >= at["pending_execution"]


def test_measurements_follow_circuit_order_and_shots(test_client: Any) -> None:
    body = job(
        [prx("QB1", 0.0, 0.0), measure("QB1", key="zero")],
        [prx("QB2", 3.141592653589793, 0.0), measure("QB2", "QB4", key="pair")],
        shots=50,
    )
    data = submit(test_client, body).json()
    assert wait(test_client, data["id"])["status"] == "completed"
    result = test_client.get(f"/api/v1/jobs/{data['id']}/artifacts/measurements").json()
    assert [list(r) for r in result] == [["zero"], ["pair"]]
    assert len(result[0]["zero"]) == 50 and all(len(s) == 1 for s in result[0]["zero"])
    assert len(result[1]["pair"]) == 50 and all(len(s) == 2 for s in result[1]["pair"])
    ones = sum(s[0] for s in result[1]["pair"])
    assert ones > 40  # QB2 flipped to |1> (minus readout/relaxation errors)


def test_payload_is_echoed_exactly(test_client: Any) -> None:
    raw = (
        b'{"circuits":[{"name":"x","instructions":[{"name":"measure","locus":["QB1"],'
        b'"args":{"key":"k"}}]}],"shots":3,"extra_field":NaN}'
    )
    reply = test_client.post(
        "/api/v1/jobs/star-5/circuit?use_timeslot=false", content=raw,
        headers={"content-type": "application/json"},
    )
    assert reply.status_code == 200, reply.text
    echoed = test_client.get(f"/api/v1/jobs/{reply.json()['id']}/payload")
    assert echoed.content == raw


def _set_status(settings: Any, qc: str, status: str) -> None:
    from sqlalchemy import text

    from qstation.store.db import make_sync_engine

    engine = make_sync_engine(settings.resolved_database_url())
    with engine.begin() as conn:
        conn.execute(text("UPDATE quantum_computers SET status = :s WHERE alias = :qc"),
                     {"s": status, "qc": qc})
    engine.dispose()


def test_queue_position_counts_jobs_ahead(test_client: Any, app_settings: Any) -> None:
    # An offline machine accepts jobs and holds them, so the queue stands still.
    _set_status(app_settings, "star-5", "offline")
    ids = [submit(test_client, job(bell("QB1", "QB3"), shots=10)).json()["id"] for _ in range(3)]
    positions = [test_client.get(f"/api/v1/jobs/{i}").json()["queue_position"] for i in ids]
    assert positions == [0, 1, 2]
    test_client.post(f"/api/v1/jobs/{ids[0]}/cancel")
    assert test_client.get(f"/api/v1/jobs/{ids[2]}").json()["queue_position"] == 1
    _set_status(app_settings, "star-5", "online")
    done = [wait(test_client, i) for i in ids[1:]]
    assert [d["status"] for d in done] == ["completed", "completed"]
    starts = [next(e["timestamp"] for e in d["timeline"] if e["status"] == "execution_started")
              for d in done]
    assert starts == sorted(starts)  # FIFO


def test_cancel_waiting_and_processing_jobs(test_client: Any) -> None:
    # Seconds of simulation, so the first job is still processing when it is cancelled.
    big = job(*[bell("QB1", "QB3")] * 1000, shots=20000)
    running = submit(test_client, big).json()["id"]
    waiting = submit(test_client, big).json()["id"]
    assert test_client.post(f"/api/v1/jobs/{waiting}/cancel").status_code == 204
    assert test_client.get(f"/api/v1/jobs/{waiting}").json()["status"] == "cancelled"
    assert test_client.post(f"/api/v1/jobs/{running}/cancel").status_code == 204
    final = wait(test_client, running)
    assert final["status"] == "cancelled"
    # Terminal states never change; cancelling again still succeeds.
    assert test_client.post(f"/api/v1/jobs/{running}/cancel").status_code == 204
    assert test_client.get(f"/api/v1/jobs/{running}").json()["status"] == "cancelled"
    missing = test_client.get(f"/api/v1/jobs/{running}/artifacts/measurements")
    assert missing.status_code == 404


def test_delete_removes_job(test_client: Any) -> None:
    job_id = submit(test_client, job(bell("QB1", "QB3"), shots=10)).json()["id"]
    wait(test_client, job_id)
    assert test_client.delete(f"/api/v1/jobs/{job_id}").status_code == 204
    gone = test_client.get(f"/api/v1/jobs/{job_id}")
    assert gone.status_code == 404
    assert gone.json()["error_code"] == "JOB_NOT_FOUND"


def test_idempotency_key_returns_the_same_job(test_client: Any) -> None:
    body = job(bell("QB1", "QB3"), shots=10)
    headers = {"Idempotency-Key": "abc-123"}
    first = submit(test_client, body, headers=headers).json()["id"]
    second = submit(test_client, body, headers=headers).json()["id"]
    third = submit(test_client, body).json()["id"]
    assert first == second != third


def test_mid_circuit_measurement_and_feedback(test_client: Any) -> None:
    # Measure QB1 in |1>, then flip QB3 conditionally on it: QB3 ends in |1>.
    instrs = [
        prx("QB1", 3.141592653589793, 0.0),
        {"name": "measure", "locus": ["QB1"], "args": {"key": "a", "feedback_key": "f"}},
        {"name": "cc_prx", "locus": ["QB3"],
         "args": {"angle": 3.141592653589793, "phase": 0.0, "feedback_key": "f",
                  "feedback_qubit": "QB1"}},
        {"name": "reset", "locus": ["QB1"], "args": {}},
        measure("QB1", key="b"),
        measure("QB3", key="c"),
    ]
    reply = submit(test_client, job(instrs, shots=200))
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert wait(test_client, data["id"])["status"] == "completed"
    result = test_client.get(f"/api/v1/jobs/{data['id']}/artifacts/measurements").json()[0]
    assert sum(s[0] for s in result["a"]) > 180
    assert sum(s[0] for s in result["b"]) < 20
    assert sum(s[0] for s in result["c"]) > 170


def test_resonator_move_sandwich_runs(test_client: Any) -> None:
    instrs = [
        prx("QB1", 3.141592653589793, 0.0),
        {"name": "move", "locus": ["QB1", "COMPR1"], "args": {}},
        {"name": "move", "locus": ["QB1", "COMPR1"], "args": {}},
        measure("QB1"),
    ]
    data = submit(test_client, job(instrs, shots=100), qc="resonator-6").json()
    assert wait(test_client, data["id"])["status"] == "completed"
    result = test_client.get(f"/api/v1/jobs/{data['id']}/artifacts/measurements").json()[0]
    assert sum(s[0] for s in result["m"]) > 85
