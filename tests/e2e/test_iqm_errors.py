"""Bad input is refused before queuing, with an IQM error body and the right status."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support.circuits import bell, cz, job, measure, prx

pytestmark = pytest.mark.timeout(60)

CASES: dict[str, tuple[str, dict[str, Any], int, str]] = {
    "unknown qubit": (
        "star-5", job([prx("QB9"), measure("QB9")]), 400, "CIRCUIT_VALIDATION_FAILED"
    ),
    "non-native instruction": (
        "star-5",
        job([{"name": "h", "locus": ["QB1"], "args": {}}, measure("QB1")]),
        400, "CIRCUIT_VALIDATION_FAILED",
    ),
    "cz on uncoupled pair": ("star-5", job([cz("QB1", "QB2"), measure("QB1")]), 400,
                             "CIRCUIT_VALIDATION_FAILED"),
    "repeated measurement key": (
        "star-5", job([measure("QB1", key="k"), measure("QB2", key="k")]), 400,
        "CIRCUIT_VALIDATION_FAILED",
    ),
    "no measurement": ("star-5", job([prx("QB1")]), 400, "CIRCUIT_VALIDATION_FAILED"),
    "missing key": (
        "star-5", job([{"name": "measure", "locus": ["QB1"], "args": {}}]), 400,
        "CIRCUIT_VALIDATION_FAILED",
    ),
    "zero shots": ("star-5", job(bell("QB1", "QB3"), shots=0), 400, "INVALID_SHOTS"),
    "too many shots": ("star-5", job(bell("QB1", "QB3"), shots=10**7), 400, "INVALID_SHOTS"),
    "too many circuits": ("star-5", job(*[bell("QB1", "QB3")] * 1001), 400, "TOO_MANY_CIRCUITS"),
    "unknown calibration set": (
        "star-5", job(bell("QB1", "QB3"), calibration_set_id=str(uuid.uuid4())), 404,
        "CALIBRATION_SET_NOT_FOUND",
    ),
    "unknown quantum computer": ("nope-7", job(bell()), 404, "QC_NOT_FOUND"),
    "circuits missing": ("star-5", {"shots": 10}, 400, "INVALID_REQUEST"),
    "move on a qubit pair": (
        "resonator-6",
        job([{"name": "move", "locus": ["QB1", "QB2"], "args": {}}, measure("QB1")]),
        400, "CIRCUIT_VALIDATION_FAILED",
    ),
    "move left open": (
        "resonator-6",
        job([{"name": "move", "locus": ["QB1", "COMPR1"], "args": {}}, measure("QB2")]),
        400, "CIRCUIT_VALIDATION_FAILED",
    ),
    "gate on a moved qubit": (
        "resonator-6",
        job([{"name": "move", "locus": ["QB1", "COMPR1"], "args": {}}, prx("QB1"),
             {"name": "move", "locus": ["QB1", "COMPR1"], "args": {}}, measure("QB1")]),
        400, "CIRCUIT_VALIDATION_FAILED",
    ),
    "cc_prx without feedback measure": (
        "star-5",
        job([{"name": "cc_prx", "locus": ["QB1"],
              "args": {"angle": 1.0, "phase": 0.0, "feedback_key": "f", "feedback_qubit": "QB2"}},
             measure("QB1")]),
        400, "CIRCUIT_VALIDATION_FAILED",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_submission_is_refused(test_client: Any, case: str) -> None:
    qc, body, status, code = CASES[case]
    reply = test_client.post(f"/api/v1/jobs/{qc}/circuit?use_timeslot=false", json=body)
    assert reply.status_code == status, reply.text
    error = reply.json()
    assert error["error_code"] == code
    assert error["message"] and error["source"] == "iqm-server"


def test_too_long_circuit_is_refused_with_numbers(test_client: Any) -> None:
    delay = {"name": "delay", "locus": ["QB1"], "args": {"duration": 1e-3}}
    reply = test_client.post(
        "/api/v1/jobs/star-5/circuit?use_timeslot=false",
        json=job([delay, measure("QB1")], max_circuit_duration_over_t2=1.0),
    )
    assert reply.status_code == 400
    assert reply.json()["error_code"] == "CIRCUIT_TOO_LONG"
    assert "c0" in reply.json()["message"] and "T2" in reply.json()["message"]
    # 0 disables the rule.
    ok = test_client.post(
        "/api/v1/jobs/star-5/circuit?use_timeslot=false",
        json=job([delay, measure("QB1")], max_circuit_duration_over_t2=0.0, shots=5),
    )
    assert ok.status_code == 200, ok.text


def test_malformed_json_and_oversized_body(test_client: Any, app_settings: Any) -> None:
    bad = test_client.post("/api/v1/jobs/star-5/circuit?use_timeslot=false", content=b"{nope")
    assert bad.status_code == 400 and bad.json()["error_code"] == "MALFORMED_JSON"
    huge = b" " * (app_settings.max_payload_bytes + 1)
    big = test_client.post("/api/v1/jobs/star-5/circuit?use_timeslot=false", content=huge)
    assert big.status_code == 413 and big.json()["error_code"] == "PAYLOAD_TOO_LARGE"


def test_unknown_job_ids_are_404(test_client: Any) -> None:
    for path in ("", "/payload", "/artifacts/measurements"):
        reply = test_client.get(f"/api/v1/jobs/{uuid.uuid4()}{path}")
        assert reply.status_code == 404 and reply.json()["error_code"] == "JOB_NOT_FOUND"
    assert test_client.get("/api/v1/jobs/not-a-uuid").status_code == 404
    assert test_client.post(f"/api/v1/jobs/{uuid.uuid4()}/cancel").status_code == 404
    assert test_client.delete(f"/api/v1/jobs/{uuid.uuid4()}").status_code == 404


def test_nothing_refused_is_stored(test_client: Any, app_settings: Any) -> None:
    from sqlalchemy import text

    from qstation.store.db import make_sync_engine

    for case in CASES.values():
        test_client.post(f"/api/v1/jobs/{case[0]}/circuit?use_timeslot=false", json=case[1])
    accepted = test_client.post("/api/v1/jobs/star-5/circuit?use_timeslot=false",
                                json=job(bell("QB1", "QB3"), shots=5)).json()
    engine = make_sync_engine(app_settings.resolved_database_url())
    with engine.connect() as conn:
        ids = list(conn.execute(text("SELECT id FROM jobs")).scalars())
    engine.dispose()
    assert ids == [accepted["id"]]
