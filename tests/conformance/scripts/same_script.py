"""A plain Qiskit user script, run unchanged with the official adapter and with ours.

Usage: ``python same_script.py SERVER_URL``. It imports ``iqm.qiskit_iqm`` as users do; the
cross-check test runs it once in the vendor's venv and once in ours, where a two-line
``iqm.qiskit_iqm`` shim re-exports :mod:`qstation.adapters.qiskit`. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys

from iqm.qiskit_iqm import IQMProvider
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile

SHOTS = 2000


def circuits() -> list[QuantumCircuit]:
    bell = QuantumCircuit(2, 2, name="bell")
    bell.h(0)
    bell.cx(0, 1)
    bell.measure([0, 1], [0, 1])
    ghz = QuantumCircuit(5, 5, name="ghz5")
    ghz.h(0)
    for i in range(4):
        ghz.cx(i, i + 1)
    ghz.measure(range(5), range(5))
    gaps = QuantumCircuit(5, 2, name="gaps")
    gaps.ry(1.0, 0)
    gaps.x(3)
    gaps.measure(0, 0)
    gaps.measure(3, 1)
    q, a, b = QuantumRegister(3, "q"), ClassicalRegister(1, "a"), ClassicalRegister(2, "b")
    regs = QuantumCircuit(q, a, b, name="registers")
    regs.h(q[0])
    regs.cx(q[0], q[1])
    regs.ry(0.7, q[2])
    regs.measure(q[0], a[0])
    regs.measure(q[1], b[0])
    regs.measure(q[2], b[1])
    skew = QuantumCircuit(3, 3, name="skew")
    skew.ry(0.9, 0)
    skew.cx(0, 1)
    skew.ry(2.1, 2)
    skew.cx(2, 1)
    skew.measure(range(3), range(3))
    return [bell, ghz, gaps, regs, skew]


def main(url: str) -> None:
    backend = IQMProvider(url, quantum_computer="lattice-20").get_backend()
    job = backend.run(transpile(circuits(), backend, optimization_level=3, seed_transpiler=7),
                      shots=SHOTS)
    result = job.result()
    print(json.dumps({
        "provider_module": IQMProvider.__module__,
        "backend": backend.name,
        "num_qubits": backend.num_qubits,
        "status": job.status().name,
        "success": result.success,
        "counts": [dict(c) for c in result.get_counts()],
    }))


if __name__ == "__main__":
    main(sys.argv[1])
