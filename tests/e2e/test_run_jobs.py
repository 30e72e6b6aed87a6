"""Run jobs (pulse level) over the IQM Server API: checked before queuing, stored byte for byte.

Real app, real worker, real database; run definitions are compiled by IQM's own compiler
against the station the server publishes.
"""

from __future__ import annotations

import uuid
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from iqm.station_control.interface.models import RunDefinition

from qstation.qpu.calibration import generate_calibration
from qstation.qpu.device import DeviceSpec
from qstation.qpu.pulse.compiler import standard_compiler
from tests.support.pulse import rabi_playlist, run_definition, to_bytes, toy_settings

pytestmark = pytest.mark.timeout(120)
CATALOG = Path(__file__).parents[2] / "src" / "qstation" / "qpu" / "catalog"
PROTOBUF = {"Content-Type": "application/protobuf"}


@cache
def _star5() -> Any:
    spec = DeviceSpec.from_file(CATALOG / "star-5.json")
    return spec, generate_calibration(spec, spec.calibration_seed)


def compiled_bell(shots: int = 500) -> RunDefinition:
    """A Bell pair on star-5 compiled into a run definition, as ``submit_playlist`` sends it."""
    from iqm.pulse import Circuit
    from iqm.pulse import CircuitOperation as Op

    spec, cal = _star5()
    h = {"angle": 1.5707963267948966, "phase": 1.5707963267948966}
    back = {"angle": 1.5707963267948966, "phase": -1.5707963267948966}
    ops = (
        Op(name="prx", locus=("QB1",), args=h),
        Op(name="prx", locus=("QB3",), args=h),
        Op(name="cz", locus=("QB1", "QB3"), args={}),
        Op(name="prx", locus=("QB3",), args=back),
        Op(name="measure", locus=("QB1", "QB3"), args={"key": "m"}),
    )
    run, _ = standard_compiler(spec, cal).compile([Circuit(name="bell", instructions=ops)])
    run.sweep_definition.settings.set_shots(shots)
    run.run_id, run.sweep_definition.sweep_id = uuid.uuid4(), uuid.uuid4()
    return run


def submit(client: Any, body: bytes, qc: str = "star-5", kind: str = "run") -> Any:
    return client.post(
        f"/api/v1/jobs/{qc}/{kind}?use_timeslot=false", content=body, headers=PROTOBUF
    )


def _no_jobs(client: Any) -> bool:
    return client.get("/qstation/v1/jobs").json()["items"] == []


def test_a_compiled_run_is_stored_and_its_payload_returned_byte_for_byte(
    test_client: Any,
) -> None:
    body = to_bytes(compiled_bell())
    reply = submit(test_client, body)
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert data["type"] == "run" and data["status"] in (
        "waiting",
        "processing",
        "completed",
        "failed",
    )
    payload = test_client.get(f"/api/v1/jobs/{data['id']}/payload")
    assert payload.headers["content-type"] == "application/protobuf"
    assert payload.content == body
    got = test_client.get(f"/api/v1/jobs/{data['id']}")
    assert got.json()["type"] == "run"


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        (b"\x12\x07garbage", "MALFORMED_RUN_DEFINITION", ["malformed run definition"]),
        (b"", "MALFORMED_RUN_DEFINITION", ["empty request body"]),
    ],
)
def test_bytes_that_are_no_run_definition_get_400(
    test_client: Any, body: bytes, code: str, words: list[str]
) -> None:
    reply = submit(test_client, body)
    assert reply.status_code == 400
    assert reply.json()["error_code"] == code
    assert all(w in reply.json()["message"] for w in words)
    assert _no_jobs(test_client)


def test_definitions_the_station_cannot_run_get_400_before_queuing(test_client: Any) -> None:
    unknown = run_definition(rabi_playlist([0.2], drive="QB9__drive.awg"), toy_settings(100))
    reply = submit(test_client, to_bytes(unknown))
    assert reply.status_code == 400 and reply.json()["error_code"] == "UNKNOWN_CHANNEL"
    assert "'QB9__drive.awg'" in reply.json()["message"]

    # star-5 samples at its own rate: a playlist at another one is refused, naming both.
    off_rate = run_definition(rabi_playlist([0.2]), toy_settings(100))
    reply = submit(test_client, to_bytes(off_rate))
    assert reply.status_code == 400 and reply.json()["error_code"] == "SAMPLE_RATE_MISMATCH"

    too_many = compiled_bell(shots=10**7)
    reply = submit(test_client, to_bytes(too_many))
    assert reply.status_code == 400 and reply.json()["error_code"] == "INVALID_SHOTS"
    assert "options.playlist_repeats" in reply.json()["message"]

    reply = submit(test_client, to_bytes(compiled_bell()), qc="no-such-qc")
    assert reply.status_code == 404
    assert _no_jobs(test_client)


