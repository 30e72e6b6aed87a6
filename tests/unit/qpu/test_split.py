"""Wide circuits of independent parts run part by part, each with the whole circuit's timing."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from qstation.qpu.calibration import generate_calibration
from qstation.qpu.circuits import Op, Program
from qstation.qpu.durations import schedule
from qstation.qpu.executor import Executor
from qstation.qpu.registry import get_device
from qstation.qpu.split import parts, split

HALF = math.pi / 2


def test_gates_and_feedback_join_qubits_barriers_and_measurements_do_not() -> None:
    ops = [
        Op("cz", (0, 1)),
        Op("measure", (2,), key="f", feedback_key="f"),
        Op("cc_prx", (3,), math.pi, 0.0, feedback_key="f", feedback_qubit=2),
        Op("barrier", (0, 1, 2, 3, 4)),
        Op("measure", (0, 1, 2, 3, 4), key="m"),
    ]
    program = Program("p", [f"QB{i + 1}" for i in range(5)], ops)
    assert parts(program) == [[0, 1], [2, 3], [4]]


def test_each_part_keeps_the_whole_circuits_timing() -> None:
    durations = {"prx": 20e-9, "cz": 40e-9, "measure": 1e-6}
    ops = [
        Op("prx", (0,), math.pi, 0.0),
        Op("delay", (1,), duration=5e-6),
        Op("barrier", (0, 1)),
        Op("prx", (0,), HALF, 0.0),
        Op("measure", (0, 1), key="m"),
    ]
    program = Program("p", ["QB1", "QB2"], ops, [("m", (0, 1))])
    whole = {(it.op.name, it.op.qubits): it.start for it in schedule(program, durations).items}
    first, second = split(program, durations, [[0], [1]])
    # QB1 waits for QB2's delay at the barrier: that wait is a delay of its own now.
    assert [op.name for op in first.ops] == ["prx", "delay", "prx", "measure"]
    assert first.ops[1].duration == 5e-6 - 20e-9
    starts = {it.op.name: it.start for it in schedule(first, durations).items}
    assert math.isclose(starts["measure"], whole[("measure", (0, 1))])
    assert second.measurements == [("m", (0,))] and second.components == ["QB2"]


def test_a_wide_echo_decays_as_each_qubit_alone() -> None:
    # Hahn echoes on every qubit of lattice-20 at once, measured together. Too wide for the
    # exact path as a whole; each qubit alone runs there, with its relaxation and
    # quasi-static noise. Each qubit's P(1) must be what the same echo gives on it alone.
    spec = get_device("lattice-20")
    cal = generate_calibration(spec, spec.calibration_seed)
    names = list(spec.qubits)
    tau = 20e-6
    ops = []
    for q in range(len(names)):
        ops += [Op("prx", (q,), HALF, 0.0), Op("delay", (q,), duration=tau / 2),
                Op("prx", (q,), math.pi, 0.0), Op("delay", (q,), duration=tau / 2),
                Op("prx", (q,), HALF, 0.0)]
    everyone = tuple(range(len(names)))
    wide = Program("echo", names, [*ops, Op("measure", everyone, key="m")], [("m", everyone)])
    executor = Executor(cal)
    shots = 4000
    bits = executor.run(wide, shots, seed=1)["m"]
    assert bits.shape == (shots, len(names))
    for q in (0, 7, 15):
        alone = Program("echo", [names[q]], [
            *(replace(op, qubits=(0,)) for op in ops if op.qubits == (q,)),
            Op("measure", (0,), key="m"),
        ], [("m", (0,))])
        expected = executor.run(alone, 40_000, seed=2)["m"][:, 0].mean()
        sigma = math.sqrt(expected * (1 - expected) / shots)
        assert abs(bits[:, q].mean() - expected) < 5 * sigma + 0.005, (q, expected)
    # Independent parts: no correlation between qubits beyond shot noise.
    corr = np.corrcoef(bits[:, 0], bits[:, 1])[0, 1]
    assert abs(corr) < 5 / math.sqrt(shots)

