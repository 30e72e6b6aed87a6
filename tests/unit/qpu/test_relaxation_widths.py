"""One physics check for every engine and width: a qubit relaxes towards |0>, not towards 1/2.

After an X and a delay of 3·T1, P(1) is e^-3, seen through the readout error. This holds on
the exact small path and the density matrix, on trajectories, on qsim, and on the stabilizer
engine (which cannot represent amplitude damping: the decay before a final measurement is
applied to its sampled bits instead), whatever the width of the circuit around the qubit.
"""

from __future__ import annotations

import math

import pytest

from qstation.qpu.circuits import Op, Program
from qstation.qpu.executor import Executor
from tests.unit.qpu.helpers import calibration

T1 = 40e-6
P01, P10 = 0.01, 0.03
SHOTS = 4000
ENGINES = ("auto", "density_matrix", "trajectories", "stim", "qsim")


def _program(width: int) -> Program:
    names = [f"QB{i + 1}" for i in range(width)]
    ops = [Op("prx", (0,), math.pi, 0.0), Op("delay", (0,), duration=3 * T1)]
    # The other qubits are busy (X twice: back to |0>) so the circuit really is this wide.
    ops += [Op("prx", (q,), math.pi, 0.0) for q in range(1, width) for _ in range(2)]
    ops.append(Op("measure", tuple(range(width)), key="m"))
    return Program("t1", names, ops, [("m", tuple(range(width)))])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("width", [1, 5, 8, 10, 20, 54])
def test_decay_after_three_t1_at_every_width(width: int, engine: str) -> None:
    program = _program(width)
    cal = calibration(program.components, t1=T1, t2=30e-6, p01=P01, p10=P10,
                      prx_fidelity=0.9999)
    executor = Executor(cal, engine=engine)
    chosen = executor.engine_for(program)
    if engine in ("density_matrix", "trajectories") and chosen != engine and width > 10:
        pytest.skip(f"{engine} does not take {width} qubits (the executor uses {chosen})")
    bits = executor.run(program, SHOTS, seed=width)["m"]
    survived = math.exp(-3.0)
    expected = survived * (1 - P10) + (1 - survived) * P01
    sigma = math.sqrt(expected * (1 - expected) / SHOTS)
    # 5 sigma of shot noise, plus the X gate's own error (fidelity 0.9999).
    assert abs(bits[:, 0].mean() - expected) < 5 * sigma + 1e-3, chosen
    # The other qubits, X'd twice, read 0 up to readout and gate errors.
    if width > 1:
        assert bits[:, 1:].mean() < P01 + 0.01
