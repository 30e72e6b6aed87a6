"""The Qiskit adapter against real servers: textbook circuits vs qiskit-aer, jobs, errors."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from qiskit import QuantumCircuit, transpile
from qiskit_aer import AerSimulator

from qstation.adapters.qiskit import (
    IQMBackend,
    IQMJobCancelledError,
    IQMJobFailedError,
    IQMProvider,
    fake_resonator6,
    transpile_to_iqm,
)
from tests.support import textbook
from tests.support.servers import InProcessWorker, serve_process

pytestmark = pytest.mark.timeout(300)
SHOTS = 2000


@pytest.fixture(scope="module")
def ideal_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``qstation serve --no-noise`` hosting lattice-20 and resonator-6."""
    data = tmp_path_factory.mktemp("ideal") / "data"
    with serve_process(data, ("lattice-20", "resonator-6"), "--no-noise") as url:
        yield url


def aer_counts(circuits: list[QuantumCircuit]) -> list[dict[str, int]]:
    result = (
        AerSimulator(seed_simulator=11)
        .run(transpile(circuits, AerSimulator()), shots=SHOTS)
        .result()
    )
    return [result.get_counts(i) for i in range(len(circuits))]


@pytest.mark.parametrize("qc", ["lattice-20", "resonator-6"])
def test_textbook_circuits_match_aer(ideal_url: str, qc: str) -> None:
    backend = IQMProvider(ideal_url, quantum_computer=qc).get_backend()
    circuits = textbook.textbook()
    transpiled = transpile(circuits, backend, optimization_level=2, seed_transpiler=5)
    job = backend.run(transpiled, shots=SHOTS)
    result = job.result(timeout=120)
    assert result.success and result.job_id == job.job_id()
    for index, (ours, ref) in enumerate(
        zip(result.get_counts(), aer_counts(circuits), strict=True)
    ):
        assert sum(ours.values()) == SHOTS
        assert {len(k) for k in ours} == {len(k) for k in ref}, circuits[index].name
        textbook.same_distribution(ours, ref)
    counts = result.get_counts()
    assert max(counts[4], key=counts[4].get) == "1011"  # Bernstein-Vazirani secret
    assert set(counts[6]) <= {"10 0", "10 1", "11 1", "11 0"} and "11 1" in counts[6]
    memory = result.get_memory(6)
    assert len(memory) == SHOTS and all(" " in m for m in memory)
    meta = result.to_dict()
    assert meta["calibration_set_id"] == backend.architecture.calibration_set_id
    assert {"created", "completed"} <= set(meta["timestamps"])


def test_resonator_circuits_use_move_sandwiches(ideal_url: str) -> None:
    backend = IQMProvider(ideal_url, quantum_computer="resonator-6").get_backend()
    assert backend.num_qubits == 6 and "move" in backend.target_with_resonators.operation_names
    assert backend.target.instruction_supported("cz", (0, 5))  # fictional, via COMPR1
    tqc = transpile_to_iqm(textbook.ghz(5), backend, seed_transpiler=1)
    job = backend.run(tqc, shots=500)
    payload = backend.client.server.get_submit_circuits_payload(job.job_id())
    names = [i.name for i in payload.circuits[0].instructions]
    assert "move" in names and names.count("move") % 2 == 0
    counts = job.result(timeout=60).get_counts()
    assert set(counts) == {"00000", "11111"}


def test_retrieve_job_and_parameter_binds(ideal_url: str) -> None:
    from qiskit.circuit import Parameter

    backend = IQMProvider(ideal_url, quantum_computer="lattice-20").get_backend()
    theta = Parameter("θ")
    qc = QuantumCircuit(1, 1, name="rx")
    qc.rx(theta, 0)
    qc.measure(0, 0)
    tqc = transpile(qc, backend, seed_transpiler=1)
    job = backend.run(tqc, shots=400, parameter_binds=[{theta: [0.0, 3.141592653589793]}])
    again = backend.retrieve_job(job.job_id())
    counts = again.result(timeout=60).get_counts()
    assert counts == [{"0": 400}, {"1": 400}]
    assert again.status().name == "DONE" and again.error_message() is None


