"""Our QaaS client (``qstation.qaas.API``) through circuit jobs, end to end: real app, real
worker, real simulator, with Qibo circuits and OpenQASM text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from qstation.qaas import (
    API,
    CircuitResult,
    Conflict,
    InvalidRequest,
    JobCancelled,
    NotFound,
    UnsupportedJobType,
)
from tests.support.qaas import BELL_QASM, QaasHarness, qaas_app

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QaasHarness]:
    with qaas_app(tmp_path_factory.mktemp("qaas-jobs")) as running:
        yield running


@pytest.fixture(scope="module")
def api(harness: QaasHarness) -> Iterator[API]:
    with harness.api("user") as session:
        yield session


def bell_circuit() -> Any:
    from qibo import Circuit, gates

    circuit = Circuit(2)
    circuit.add(gates.H(0))
    circuit.add(gates.CNOT(0, 1))
    circuit.add(gates.M(0, 1))
    return circuit


def run(api: API, circuit: Any, device_id: int, nshots: int = 1000) -> list[CircuitResult]:
    (results,) = api.execute_and_return_results(
        circuit=circuit, nshots=nshots, device_id=device_id, timeout=60, interval=0.1
    )
    assert results is not None
    return list(results)


@pytest.mark.parametrize("device_id", [1, 2, 3], ids=["lattice-20", "star-5", "resonator-6"])
def test_bell_gives_correlated_counts_on_every_topology(api: API, device_id: int) -> None:
    (result,) = run(api, bell_circuit(), device_id)
    freq = result.frequencies()
    assert isinstance(freq, Counter) and sum(freq.values()) == 1000
    assert (freq["00"] + freq["11"]) / 1000 > 0.85 and 0.4 < freq["00"] / 1000 < 0.6
    assert result.samples().shape == (1000, 2)
    assert result.probabilities().shape == (4,)
    assert result.final_state is not None and set(result.final_state) == {"00", "11"}
    assert result["counts"] == dict(freq)  # also reads like the protocol's dict


def test_qasm_text_registers_and_bit_order(api: API) -> None:
    qasm = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg a[1];
creg b[2];
x q[2];
measure q[2] -> a[0];
measure q[0] -> b[0];
measure q[2] -> b[1];
"""
    (result,) = run(api, qasm, 1, nshots=200)
    top = result.frequencies().most_common(1)[0][0]
    assert top == "101"  # a[0]=1, b[0]=0, b[1]=1: first bit leftmost
    by_register = result.frequencies(registers=True)
    assert by_register["a"].most_common(1)[0][0] == "1"
    assert by_register["b"].most_common(1)[0][0] == "01"
    assert result.frequencies(binary=False).most_common(1)[0][0] == 0b101


def test_execute_forms_and_job_data(api: API) -> None:
    api.select_device_id(2)
    selected = api.execute(circuit=bell_circuit(), nshots=20)
    assert isinstance(selected, list) and len(selected) == 1
    several = api.execute(
        circuit=[bell_circuit(), BELL_QASM],
        nshots=30,
        device_ids=[1, 2],
        name="pair",
        summary="two circuits",
    )
    assert isinstance(several, list) and len(several) == 2
    assert api.last_job.id == several[-1] and api.last_job.name == "pair"
    results = api.execute_and_return_results(
        circuit=[bell_circuit()], nshots=10, device_id=1, timeout=60, interval=0.1
    )
    assert results[0][0].nshots == 10
    data = api.get_job(several[0])
    assert (data.job_type, data.number_shots, data.name, data.summary) == (
        "circuit",
        30,
        "pair",
        "two circuits",
    )
    assert len(data.description["data"]) == 2 and "cx q[0],q[1];" in data.description["data"][0]
    assert [c.nqubits for c in data.qibo_circuits()] == [2, 2]


def test_listing_and_favourites(api: API) -> None:
    job_id = api.execute(circuit=BELL_QASM, nshots=5, device_id=1)
    listed = api.list_jobs()
    assert listed[0].id == job_id and listed[0].job_type == "circuit"
    assert [j.id for j in listed] == sorted((j.id for j in listed), reverse=True)
    assert api.list_jobs(favourites=True) == []
    api.favourite_job(job_id)
    assert [j.id for j in api.list_jobs(favourites=True)] == [job_id]
    api.favourite_job(job_id, favourite=False)
    assert api.list_jobs(favourites=True) == []


