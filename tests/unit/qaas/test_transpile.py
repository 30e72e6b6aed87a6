"""OpenQASM 2 → native gates on each topology → IQM circuit JSON that the validator accepts."""

from __future__ import annotations

import pytest

from qstation.qpu.calibration import generate_calibration
from qstation.qpu.registry import get_device
from qstation.qpu.validate import Compiler, RawInstruction
from qstation.server.qaas.transpile import LoweredCircuit, TranspileError, lower_qasm

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
GHZ = HEADER + "qreg q[3];\ncreg c[3];\nh q[0];\ncx q[0],q[1];\ncx q[1],q[2];\nmeasure q -> c;\n"


def compile_on(device: str, qasm: str) -> tuple[LoweredCircuit, list[str]]:
    spec = get_device(device)
    cal = generate_calibration(spec, spec.calibration_seed)
    lowered = lower_qasm(qasm, 0, spec, cal)
    raw = (
        RawInstruction(i["name"], i["locus"], i["args"]) for i in lowered.circuit["instructions"]
    )
    Compiler(spec, cal).compile("c", raw, {})  # raises if the device cannot run it
    return lowered, [i["name"] for i in lowered.circuit["instructions"]]


@pytest.mark.parametrize("device", ["lattice-20", "star-5", "resonator-6"])
def test_lowered_circuits_pass_the_device_validator(device: str) -> None:
    lowered, names = compile_on(device, GHZ)
    assert set(names) <= {"prx", "cz", "move", "measure"}
    assert lowered.bit_keys and len(lowered.bit_keys) == 3
    assert lowered.registers == {"c": [0, 1, 2]}
    assert lowered.final_state_probabilities == pytest.approx({"000": 0.5, "111": 0.5})
    if device == "resonator-6":  # a virtual qubit-qubit cz: move, cz, move back
        assert "move" in names and names.count("move") % 2 == 0


def test_only_measured_bits_are_reported_in_register_order() -> None:
    qasm = (
        HEADER + "qreg q[2];\ncreg a[2];\ncreg b[1];\nmeasure q[1] -> b[0];\n"
        "measure q[0] -> a[1];\n"
    )
    lowered, _ = compile_on("star-5", qasm)
    assert lowered.registers == {"a": [0], "b": [1]}


def test_mid_circuit_measurement_has_no_final_state() -> None:
    qasm = (
        HEADER + "qreg q[1];\ncreg c[2];\nmeasure q[0] -> c[0];\nx q[0];\nmeasure q[0] -> c[1];\n"
    )
    lowered, names = compile_on("lattice-20", qasm)
    assert names.count("measure") == 2 and lowered.final_state is None


@pytest.mark.parametrize(
    ("qasm", "why"),
    [
        ("OPENQASM 3.0;\nqubit q;\n", "only OpenQASM 2.0"),
        (HEADER + "qreg q[1];\nnope q[0];\n", "invalid OpenQASM 2"),
        (HEADER + "qreg q[1];\nh q[0];\n", "no measurements"),
        (HEADER + "qreg q[6];\ncreg c[6];\nmeasure q -> c;\n", "cannot run on star-5"),
        (
            HEADER + "qreg q[1];\ncreg c[1];\nmeasure q[0] -> c[0];\nif (c==1) x q[0];\n",
            "circuit 0",
        ),
    ],
)
def test_circuits_that_cannot_run_are_explained(qasm: str, why: str) -> None:
    spec = get_device("star-5")
    with pytest.raises(TranspileError, match=why):
        lower_qasm(qasm, 0, spec, generate_calibration(spec, spec.calibration_seed))
