"""Qiskit adapter: run Qiskit circuits on qstation quantum computers, remote or local.

Example::

    from qiskit import QuantumCircuit, transpile
    from qstation.adapters.qiskit import IQMProvider

    backend = IQMProvider("http://127.0.0.1:8000", quantum_computer="lattice-20").get_backend()
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    print(backend.run(transpile(qc, backend), shots=1000).result().get_counts())
"""

from qstation.adapters.qiskit._convert import measurement_key, parse_key, to_bitstrings
from qstation.adapters.qiskit.backend import IQMBackend, IQMBackendBase
from qstation.adapters.qiskit.job import (
    IQMJob,
    IQMJobCancelledError,
    IQMJobError,
    IQMJobFailedError,
    IQMJobTimeoutError,
)
from qstation.adapters.qiskit.local import (
    LocalBackend,
    fake_lattice20,
    fake_lattice54,
    fake_resonator6,
    fake_star5,
)
from qstation.adapters.qiskit.provider import IQMProvider
from qstation.adapters.qiskit.target import Architecture, MoveGate
from qstation.adapters.qiskit.transpile import iqm_pass_manager, transpile_to_iqm

__all__ = [
    "Architecture",
    "IQMBackend",
    "IQMBackendBase",
    "IQMJob",
    "IQMJobCancelledError",
    "IQMJobError",
    "IQMJobFailedError",
    "IQMJobTimeoutError",
    "IQMProvider",
    "LocalBackend",
    "MoveGate",
    "fake_lattice20",
    "fake_lattice54",
    "fake_resonator6",
    "fake_star5",
    "iqm_pass_manager",
    "measurement_key",
    "parse_key",
    "to_bitstrings",
    "transpile_to_iqm",
]
