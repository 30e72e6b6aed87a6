"""Textbook Qiskit circuits and a two-sample chi-square check for comparing distributions."""

from __future__ import annotations

import math
from collections.abc import Mapping

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from scipy.stats import chi2_contingency


def bell() -> QuantumCircuit:
    qc = QuantumCircuit(2, 2, name="bell")
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    return qc


def ghz(n: int) -> QuantumCircuit:
    qc = QuantumCircuit(n, n, name=f"ghz{n}")
    qc.h(0)
    for i in range(n - 1):
        qc.cx(i, i + 1)
    qc.measure(range(n), range(n))
    return qc


def qft_peak(n: int = 4, k: int = 5) -> QuantumCircuit:
    """Phases of ``k`` loaded on |+…+⟩, read back with the inverse QFT: peaks at ``k``."""
    from qiskit.circuit.library import QFTGate

    qc = QuantumCircuit(n, n, name="qft")
    qc.h(range(n))
    for j in range(n):
        qc.p(2 * math.pi * k * 2**j / 2**n, j)
    qc.append(QFTGate(n).inverse(), range(n))
    qc.ry(0.4, 0)  # a little spread, so the comparison is about a distribution
    qc.measure(range(n), range(n))
    return qc


def grover3(marked: str = "101") -> QuantumCircuit:
    qc = QuantumCircuit(3, 3, name="grover")
    qc.h(range(3))
    for _ in range(2):
        _phase_flip(qc, marked)
        qc.h(range(3))
        _phase_flip(qc, "000")
        qc.h(range(3))
    qc.measure(range(3), range(3))
    return qc


def _phase_flip(qc: QuantumCircuit, bits: str) -> None:
    zeros = [i for i, b in enumerate(reversed(bits)) if b == "0"]
    if zeros:
        qc.x(zeros)
    qc.h(2)
    qc.ccx(0, 1, 2)
    qc.h(2)
    if zeros:
        qc.x(zeros)


def bernstein_vazirani(secret: str = "1011") -> QuantumCircuit:
    n = len(secret)
    qc = QuantumCircuit(n + 1, n, name="bv")
    qc.x(n)
    qc.h(range(n + 1))
    for i, bit in enumerate(reversed(secret)):
        if bit == "1":
            qc.cx(i, n)
    qc.h(range(n))
    qc.measure(range(n), range(n))
    return qc


def gapped() -> QuantumCircuit:
    """Five qubits, 0 and 3 measured (3 flipped, 0 in superposition) into a 2-bit register."""
    qc = QuantumCircuit(5, 2, name="gaps")
    qc.ry(1.0, 0)
    qc.x(1)
    qc.x(3)
    qc.measure(0, 0)
    qc.measure(3, 1)
    return qc


def registers() -> QuantumCircuit:
    q = QuantumRegister(3, "q")
    a, b = ClassicalRegister(1, "a"), ClassicalRegister(2, "b")
    qc = QuantumCircuit(q, a, b, name="registers")
    qc.h(q[0])
    qc.cx(q[0], q[1])
    qc.x(q[2])
    qc.measure(q[0], a[0])
    qc.measure(q[1], b[0])
    qc.measure(q[2], b[1])
    return qc


def mid_circuit() -> QuantumCircuit:
    qc = QuantumCircuit(3, 3, name="mid")
    qc.h(0)
    qc.measure(0, 0)
    qc.cx(0, 1)
    qc.ry(0.8, 2)
    qc.measure(1, 1)
    qc.cx(1, 2)
    qc.measure(2, 2)
    return qc


def textbook() -> list[QuantumCircuit]:
    return [bell(), ghz(5), qft_peak(), grover3(), bernstein_vazirani(), gapped(), registers(),
            mid_circuit()]


def same_distribution(a: Mapping[str, int], b: Mapping[str, int], alpha: float = 1e-4) -> float:
    """The p-value of a two-sample chi-square test; asserts it is above ``alpha``."""
    keys = sorted(set(a) | set(b))
    if len(keys) == 1:
        return 1.0
    table = [[a.get(k, 0) + 0.5 for k in keys], [b.get(k, 0) + 0.5 for k in keys]]
    p = float(chi2_contingency(table).pvalue)
    assert p > alpha, (p, dict(a), dict(b))
    return p