def test_results_are_downloaded_and_converted_with_the_collector_off(ideal_url: str) -> None:
    """The wait runs with the collector on (it may last minutes in a user's process); the
    shots are downloaded and converted with it off, and it is on again afterwards."""
    seen: list[tuple[str, bool]] = []

    def record(response: httpx.Response) -> None:
        seen.append((response.request.url.path, gc.isenabled()))

    with httpx.Client(event_hooks={"response": [record]}, timeout=60) as http:
        backend = IQMProvider(ideal_url, quantum_computer="lattice-20",
                              http_client=http).get_backend()
        circuits = [transpile(textbook.bell(), backend, seed_transpiler=1) for _ in range(3)]
        job = backend.run(circuits, shots=200)
        again = backend.retrieve_job(job.job_id())  # no experiments: the payload is read too
        seen.clear()
        assert gc.isenabled()
        counts = again.result(timeout=60).get_counts()
        assert gc.isenabled()
    assert len(counts) == 3 and all(sum(c.values()) == 200 for c in counts)
    shots = ("/artifacts/measurements", "/payload")
    assert [on for path, on in seen if path.endswith(shots)] == [False, False]
    assert all(on for path, on in seen if not path.endswith(shots))  # status, long-poll


def test_local_backend_matches_the_server(ideal_url: str) -> None:
    remote = IQMProvider(ideal_url, quantum_computer="resonator-6").get_backend()
    local = fake_resonator6(noise=False, seed=3)
    assert remote.target.operation_names == local.target.operation_names
    assert remote.target["cz"].keys() == local.target["cz"].keys()
    circuit = textbook.grover3()
    a = remote.run(transpile(circuit, remote, seed_transpiler=2), shots=SHOTS).result()
    b = local.run(transpile(circuit, local, seed_transpiler=2), shots=SHOTS).result()
    textbook.same_distribution(a.get_counts(), b.get_counts())


def _provider(test_client: Any) -> IQMProvider:
    return IQMProvider("http://localhost", quantum_computer="lattice-20", http_client=test_client)


@pytest.fixture()
def app_without_worker(app_settings: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from qstation.server.app import create_app

    with TestClient(create_app(app_settings)) as client:
        yield client


def test_queue_position_and_cancelled_jobs_raise(app_without_worker: Any) -> None:
    backend = _provider(app_without_worker).get_backend()
    tqc = transpile(textbook.bell(), backend, seed_transpiler=1)
    jobs = [backend.run(tqc, shots=100) for _ in range(3)]
    assert [j.queue_position(refresh=True) for j in jobs] == [0, 1, 2]
    assert all(j.status().name == "QUEUED" for j in jobs)
    assert jobs[0].cancel()
    assert jobs[2].queue_position() == 2  # cached
    assert jobs[2].queue_position(refresh=True) == 1
    with pytest.raises(IQMJobCancelledError, match="cancelled"):
        jobs[0].result(timeout=10)
    assert jobs[0].status().name == "CANCELLED"
    for job in jobs[1:]:
        job.cancel()


@pytest.fixture()
def app_with_broken_worker(app_settings: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from qstation.server.app import create_app

    with (
        TestClient(create_app(app_settings)) as client,
        InProcessWorker(
            app_settings.resolved_database_url(), app_settings.notify_dir, engine="no-such-engine"
        ),
    ):
        yield client


def test_failed_job_raises_with_the_servers_message(app_with_broken_worker: Any) -> None:
    backend = _provider(app_with_broken_worker).get_backend()
    job = backend.run(transpile(textbook.bell(), backend, seed_transpiler=1), shots=100)
    with pytest.raises(IQMJobFailedError, match="no-such-engine") as info:
        job.result(timeout=60)
    assert info.value.error_code == "INTERNAL_ERROR"
    assert job.status().name == "ERROR"
    assert "no-such-engine" in (job.error_message() or "")


def test_backend_options_and_metadata(tmp_path: Path, ideal_url: str) -> None:
    backend = IQMProvider(ideal_url, quantum_computer="lattice-20").get_backend()
    assert isinstance(backend, IQMBackend) and backend.name == "lattice-20"
    assert backend.options.shots == 1024
    cz = backend.target["cz"][(0, 1)]
    assert cz is not None and 0 < (cz.error or 0) < 0.1 and (cz.duration or 0) > 0
    assert backend.target.qubit_properties[0].t1 > 0
    with pytest.raises(ValueError, match="unknown run options"):
        backend.run(textbook.bell(), bogus=1)
    backend.close_client()


def test_warns_when_the_default_calibration_moved(test_client: Any) -> None:
    backend = _provider(test_client).get_backend()
    built_for = backend.architecture.calibration_set_id
    tqc = transpile(textbook.bell(), backend, seed_transpiler=1)
    reply = test_client.post("/qstation/v1/quantum-computers/lattice-20/recalibrate")
    assert reply.status_code == 200, reply.text
    with pytest.warns(UserWarning, match="default calibration set is now"):
        job = backend.run(tqc, shots=100)
    result = job.result(timeout=60)
    # It keeps running on the set it was built for, as the vendor's backend does.
    assert str(result.results[0].calibration_set_id) == str(built_for)