def test_cancelled_job_counts_as_finished(api: API, harness: QaasHarness) -> None:
    with harness.api("admin") as admin:
        admin.set_device_to_offline(3)
        try:
            job_id = api.execute(circuit=BELL_QASM, nshots=5, device_id=3)
            assert api.get_result(job_id) is None  # waiting for the device
            assert api.get_job(job_id).status == "pending"
            api.cancel_job(job_id)
            with pytest.raises(JobCancelled):
                api.get_result(job_id)
            with pytest.raises(Conflict):
                api.cancel_job(job_id)
            api.delete_job(job_id)
            with pytest.raises(NotFound, match="does not exist"):
                api.get_job(job_id)
        finally:
            admin.set_device_to_online(3)


def test_maintenance_refuses_new_jobs_and_keeps_the_queue(api: API, harness: QaasHarness) -> None:
    with harness.api("admin") as admin:
        admin.set_device_to_offline(2)
        waiting = api.execute(circuit=BELL_QASM, nshots=5, device_id=2)
        admin.set_device_to_maintenance(2)
        assert api.get_job(waiting).status == "queued"
        with pytest.raises(Conflict, match="in maintenance"):
            api.execute(circuit=BELL_QASM, device_id=2)
        # The device refuses jobs through the IQM API too.
        from tests.support.circuits import bell, job

        iqm = harness.http.post(
            "/api/v1/jobs/star-5/circuit",
            json=job(bell("QB1", "QB3")),
            headers=harness.admin_headers,
        )
        assert iqm.status_code == 409 and iqm.json()["error_code"] == "QC_IN_MAINTENANCE"
        admin.set_device_to_online(2)
        results = api.execute_and_return_results(
            circuit=BELL_QASM, nshots=5, device_id=2, timeout=60, interval=0.1
        )
        assert api.get_job(waiting).status == "completed" and results[0] is not None


def test_other_program_kinds_are_stored_and_refused(api: API) -> None:
    for args in (
        {"qprogram": "!QProgram\nbody: []\n"},
        {"anneal_program_args": {"a": 1}},
        {"vqa": {"vqa_dict": {"x": 1}, "init_params": [0, 0]}},
    ):
        with pytest.raises(UnsupportedJobType, match="runs circuit jobs only") as info:
            api.execute(device_id=1, **args)
        data = api.get_job(info.value.job_id)
        assert data.status == "error" and data.job_type == next(
            iter(
                {"qprogram": "qprogram", "anneal_program_args": "annealing_program", "vqa": "vqa"}[
                    k
                ]
                for k in args
            )
        )


def test_bad_circuits_are_refused_clearly(api: API) -> None:
    with pytest.raises(InvalidRequest, match="no measurements"):
        api.execute(
            circuit='OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nh q[0];\n', device_id=1
        )
    with pytest.raises(InvalidRequest, match="invalid OpenQASM 2"):
        api.execute(circuit="OPENQASM 2.0;\nqreg q[1];\nfoo q[0];\n", device_id=1)
    too_wide = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[7];\ncreg c[7];\nmeasure q -> c;\n'
    with pytest.raises(InvalidRequest, match="cannot run on star-5"):
        api.execute(circuit=too_wide, device_id=2)
    with pytest.raises(NotFound, match="Device 99 does not exist"):
        api.execute(circuit=BELL_QASM, device_id=99)
    with pytest.raises(ValueError):
        api.execute(circuit=BELL_QASM, qprogram="x", device_id=1)


def test_jobs_of_either_protocol_are_visible_as_what_they_are(
    api: API, harness: QaasHarness
) -> None:
    from tests.support.circuits import bell, job

    alice_token = harness.http.post(
        "/qstation/v1/auth/token",
        json={"grant_type": "password", "username": "alice", "password": "alice-password"},
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {alice_token}"}
    reply = harness.http.post(
        "/api/v1/jobs/star-5/circuit", json=job(bell("QB1", "QB3")), headers=headers
    )
    iqm_id = reply.json()["id"]
    harness.http.get(f"/qstation/v1/jobs/{iqm_id}/wait", params={"timeout": 30}, headers=headers)
    listed = {j.job_type for j in api.list_jobs()}
    assert "iqm_circuit" in listed
    iqm_job = next(j for j in api.list_jobs() if j.job_type == "iqm_circuit")
    data = api.get_job(iqm_job.id)
    assert data.status == "completed" and sum(data.result[0].counts.values()) == 1000
    # ...and QaaS jobs through qstation's listing and the IQM API.
    api.execute(circuit=BELL_QASM, nshots=5, device_id=1)
    seen = harness.http.get("/qstation/v1/jobs", headers=headers).json()["items"]
    qaas_job = next(j for j in seen if j["quantum_computer"] == "lattice-20")
    iqm_view = harness.http.get(f"/api/v1/jobs/{qaas_job['id']}", headers=headers).json()
    assert iqm_view["type"] == "circuit" and iqm_view["status"] in (
        "waiting",
        "processing",
        "completed",
    )
