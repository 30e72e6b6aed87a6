"""Cirq adapter: a sampler and a device for qstation quantum computers, remote or local.

Example::

    import cirq
    from qstation.adapters.cirq import IQMSampler

    sampler = IQMSampler("http://127.0.0.1:8000", quantum_computer="lattice-20")
    a, b = sampler.device.qubits[:2]
    circuit = cirq.Circuit(cirq.H(a), cirq.CNOT(a, b), cirq.measure(a, b, key="m"))
    print(sampler.run(sampler.device.compile(circuit), repetitions=1000).histogram(key="m"))
"""

from qstation.adapters.cirq._convert import to_cirq_measurements, to_native
from qstation.adapters.cirq.device import IQMDevice
from qstation.adapters.cirq.sampler import CircuitExecutionError, IQMSampler

__all__ = [
    "CircuitExecutionError",
    "IQMDevice",
    "IQMSampler",
    "to_cirq_measurements",
    "to_native",
]
