"""The compiler: checked circuits lower to the same program without being checked again."""

from __future__ import annotations

import math

import pytest

from qstation.qpu.calibration import generate_calibration
from qstation.qpu.durations import circuit_duration, schedule
from qstation.qpu.registry import get_device
from qstation.qpu.validate import CircuitValidationError, Compiler, RawInstruction


def _compiler(device: str = "star-5") -> Compiler:
    spec = get_device(device)
    return Compiler(spec, generate_calibration(spec, 0))


def _ghz() -> list[RawInstruction]:
    return [
        RawInstruction("prx", ["QB1"], {"angle": math.pi / 2, "phase": 0.0}),
        RawInstruction("cz", ["QB1", "QB3"], {}),
        RawInstruction("phased_rx", ["QB3"], {"angle_t": 0.25, "phase_t": 0.5}),
        RawInstruction("delay", ["QB2"], {"duration": 1e-6}),
        RawInstruction("barrier", ["QB1", "QB2", "QB3"], {}),
        RawInstruction("measure", ["QB1", "QB3"], {"key": "m", "feedback_key": "f"}),
        RawInstruction("cc_prx", ["QB2"], {"angle": math.pi, "phase": 0.0,
                                           "feedback_qubit": "QB1", "feedback_key": "f"}),
        RawInstruction("measurement", ["QB2"], {"key": "n"}),
    ]


def test_a_checked_circuit_lowers_to_the_program_a_full_compile_gives() -> None:
    compiler = _compiler()
    full = compiler.compile("ghz", _ghz(), {})
    lowered = compiler.compile("ghz", _ghz(), {}, checked=True)
    assert lowered == full
    assert [op.name for op in full.ops][:3] == ["prx", "cz", "prx"]
    assert full.ops[2].angle == pytest.approx(math.pi / 2)  # a quarter turn


def test_the_cached_calibration_lookups_refuse_as_before() -> None:
    spec = get_device("star-5")
    cal = generate_calibration(spec, 0)
    cal.failed.append("prx:QB2")
    compiler = Compiler(spec, cal)
    ok = [RawInstruction("prx", ["QB1"], {"angle": 1.0, "phase": 0.0}),
          RawInstruction("measure", ["QB1"], {"key": "m"})]
    for _ in range(2):  # the second pass reads the cache
        compiler.compile("ok", ok, {})
        with pytest.raises(CircuitValidationError, match="not calibrated on"):
            compiler.compile("bad", [RawInstruction("prx", ["QB2"], {"angle": 1.0, "phase": 0.0}),
                                     *ok], {})


def test_non_finite_and_missing_arguments_are_still_refused() -> None:
    compiler = _compiler()
    measure = RawInstruction("measure", ["QB1"], {"key": "m"})
    for args in ({"angle": math.inf, "phase": 0.0}, {"angle": True, "phase": 0.0},
                 {"angle": 1.0}):
        with pytest.raises(CircuitValidationError):
            compiler.compile("c", [RawInstruction("prx", ["QB1"], args), measure], {})


def _durations_agree(compiler: Compiler, circuit: list[RawInstruction],
                     mapping: dict[str, str]) -> float:
    checked = compiler.check("c", circuit, mapping)
    lowered = compiler.compile("c", circuit, mapping)
    total = circuit_duration(checked, compiler.calibration)
    assert total == pytest.approx(schedule(lowered, compiler.calibration.durations).duration,
                                  rel=1e-12)
    return total


def test_the_duration_of_checked_instructions_is_the_lowered_programs() -> None:
    """The server times circuits without lowering them: the same total as the schedule of
    the program the worker runs, with barriers, delays, feedback, resets, legacy forms and a
    qubit mapping."""
    compiler = _compiler()
    total = _durations_agree(compiler, _ghz(), {})
    assert total > 1e-6 + compiler.calibration.durations["measure"]  # the delay and readout
    logical = [RawInstruction(i.name, [f"q{c[2:]}" for c in i.locus], i.args) for i in _ghz()]
    _durations_agree(compiler, logical, {f"q{i}": f"QB{i}" for i in range(1, 6)})
    _durations_agree(compiler, [
        RawInstruction("reset", ["QB1"], {}),
        RawInstruction("prx", ["QB1"], {"angle": 1.0, "phase": 0.0}),
        RawInstruction("measure", ["QB1"], {"key": "m"}),
    ], {})


def test_components_only_barriers_name_do_not_hold_the_circuit_back() -> None:
    """As in lowering, a component no other instruction uses is not part of the circuit: a
    barrier that names it does not carry an earlier barrier's time to the others."""
    compiler = _compiler()
    prx = {"angle": 1.0, "phase": 0.0}
    circuit = [
        RawInstruction("prx", ["QB1"], prx),
        RawInstruction("barrier", ["QB1", "QB2"], {}),  # QB2 appears in barriers only
        RawInstruction("barrier", ["QB2", "QB3"], {}),
        RawInstruction("prx", ["QB3"], prx),
        RawInstruction("measure", ["QB1", "QB3"], {"key": "m"}),
    ]
    total = _durations_agree(compiler, circuit, {})
    durations = compiler.calibration.durations
    assert total == pytest.approx(durations["prx"] + durations["measure"])
