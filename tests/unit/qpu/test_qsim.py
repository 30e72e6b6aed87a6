"""qsim engines (optional dependency) agree with the exact NumPy engines."""

from __future__ import annotations

import numpy as np
import pytest

from qstation.qpu.engines.lowering import lower
from qstation.qpu.engines.qsim import QsimIdealEngine, QsimTrajectoryEngine, qsim_available
from qstation.qpu.executor import Executor
from tests.unit.qpu.helpers import calibration, distribution, random_layers, tvd

pytestmark = pytest.mark.skipif(not qsim_available(), reason="qsimcirq is not installed")


def test_ideal_qsim_matches_statevector() -> None:
    prog = random_layers(5, 8, 2)
    ours = QsimIdealEngine().run(prog, 20000, np.random.default_rng(1))["m"]
    ref = Executor(None, engine="statevector").run(prog, 20000, seed=2)["m"]
    assert tvd(distribution(ours), distribution(ref)) < 0.04


def test_large_ideal_circuits_route_to_qsim() -> None:
    prog = random_layers(16, 2, 1)
    ex = Executor(None)
    assert ex.engine_for(prog) == "qsim"
    assert ex.run(prog, 10, seed=1)["m"].shape == (10, 16)


@pytest.mark.parametrize("limit", [4000, 40])
def test_qsim_trajectories_match_density_matrix(limit: int) -> None:
    prog = random_layers(4, 8, 3)
    cal = calibration([f"QB{i + 1}" for i in range(4)], t1=20e-6, t2=15e-6,
                      prx_fidelity=0.99, p01=0.02, p10=0.05, pair_fidelity=0.95)
    ex = Executor(cal)
    circuit = lower(prog, ex.noise_model(tuple(prog.components)))
    engine = QsimTrajectoryEngine(max_trajectories=limit, min_qubits=1)
    assert engine.supports(circuit)
    ours = engine.run(circuit, 20000, np.random.default_rng(5))["m"]
    exact = Executor(cal, engine="density_matrix").run(prog, 20000, seed=6)["m"]
    assert tvd(distribution(ours), distribution(exact)) < (0.04 if limit > 1000 else 0.08)
