"""Our SDK derives IQM's working objects from the station: topology, feedback groups, compiler.

Against the real app (in process, real SQLite): the SDK's ``get_standard_compiler`` compiles a
Bell circuit into the same playlist as IQM's compiler built in process from the same
calibration set, also for a calibration set pinned by id after recalibration.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from iqm.pulse import Circuit
from iqm.pulse import CircuitOperation as Op

from qstation.client import IQMServerClient

pytestmark = pytest.mark.timeout(120)

H = {"angle": math.pi / 2, "phase": math.pi / 2}
H_BACK = {"angle": math.pi / 2, "phase": -math.pi / 2}


def _bell(a: str, b: str) -> Circuit:
    ops = (
        Op(name="prx", locus=(a,), args=H),
        Op(name="prx", locus=(b,), args=H),
        Op(name="cz", locus=(a, b), args={}),
        Op(name="prx", locus=(b,), args=H_BACK),
        Op(name="measure", locus=(a, b), args={"key": "m"}),
    )
    return Circuit(name="bell", instructions=ops)


def _client(test_client: Any, qc: str) -> IQMServerClient:
    return IQMServerClient("http://localhost", quantum_computer=qc, http_client=test_client)


@pytest.mark.parametrize(("qc", "lines"), [("star-5", 1), ("lattice-20", 4)])
def test_topology_and_feedback_groups(test_client: Any, qc: str, lines: int) -> None:
    station = _client(test_client, qc)
    topology = station.get_chip_topology()
    qubits = station.get_static_quantum_architectures()[0].qubits
    assert set(topology.qubits) == set(qubits)
    assert len(topology.probe_lines) == lines
    # Feedback reaches every qubit from every probe line: one group, no restriction.
    assert station.get_feedback_groups() == (frozenset(qubits),)


def test_sdk_compiler_matches_the_in_process_compiler(test_client: Any) -> None:
    from qstation.qpu.calibration import generate_calibration
    from qstation.qpu.pulse.compiler import standard_compiler
    from qstation.qpu.registry import get_device

    station = _client(test_client, "star-5")
    first = str(station.get_calibration_set().observation_set_id)
    reply = test_client.post("/qstation/v1/quantum-computers/star-5/recalibrate")
    assert reply.status_code == 200, reply.text

    # Drift can fail a coupler's calibration (its cz leaves the drifted set): use a pair both
    # sets calibrate (the seeded first set calibrates every pair).
    cz = station.get_dynamic_quantum_architecture().gates["cz"]
    a, b = cz.implementations[cz.default_implementation].loci[-1]
    bell = _bell(b, a)
    pinned, _ = station.get_standard_compiler(first).compile([bell])
    sweep = pinned.sweep_definition
    assert sorted(sweep.return_parameters) == sorted([f"{a}__m", f"{b}__m"])
    coupler = station.get_chip_topology().get_coupler_for(a, b)
    assert f"{coupler}__flux.awg" in sweep.playlist.channel_descriptions
    # A fresh server's first set is the device's seeded calibration: the same playlist as
    # IQM's compiler built in process from it.
    spec = get_device("star-5")
    local, _ = standard_compiler(spec, generate_calibration(spec, spec.calibration_seed)).compile(
        [bell]
    )
    assert sweep.playlist == local.sweep_definition.playlist
    # The recalibrated default set compiles with its own, drifted, pulse parameters.
    drifted, _ = station.get_standard_compiler().compile([bell])
    assert drifted.sweep_definition.playlist != sweep.playlist


def test_a_run_the_twin_cannot_simulate_is_refused_before_queuing(test_client: Any) -> None:
    from qstation.client import NotSupportedByServerError
    from qstation.qpu.registry import get_device

    station = _client(test_client, "resonator-6")
    qubit, resonator = get_device("resonator-6").loci("move")[0]
    h = {"angle": math.pi / 2, "phase": math.pi / 2}
    # IQM's compiler lowers a MOVE to flux pulses on the qubit's coupler to the resonator:
    # channels a real station drives and the twin publishes, but does not model.
    move = Circuit(name="move", instructions=(
        Op(name="prx", locus=(qubit,), args=h),
        Op(name="move", locus=(qubit, resonator), args={}),
        Op(name="move", locus=(qubit, resonator), args={}),
        Op(name="measure", locus=(qubit,), args={"key": "m"}),
    ))
    run, _ = station.get_standard_compiler().compile([move])
    before = station.list_jobs(quantum_computer="resonator-6").items
    with pytest.raises(NotSupportedByServerError, match="flux pulses only on tunable couplers"):
        station.submit_run(run)
    assert station.list_jobs(quantum_computer="resonator-6").items == before  # nothing queued
    # A run the twin models on the same chip is accepted.
    single = Circuit(name="x", instructions=(
        Op(name="prx", locus=(qubit,), args=h),
        Op(name="measure", locus=(qubit,), args={"key": "m"}),
    ))
    accepted, _ = station.get_standard_compiler().compile([single])
    assert station.submit_run(accepted).type == "run"
    assert len(station.list_jobs(quantum_computer="resonator-6").items) == len(before) + 1
