"""LocalDevice: the twin in process, behind the Job interface."""

from __future__ import annotations

import pytest

from qstation.client import (
    CircuitValidationError,
    ClientConfigurationError,
    Job,
    JobStatus,
    LocalDevice,
)
from qstation.client.qasm import circuit_from_qasm

BELL_QASM = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2]; creg c[2];
h q[0]; cx q[0], q[1];
measure q -> c;
"""


def test_ideal_bell_state() -> None:
    device = LocalDevice("lattice-20", noise=False, seed=7)
    job = device.run([circuit_from_qasm(BELL_QASM, name="bell")], shots=500)
    assert isinstance(job, Job) and job.status() is JobStatus.COMPLETED
    assert job.wait() is JobStatus.COMPLETED and job.queue_position is None
    result = job.result()
    (counts,) = result.counts()
    assert counts.measurement_keys == ["c_0", "c_1"]
    assert set(counts.counts) == {"00", "11"} and sum(counts.counts.values()) == 500
    assert 150 < counts.counts["00"] < 350
    job.cancel()  # a finished job: nothing happens


def test_seeded_runs_repeat_and_noise_shows() -> None:
    circuit = circuit_from_qasm(BELL_QASM)
    first = LocalDevice(seed=1).run([circuit], shots=2000).counts()
    again = LocalDevice(seed=1).run([circuit], shots=2000).counts()
    assert first == again
    assert set(first[0].counts) == {"00", "01", "10", "11"}  # readout and gate errors


def test_device_rejects_uncoupled_qubits_and_unknown_devices() -> None:
    device = LocalDevice("lattice-20", noise=False)
    bad = [{"name": "c", "instructions": [
        {"name": "cz", "locus": ["QB1", "QB20"]},
        {"name": "measure", "locus": ["QB1"], "args": {"key": "m"}}]}]
    with pytest.raises(CircuitValidationError, match="not a coupled pair"):
        device.run(bad, shots=1)
    with pytest.raises(ClientConfigurationError, match="unknown device"):
        LocalDevice("no-such-device")


def test_architecture() -> None:
    arch = LocalDevice("resonator-6", noise=False).get_quantum_architecture()
    assert arch.computational_resonators and "move" in arch.operations
