"""The SDK against the real app: in process (TestClient) and over loopback (qstation serve)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from qstation.client import (
    Circuit,
    CircuitValidationError,
    ClientConfigurationError,
    Instruction,
    InvalidRequestError,
    IQMClient,
    IQMServerClient,
    Job,
    JobError,
    JobStatus,
    NotFoundError,
)

pytestmark = pytest.mark.timeout(120)
HALF_PI = math.pi / 2


def bell(a: str = "QB1", b: str = "QB2", name: str = "bell") -> Circuit:
    """A Bell pair in native gates: Ry(π/2) on both, CZ, Ry(-π/2) on the target."""
    return Circuit(
        name=name,
        metadata={"purpose": "test"},
        instructions=[
            Instruction(name="prx", locus=[a], args={"angle": HALF_PI, "phase": HALF_PI}),
            Instruction(name="phased_rx", qubits=(b,), args={"angle_t": 0.25, "phase_t": 0.25}),
            Instruction(name="cz", locus=[a, b]),
            Instruction(name="prx", locus=[b], args={"angle": -HALF_PI, "phase": HALF_PI}),
            Instruction(name="measurement", qubits=(a, b), args={"key": "m"}),
        ],
    )


def assert_bell(counts: dict[str, int], shots: int) -> None:
    assert sum(counts.values()) == shots
    assert (counts.get("00", 0) + counts.get("11", 0)) / shots > 0.85


@pytest.fixture()
def sdk(test_client: Any) -> Iterator[IQMClient]:
    """IQMClient driving the in-process app through the TestClient (an httpx.Client)."""
    with IQMClient(
        "http://localhost", quantum_computer="lattice-20", http_client=test_client
    ) as client:
        yield client


def paths(recorded: list[httpx.Request]) -> list[str]:
    return [f"{r.method} {r.url.path}" for r in recorded]


def test_submit_and_results_every_way(sdk: IQMClient, test_client: Any) -> None:
    recorded: list[httpx.Request] = []
    test_client.event_hooks["request"].append(recorded.append)
    job = sdk.run([bell(), bell("QB3", "QB4", "second")], shots=1000)
    assert isinstance(job, Job) and job.job_id
    result = job.result(timeout=30)
    assert result.status is JobStatus.COMPLETED
    assert [list(m) for m in result.measurements or []] == [["m"], ["m"]]
    for counts in result.counts():
        assert_bell(counts.counts, 1000)
    # Waiting (if the job was not done at once) used the long-poll, not a polling loop.
    assert not any(p.startswith("GET /api/v1/jobs/") and p.count("/") == 4 for p in paths(recorded))
    assert result.metadata.calibration_set_id is not None
    assert sdk.wait_for_results(job.job_id).status is JobStatus.COMPLETED
    run = sdk.get_run(job.job_id)
    assert run.measurements == result.measurements
    server_counts = sdk.get_job_measurement_counts(job.job_id)
    assert [c.counts for c in server_counts] == [c.counts for c in result.counts()]
    assert sdk.get_run_status(job.job_id).status is JobStatus.COMPLETED
    payload = sdk.server.get_submit_circuits_payload(job.job_id)
    assert payload.shots == 1000 and payload.circuits[0].instructions[1].name == "prx"
    assert payload.circuits[0].metadata == {"purpose": "test"}


def test_submit_circuits_returns_id_and_options_reach_the_server(sdk: IQMClient) -> None:
    job_id = sdk.submit_circuits(
        [bell("q0", "q1")],
        qubit_mapping={"q0": "QB5", "q1": "QB6"},
        shots=20,
        max_circuit_duration_over_t2=0.0,
        heralding_mode="none",
        use_timeslot=False,
        calibration_set_id=sdk.get_dynamic_quantum_architecture().calibration_set_id,
    )
    assert isinstance(job_id, uuid.UUID)
    assert sdk.wait_for_results(job_id, timeout_secs=30).status is JobStatus.COMPLETED
    payload = sdk.server.get_submit_circuits_payload(job_id)
    assert payload.mapping() == {"q0": "QB5", "q1": "QB6"}


def test_architecture_and_calibration(sdk: IQMClient) -> None:
    arch = sdk.get_quantum_architecture()
    assert arch.name == "lattice-20" and len(arch.qubits) == 20
    assert ["QB1", "QB2"] in arch.qubit_connectivity
    assert {"prx", "cz", "measure"} <= set(arch.operations)
    dqa = sdk.get_dynamic_quantum_architecture()
    assert sdk.get_dynamic_quantum_architecture(dqa.calibration_set_id) == dqa
    assert sdk.get_static_quantum_architecture().qubits == arch.qubits
    cal = sdk.get_calibration_set()
    assert cal.observation_set_type == "calibration-set"
    assert sdk.get_calibration_set(dqa.calibration_set_id) == cal
    metrics = sdk.get_quality_metric_set()
    assert metrics.describes_id == dqa.calibration_set_id
    assert sdk.get_health()["status"] == "healthy"
    assert sdk.get_about()["server"] == "qstation"


def test_server_client_surface(test_client: Any) -> None:
    server = IQMServerClient("http://localhost", quantum_computer="star-5", http_client=test_client)
    assert server.api_version == "v1" and server.quantum_computer == "star-5"
    assert server.get_about_station()["device"] == "star-5"
    assert server.get_duts()[0].dut_type == "chip"
    assert server.get_static_quantum_architectures()[0].qubits
    assert server.get_calibration_set_quality_metric_set("default").observations
    aliases = {q.alias for q in server.list_quantum_computers()}
    assert aliases == {"lattice-20", "star-5", "resonator-6"}
    # The station's artifacts come back as IQM's own types.
    settings = server.get_settings()
    assert settings.QB1__drive.awg.sampling_rate.value > 0
    assert "PL-1__readout" in server.get_channel_properties()
    assert server.get_chip_design_records()[0]["cheddar"]["chip_label"] == "S5_twin_0"
    with pytest.raises(ClientConfigurationError, match="not selected"):
        _ = IQMServerClient("http://localhost", http_client=test_client).quantum_computer


def test_cancel_delete_and_artifacts(test_client: Any) -> None:
    server = IQMServerClient(
        "http://localhost", quantum_computer="lattice-20", http_client=test_client
    )
    client = IQMClient("http://localhost", quantum_computer="lattice-20", http_client=test_client)
    job = client.run([bell()], shots=10)
    job.wait(timeout=30)
    job.cancel()  # finished jobs keep their status
    assert job.status() is JobStatus.COMPLETED
    data = server.submit_circuits(client.create_run_request([bell()], shots=5))
    server.cancel_job(data.id)
    assert server.get_job(data.id).status in (
        JobStatus.CANCELLED,
        JobStatus.COMPLETED,
        JobStatus.PROCESSING,
    )
    client.abort_job(data.id)
    measurements = server.get_job_artifact_measurements(job.job_id)
    assert len(measurements[0]["m"]) == 10
    assert server.get_job_artifact_measurement_counts(job.job_id)[0].measurement_keys == ["m"]
    with pytest.raises(JobError, match="no run job"):
        server.get_submit_run_payload(job.job_id)
    with pytest.raises(NotFoundError, match="only run jobs"):
        server.get_job_artifact_sweep_results(job.job_id)
    client.delete_job(job.job_id)
    with pytest.raises(NotFoundError) as info:
        client.get_run_status(job.job_id)
    assert info.value.error_code == "JOB_NOT_FOUND"


def test_errors_carry_the_server_message(sdk: IQMClient) -> None:
    uncoupled = Circuit(
        name="far",
        instructions=[
            Instruction(name="cz", locus=["QB1", "QB20"]),
            Instruction(name="measure", locus=["QB1"], args={"key": "m"}),
        ],
    )
    with pytest.raises(InvalidRequestError, match="not a coupled pair") as info:
        sdk.submit_circuits([uncoupled])
    assert info.value.error_code == "CIRCUIT_VALIDATION_FAILED"
    with pytest.raises(CircuitValidationError):
        sdk.submit_circuits([{"name": "x", "instructions": [{"name": "cz", "locus": ["QB1"]}]}])
    with pytest.raises(NotFoundError, match="not found"):
        sdk.get_run(uuid.uuid4())
    with pytest.raises(NotFoundError):
        sdk.get_run("not-a-uuid")
    nowhere = IQMClient(
        "http://localhost", quantum_computer="nowhere", http_client=sdk.server._transport.http
    )
    with pytest.raises(NotFoundError, match="nowhere"):
        nowhere.submit_circuits([bell()])


def test_same_idempotency_key_creates_one_job(sdk: IQMClient) -> None:
    first = sdk.submit_circuits([bell()], shots=7, idempotency_key="key-1")
    again = sdk.submit_circuits([bell()], shots=7, idempotency_key="key-1")
    other = sdk.submit_circuits([bell()], shots=7, idempotency_key="key-2")
    assert first == again != other
    ids = [j.id for j in sdk.list_jobs(limit=100).items]
    assert ids.count(first) == 1 and other in ids


def test_job_list_pages(sdk: IQMClient) -> None:
    made = [sdk.submit_circuits([bell()], shots=1) for _ in range(3)]
    page = sdk.list_jobs(limit=2)
    assert [j.id for j in page.items] == made[::-1][:2] and page.next_cursor
    rest = sdk.list_jobs(limit=2, cursor=page.next_cursor)
    assert rest.items[0].id == made[0] and rest.next_cursor is None
    assert sdk.list_jobs(quantum_computer="star-5").items == []


def test_over_loopback_with_a_real_server(server_url: str) -> None:
    with IQMClient(server_url, quantum_computer="star-5", client_signature="e2e") as client:
        job = client.run([bell("QB1", "QB3")], shots=1000, idempotency_key=str(uuid.uuid4()))
        assert job.wait(timeout=90) is JobStatus.COMPLETED  # first job: worker warm-up
        (counts,) = job.counts()
        assert_bell(counts.counts, 1000)
        same = client.submit_circuits(
            [bell("QB1", "QB3")], shots=1000, idempotency_key=str(job.job_id)
        )
        again = client.submit_circuits(
            [bell("QB1", "QB3")], shots=1000, idempotency_key=str(job.job_id)
        )
        assert same == again
        assert client.get_job_measurement_counts(job.job_id)[0].counts == counts.counts
        assert any(j.id == job.job_id for j in client.list_jobs().items)
