"""Shared builders for the simulator tests."""

from __future__ import annotations

import itertools
import math

import numpy as np

from qstation.qpu.calibration import CalibrationData, QubitCalibration
from qstation.qpu.circuits import Op, Program

HALF_PI = math.pi / 2


def calibration(
    names: list[str],
    *,
    t1: float = 1e3,
    t2: float = 1e3,
    prx_fidelity: float = 1.0,
    p01: float = 0.0,
    p10: float = 0.0,
    pair_fidelity: float = 1.0,
    resonators: tuple[str, ...] = (),
) -> CalibrationData:
    """A uniform calibration over ``names`` with a cz on every neighbouring pair."""
    qubits = {
        q: QubitCalibration(t1=t1, t2=t2, prx_fidelity=prx_fidelity, readout_p01=p01,
                            readout_p10=p10, frequency=4.5e9)
        for q in names
    }
    pairs = {f"cz:{a},{b}": pair_fidelity for a, b in itertools.pairwise(names)}
    pairs.update({f"move:{q},{r}": pair_fidelity for q in names for r in resonators})
    durations = {"prx": 20e-9, "cz": 40e-9, "move": 60e-9, "measure": 1.5e-6}
    return CalibrationData(qubits=qubits, pairs=pairs, durations=durations)


def program(n: int, ops: list[Op], names: list[str] | None = None) -> Program:
    """A program on ``n`` qubits QB1..QBn with measurements collected from ``ops``."""
    comps = names or [f"QB{i + 1}" for i in range(n)]
    meas = [(op.key or "", op.qubits) for op in ops if op.name == "measure"]
    return Program("test", comps, ops, meas)


def ghz(n: int) -> Program:
    """GHZ on a line: RY(π/2) everywhere, CZ chain with RY(-π/2) on each target."""
    ops = [Op("prx", (0,), HALF_PI, HALF_PI)]
    for q in range(1, n):
        ops += [Op("prx", (q,), HALF_PI, HALF_PI), Op("cz", (q - 1, q)),
                Op("prx", (q,), -HALF_PI, HALF_PI)]
    ops.append(Op("measure", tuple(range(n)), key="m"))
    return program(n, ops)


def random_layers(n: int, depth: int, seed: int, clifford: bool = False) -> Program:
    """Layers of random prx on every qubit then cz on alternating neighbour pairs."""
    rng = np.random.default_rng(seed)
    ops: list[Op] = []
    for layer in range(depth):
        for q in range(n):
            if clifford:
                angle, phase = rng.integers(1, 4) * HALF_PI, rng.integers(0, 4) * HALF_PI
            else:
                angle, phase = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
            ops.append(Op("prx", (q,), float(angle), float(phase)))
        ops += [Op("cz", (q, q + 1)) for q in range(layer % 2, n - 1, 2)]
    ops.append(Op("measure", tuple(range(n)), key="m"))
    return program(n, ops)


def distribution(bits: np.ndarray) -> np.ndarray:
    """Empirical distribution of bit rows (first column most significant)."""
    n = bits.shape[1]
    values = bits.astype(np.int64) @ (1 << np.arange(n - 1, -1, -1))
    return np.bincount(values, minlength=2**n) / max(len(values), 1)


def tvd(p: np.ndarray, q: np.ndarray) -> float:
    """Total-variation distance."""
    return 0.5 * float(np.abs(p - q).sum())
