"""Transpiling for qstation backends with Qiskit's own preset pass managers.

Qiskit's target-aware passes do layout, routing (on the coupling map; on resonator devices
through the fictional CZs) and translation to ``r``/``cz``. :class:`FuseToPrx` then fuses
each run of single-qubit gates into one ``r`` by tracking Z rotations virtually: a Z
commutes with CZ and does not change a measurement, so it never has to be played.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit, Qubit
from qiskit.circuit.library import RGate
from qiskit.converters import circuit_to_dag, dag_to_circuit
from qiskit.dagcircuit import DAGCircuit
from qiskit.synthesis import OneQubitEulerDecomposer
from qiskit.transpiler import PassManager, StagedPassManager
from qiskit.transpiler.basepasses import TransformationPass
from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

from qstation.adapters.qiskit.backend import IQMBackendBase

_ZXZ = OneQubitEulerDecomposer("ZXZ")
_EPS = 1e-9
#: Operations a pending Z rotation passes through unchanged.
_TRANSPARENT = {"cz", "barrier", "delay", "id"}


class FuseToPrx(TransformationPass):  # type: ignore[misc]
    """Fuse single-qubit gates into at most one ``r`` per run, with Z rotations made virtual.

    Circuits with parameters, ``move`` or control flow are left as they are.
    """

    def run(self, dag: DAGCircuit) -> DAGCircuit:
        """Rewrite the circuit (see the class docstring)."""
        circuit = dag_to_circuit(dag)
        if circuit.parameters or any(i.operation.name in ("move", "if_else")
                                     for i in circuit.data):
            return dag
        return circuit_to_dag(_fuse(circuit))


def _fuse(circuit: QuantumCircuit) -> QuantumCircuit:
    out = circuit.copy_empty_like()
    pending: dict[Qubit, np.ndarray] = {q: np.eye(2, dtype=complex) for q in circuit.qubits}

    def flush(qubit: Qubit, keep_z: bool) -> None:
        theta, phi, lam = _ZXZ.angles(pending[qubit])  # U = RZ(phi) RX(theta) RZ(lam)
        if abs(math.remainder(theta, 4 * math.pi)) > _EPS:
            out.append(RGate(theta, -lam), [qubit])
        # What is left is RZ(phi + lam): carried forward, or dropped before a measurement.
        pending[qubit] = _rz(phi + lam) if keep_z else np.eye(2, dtype=complex)

    for ins in circuit.data:
        op, qubits = ins.operation, ins.qubits
        if len(qubits) == 1 and op.name not in ("measure", "reset", "delay", "barrier"):
            pending[qubits[0]] = op.to_matrix() @ pending[qubits[0]]
            continue
        keep = op.name in _TRANSPARENT
        for q in qubits:
            if op.name == "reset":
                pending[q] = np.eye(2, dtype=complex)
            else:
                flush(q, keep_z=keep)
        out.append(op, qubits, ins.clbits)
    for q in circuit.qubits:
        flush(q, keep_z=False)
    return out


def _rz(angle: float) -> np.ndarray:
    return np.diag([np.exp(-0.5j * angle), np.exp(0.5j * angle)])


def iqm_pass_manager(
    backend: IQMBackendBase, optimization_level: int = 2, **kwargs: Any
) -> StagedPassManager:
    """A preset pass manager for the backend's target, with :class:`FuseToPrx` last.

    Args:
        backend: the qstation backend.
        optimization_level: Qiskit's optimization level (0-3).
        **kwargs: passed to :func:`~qiskit.transpiler.generate_preset_pass_manager`
            (``seed_transpiler``, ``initial_layout``, ...).
    """
    pm = generate_preset_pass_manager(optimization_level, target=backend.target, **kwargs)
    pm.post_optimization = PassManager([FuseToPrx()])
    return pm


def transpile_to_iqm(
    circuits: QuantumCircuit | list[QuantumCircuit], backend: IQMBackendBase,
    optimization_level: int = 2, **kwargs: Any,
) -> Any:
    """Transpile circuits for a qstation backend (see :func:`iqm_pass_manager`)."""
    return iqm_pass_manager(backend, optimization_level, **kwargs).run(circuits)