def test_sweep_route_takes_run_definitions_too(test_client: Any) -> None:
    reply = submit(test_client, to_bytes(compiled_bell()), kind="sweep")
    assert reply.status_code == 200 and reply.json()["type"] == "run"


def test_sweep_route_takes_the_sweep_envelope_of_iqm_client_35(test_client: Any) -> None:
    from iqm.station_control.client.serializers.sweep_serializers import (
        deserialize_sweep_results,
    )
    from iqm.station_control.client.serializers.task_serializers import (
        serialize_sweep_job_request,
    )

    sweep = compiled_bell(shots=200).sweep_definition
    body = serialize_sweep_job_request(sweep, queue_name="sweeps")
    reply = submit(test_client, body, kind="sweep")
    assert reply.status_code == 200, reply.text
    job_id = reply.json()["id"]
    done = test_client.get(f"/qstation/v1/jobs/{job_id}/wait", params={"timeout": 100}).json()
    assert done["status"] == "completed", done
    results = test_client.get(f"/api/v1/jobs/{job_id}/artifacts/sweep_results")
    spots = deserialize_sweep_results(results.content)
    assert sorted(spots) == sorted(sweep.return_parameters)
    assert test_client.get(f"/api/v1/jobs/{job_id}/payload").content == body


def test_circuit_jobs_keep_their_json_payload(test_client: Any) -> None:
    from tests.support.circuits import bell, job

    reply = test_client.post("/api/v1/jobs/star-5/circuit", json=job(bell("QB1", "QB3")))
    payload = test_client.get(f"/api/v1/jobs/{reply.json()['id']}/payload")
    assert payload.headers["content-type"].startswith("application/json")
    sweep = test_client.get(f"/api/v1/jobs/{reply.json()['id']}/artifacts/sweep_results")
    assert sweep.status_code == 404


def test_sdk_takes_and_returns_iqms_typed_objects(test_client: Any) -> None:
    from iqm.station_control.interface.models import RunDefinition as Typed

    from qstation.client import InvalidRequestError, IQMServerClient

    server = IQMServerClient("http://localhost", quantum_computer="star-5", http_client=test_client)
    run = compiled_bell()
    run.run_id = None  # type: ignore[assignment]  # the SDK gives fresh ids, like IQM's client
    data = server.submit_run(run)
    assert data.type == "run"
    back = server.get_submit_run_payload(data.id)
    assert isinstance(back, Typed) and back.run_id == run.run_id is not None
    assert len(back.sweep_definition.playlist.segments) == 1  # type: ignore[union-attr]
    bad = run_definition(rabi_playlist([0.2], drive="QB9__drive.awg"), toy_settings(100))
    with pytest.raises(InvalidRequestError, match=r"QB9__drive\.awg") as info:
        server.submit_sweep(bad)
    assert info.value.error_code == "UNKNOWN_CHANNEL"


def test_a_timeslot_run_waits_in_its_owners_timeslot_queue(test_client: Any) -> None:
    reply = test_client.post(
        "/api/v1/jobs/star-5/run?use_timeslot=true",
        content=to_bytes(compiled_bell()),
        headers=PROTOBUF,
    )
    data = reply.json()
    assert reply.status_code == 200 and data["type"] == "run"
    # No booking is open: it waits, and says why, like a circuit job would.
    assert data["status"] == "waiting" and data["queue_position"] == 0
    assert any("timeslot" in m["message"] for m in data["messages"])
    stages = [e["status"] for e in data["timeline"]]
    assert stages[-1] == "pending_execution" and "validation_ended" in stages


def test_a_repeated_idempotency_key_returns_the_first_run(test_client: Any) -> None:
    from qstation.client import IQMServerClient

    server = IQMServerClient("http://localhost", quantum_computer="star-5", http_client=test_client)
    body = to_bytes(compiled_bell())
    first = server.submit_run(body, idempotency_key="rabi-7")
    again = server.submit_run(body, idempotency_key="rabi-7")
    assert first.id == again.id
    assert server.submit_run(body).id != first.id
