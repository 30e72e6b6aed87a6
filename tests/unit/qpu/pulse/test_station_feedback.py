"""Fast feedback through IQM's compiler: ``cc_prx`` and the conditional ``reset``.

Both read ``control_delays`` of ``cc_prx`` from the calibration set, one delay per feedback
source of the drive (every probe line, so feedback crosses probe lines as on the circuit path).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from iqm.models.playlist.instructions import ConditionalInstruction
from iqm.pulse import Circuit
from iqm.pulse import CircuitOperation as Op

from qstation.qpu import registry
from qstation.qpu.calibration import CalibrationData, generate_calibration
from qstation.qpu.pulse.compiler import standard_compiler
from qstation.qpu.pulse.observations import compiler_observations
from qstation.qpu.pulse.twin import pulse_twin
from tests.support.devices import ring_device, write_device


def _measure(qubit: str) -> Op:
    return Op(name="measure", locus=(qubit,), args={"key": "m"})


def _compile(name: str, ops: list[Op]) -> set[str]:
    """The kinds of instruction in the compiled playlist."""
    spec = registry.get_device(name)
    cal = generate_calibration(spec, spec.calibration_seed)
    run, _ = standard_compiler(spec, cal).compile([Circuit(name="c", instructions=tuple(ops))])
    channels = run.sweep_definition.playlist.channel_descriptions.values()
    return {type(i.operation).__name__ for channel in channels for i in channel.instruction_table}


@pytest.mark.parametrize("name", ["star-5", "lattice-20", "resonator-6"])
def test_cc_prx_compiles_to_a_conditional_pulse(name: str) -> None:
    feedback = {"angle": math.pi, "phase": 0.0, "feedback_qubit": "QB1", "feedback_key": "f"}
    kinds = _compile(
        name,
        [
            Op(name="prx", locus=("QB1",), args={"angle": math.pi / 2, "phase": 0.0}),
            Op(name="measure", locus=("QB1",), args={"key": "f"}),
            Op(name="cc_prx", locus=("QB2",), args=feedback),
            Op(name="measure", locus=("QB2",), args={"key": "m"}),
        ],
    )
    assert ConditionalInstruction.__name__ in kinds


def test_feedback_crosses_probe_lines() -> None:
    # On lattice-20, QB1 is read on PL-1 and QB10 on PL-2; the circuit path allows this cc_prx.
    feedback = {"angle": math.pi, "phase": 0.0, "feedback_qubit": "QB1", "feedback_key": "f"}
    kinds = _compile(
        "lattice-20",
        [
            Op(name="measure", locus=("QB1",), args={"key": "f"}),
            Op(name="cc_prx", locus=("QB10",), args=feedback),
            _measure("QB10"),
        ],
    )
    assert ConditionalInstruction.__name__ in kinds


def test_reset_compiles_to_measurement_and_conditional_pulse() -> None:
    kinds = _compile(
        "star-5",
        [
            Op(name="reset", locus=("QB1", "QB2"), args={}),
            Op(name="measure", locus=("QB1",), args={"key": "m"}),
        ],
    )
    assert {ConditionalInstruction.__name__, "ReadoutTrigger"} <= kinds


def test_failed_cc_prx_has_no_control_delays() -> None:
    spec = registry.get_device("star-5")
    cal = generate_calibration(spec, spec.calibration_seed)
    broken = CalibrationData(cal.qubits, cal.pairs, cal.durations, failed=["cc_prx:QB2"])
    fields = {f for f, _, _ in compiler_observations(spec, broken, pulse_twin(spec, broken))}
    assert "gates.cc_prx.prx_composite.QB1.control_delays" in fields
    assert "gates.cc_prx.prx_composite.QB2.control_delays" not in fields


def test_device_without_cc_prx_still_resets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QSTATION_DEVICE_PATH", str(write_device(tmp_path, ring_device())))
    registry.catalog.cache_clear()
    try:
        assert "cc_prx" not in registry.get_device("ring-8").gates
        reset = [Op(name="reset", locus=("QB1",), args={}), _measure("QB1")]
        assert ConditionalInstruction.__name__ in _compile("ring-8", reset)
    finally:
        monkeypatch.delenv("QSTATION_DEVICE_PATH")
        registry.catalog.cache_clear()
