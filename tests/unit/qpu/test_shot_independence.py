"""Shots of the trajectory engine are independent samples (at the default work budget).

The engine groups shots by error pattern; identical patterns give the same state, so shots
sharing one are still independent draws. Across repeated jobs an estimator then spreads as
binomial sampling predicts: (J - 1)·s²/σ² follows χ²(J - 1), checked at five sigma.
"""

from __future__ import annotations

import math

import numpy as np

from qstation.qpu.engines.lowering import lower
from qstation.qpu.engines.trajectories import TrajectoryEngine
from qstation.qpu.noise import build_noise_model
from tests.unit.qpu.helpers import calibration, random_layers


def _chi2_bounds(k: int, z: float = 5.0) -> tuple[float, float]:
    """Wilson-Hilferty quantiles of χ²(k) at ∓z standard deviations."""
    a = 2 / (9 * k)
    return (k * (1 - a - z * math.sqrt(a)) ** 3, k * (1 - a + z * math.sqrt(a)) ** 3)


def test_parity_spread_over_repeated_jobs_matches_independent_shots() -> None:
    n, shots, jobs = 6, 400, 40
    cal = calibration(
        [f"QB{i + 1}" for i in range(n)], t1=20e-6, t2=15e-6, prx_fidelity=0.99, pair_fidelity=0.95
    )
    prog = random_layers(n, 6, seed=3)
    circuit = lower(prog, build_noise_model(cal, tuple(prog.components)))
    engine = TrajectoryEngine()
    parity = np.array(
        [
            (engine.run(circuit, shots, np.random.default_rng(seed))["m"].sum(axis=1) % 2).mean()
            for seed in range(jobs)
        ]
    )
    p = float(parity.mean())
    statistic = (jobs - 1) * parity.var(ddof=1) / (p * (1 - p) / shots)
    low, high = _chi2_bounds(jobs - 1)
    assert low < statistic < high, (statistic, low, high)
