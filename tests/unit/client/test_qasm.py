"""The OpenQASM 2 reader: lowering to prx/cz is exact up to a global phase."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from qstation.client import CircuitValidationError, qasm
from qstation.client.qasm import QasmError, circuit_from_qasm

PROGRAM = """OPENQASM 2.0;
include "qelib1.inc";  // comments are fine
qreg a[2];
qreg b[1];
creg c[3];
h a[0]; x a[1]; y b[0]; z a[0]; s a[1]; sdg b[0]; t a[0]; tdg a[1]; sx b[0]; sxdg a[0];
rx(pi/3) a[0]; ry(-0.7) a[1]; rz(2*pi/5) b[0]; p(0.3) a[0]; u1(sin(0.4)) a[1];
u2(0.1, -pi) b[0]; u3(1.2, 0.4, -0.9) a[0]; u(0.5, 1e-1, 2^2) a[1]; U(0.2, 0.3, 0.4) b[0];
cx a[0], b[0]; CX b[0], a[1]; cz a[0], a[1]; cy a[1], b[0]; swap a[0], b[0]; id a[0];
barrier a, b;
measure a[0] -> c[0]; measure a[1] -> c[0]; measure b[0] -> c[2];
"""


def _prx(theta: float, phi: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array([[c, -1j * np.exp(-1j * phi) * s], [-1j * np.exp(1j * phi) * s, c]])


def _embed(gate: np.ndarray, targets: list[int], n: int) -> np.ndarray:
    """``gate`` on ``targets`` of n qubits; qubit 0 is the most significant bit."""
    full = np.zeros((2**n, 2**n), dtype=complex)
    k = len(targets)
    for col in range(2**n):
        bits = [(col >> (n - 1 - q)) & 1 for q in range(n)]
        sub = int("".join(str(bits[t]) for t in targets), 2)
        for out in range(2**k):
            new = list(bits)
            for i, t in enumerate(targets):
                new[t] = (out >> (k - 1 - i)) & 1
            full[int("".join(map(str, new)), 2), col] += gate[out, sub]
    return full


def _lowered_unitary(text: str) -> tuple[np.ndarray, list[str]]:
    reader = qasm._Reader(lambda i: f"QB{i + 1}")
    for statement in (s.strip() for s in re.sub(r"//[^\n]*", "", text).split(";")):
        if statement and not statement.startswith(("measure", "barrier")):
            reader.statement(statement)
    names = [q for reg in reader.qregs.values() for q in reg]
    n = len(names)
    unitary = np.eye(2**n, dtype=complex)
    cz = np.diag([1, 1, 1, -1]).astype(complex)
    for op in reader.low.ops:
        targets = [names.index(q) for q in op.locus]
        gate = cz if op.name == "cz" else _prx(op.args["angle"], op.args["phase"])
        unitary = _embed(gate, targets, n) @ unitary
    for q, angle in reader.low.frame.items():  # the virtual Z rotations still pending
        rz = np.diag([np.exp(-0.5j * angle), np.exp(0.5j * angle)])
        unitary = _embed(rz, [names.index(q)], n) @ unitary
    return unitary, names


def _same_up_to_phase(a: np.ndarray, b: np.ndarray) -> bool:
    index = np.unravel_index(np.argmax(np.abs(b)), b.shape)
    phase = a[index] / b[index]
    return abs(abs(phase) - 1) < 1e-9 and np.allclose(a, phase * b, atol=1e-9)


def test_lowering_matches_qiskit() -> None:
    qiskit = pytest.importorskip("qiskit")
    from qiskit.quantum_info import Operator

    source = "\n".join(line for line in PROGRAM.splitlines()
                       if not line.startswith(("measure", "barrier")))
    reference = Operator(qiskit.QuantumCircuit.from_qasm_str(source)).reverse_qargs().data
    ours, names = _lowered_unitary(PROGRAM)
    assert names == ["QB1", "QB2", "QB3"]
    assert _same_up_to_phase(ours, reference)


def test_circuit_shape() -> None:
    circuit = circuit_from_qasm(PROGRAM, name="p")
    names = {i.name for i in circuit.instructions}
    assert names == {"prx", "cz", "barrier", "measure"}
    keys = [i.args["key"] for i in circuit.instructions if i.name == "measure"]
    assert keys == ["c_0", "c_0_2", "c_2"]  # a repeated classical bit gets a unique key
    assert circuit.metadata == {"source": "openqasm2"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("qreg q[1]; gate foo a { x a; }", "not supported"),
        ("qreg q[1]; ccx q[0], q[0], q[0];", "unsupported gate"),
        ("qreg q[1]; rx(pi/0) q[0];", "statement 2"),
        ("qreg q[1]; rx(foo) q[0];", "unknown name"),
        ("qreg q[1]; x r[0];", "unknown register"),
        ("qreg q[1]; x q[3];", "out of range"),
        ("qreg q[1]; creg c[1]; measure q[0];", "->"),
        ("OPENQASM 2.0;", "no operations"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(QasmError, match=message) as info:
        circuit_from_qasm(text)
    assert isinstance(info.value, CircuitValidationError)
