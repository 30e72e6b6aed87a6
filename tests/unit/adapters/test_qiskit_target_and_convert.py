"""Targets from the DQA, conversion to native instructions and FuseToPrx (no server)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit.random import random_circuit
from qiskit.quantum_info import Operator

from qstation.adapters.qiskit import fake_resonator6, fake_star5
from qstation.adapters.qiskit._convert import to_native
from qstation.adapters.qiskit.transpile import FuseToPrx, transpile_to_iqm
from qstation.client import LocalDevice
from qstation.client.local_views import local_calibration_views


@pytest.fixture(scope="module")
def resonator():  # type: ignore[no-untyped-def]
    return fake_resonator6(noise=False, seed=1)


def test_target_carries_figures_and_fictional_czs(resonator) -> None:  # type: ignore[no-untyped-def]
    target = resonator.target
    assert target.num_qubits == 6
    assert {"r", "cz", "measure", "delay", "id", "reset", "if_else"} <= set(target.operation_names)
    assert len(target["cz"]) == 30  # every ordered pair of the six qubits, via COMPR1
    props = target["cz"][(0, 1)]
    assert props is not None and props.duration and 0 < (props.error or 0) < 0.05
    assert target["r"][(0,)].error is not None and target["measure"][(0,)].duration > 0
    full = resonator.target_with_resonators
    assert full.num_qubits == 7 and set(full["move"]) == {(i, 6) for i in range(6)}


def test_fictional_cz_lowers_to_a_move_sandwich(resonator) -> None:  # type: ignore[no-untyped-def]
    qc = QuantumCircuit(6, 1)
    qc.cz(2, 4)
    qc.measure(2, 0)
    names = [(i["name"], i["locus"]) for i in to_native(qc, resonator.architecture)["instructions"]]
    mover = names[0][1][0]
    assert names[:3] == [("move", [mover, "COMPR1"]),
                         ("cz", [({"QB3", "QB5"} - {mover}).pop(), "COMPR1"]),
                         ("move", [mover, "COMPR1"])]


def test_conversion_rejects_what_the_server_would() -> None:
    backend = fake_star5(noise=False)
    qc = QuantumCircuit(2, 1)
    qc.h(0)
    with pytest.raises(ValueError, match="transpile"):
        to_native(qc, backend.architecture)
    twice = QuantumCircuit(1, 1)
    twice.measure(0, 0)
    twice.measure(0, 0)
    with pytest.raises(ValueError, match="twice"):
        to_native(twice, backend.architecture)


def test_keys_and_register_layout_are_recorded() -> None:
    backend = fake_star5(noise=False)
    qc = QuantumCircuit(2, 3)
    qc.rx(math.pi, 1)
    qc.measure(1, 2)
    native = to_native(qc, backend.architecture)
    assert native["instructions"][-1]["args"] == {"key": "c_3_0_2"}
    assert native["metadata"] == {"creg_sizes": [["c", 3]]}


@pytest.mark.parametrize("seed", range(6))
def test_fuse_to_prx_keeps_the_unitary_up_to_final_z(seed: int) -> None:
    qc = random_circuit(3, 4, max_operands=2, seed=seed)
    backend = fake_star5(noise=False)
    native = transpile_to_iqm(qc, backend, optimization_level=0, seed_transpiler=seed)
    before = native.copy()
    from qiskit.converters import circuit_to_dag, dag_to_circuit

    after = dag_to_circuit(FuseToPrx().run(circuit_to_dag(before)))
    assert set(after.count_ops()) <= {"r", "cz"}
    # Equal up to Z rotations at the end: compare output probabilities on |0…0⟩.
    p_before = np.abs(Operator(before).data[:, 0]) ** 2
    p_after = np.abs(Operator(after).data[:, 0]) ** 2
    np.testing.assert_allclose(p_before, p_after, atol=1e-9)


def test_local_views_match_the_local_target() -> None:
    views = local_calibration_views(LocalDevice("star-5", noise=False))
    assert views.metrics.describes_id == views.dqa.calibration_set_id
    assert str(views.dqa.calibration_set_id) == fake_star5().architecture.calibration_set_id
