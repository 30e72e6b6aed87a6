"""Errors about a device name the device as users know it, and say what it offers."""

from __future__ import annotations

import pytest

from qstation.client import Circuit, Instruction
from qstation.client.local import LocalDevice


def test_a_qubit_beyond_the_chip_says_how_many_it_has() -> None:
    wide = Circuit(
        name="wide",
        instructions=[Instruction(name="measure", locus=["QB25"], args={"key": "m"})],
    )
    with pytest.raises(Exception, match=r"the device has 20 qubits \(QB1\.\.QB20\)"):
        LocalDevice("lattice-20").run([wide], shots=10)


def test_qiskit_adapter_names_the_device_not_the_calibration_set() -> None:
    from qiskit import QuantumCircuit

    from qstation.adapters.qiskit import fake_lattice20

    backend = fake_lattice20()
    qc = QuantumCircuit(1, 1)
    qc.h(0)  # not native: the circuit was not transpiled
    qc.measure(0, 0)
    with pytest.raises(ValueError, match="'h' is not native to lattice-20") as err:
        backend.run(qc, shots=10)
    assert "transpile" in str(err.value)
