"""The small-circuit fast path equals the density-matrix / statevector engines exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qstation.qpu.circuits import Op
from qstation.qpu.engines import density
from qstation.qpu.engines.density import DensityMatrixEngine
from qstation.qpu.engines.lowering import lower
from qstation.qpu.engines.small import SmallCircuitEngine
from qstation.qpu.executor import Executor
from tests.unit.qpu.helpers import calibration, ghz, program, random_layers


def _noisy_cal(n: int):
    return calibration([f"QB{i + 1}" for i in range(n)], t1=30e-6, t2=20e-6,
                       prx_fidelity=0.995, p01=0.02, p10=0.05, pair_fidelity=0.97)


def _exact_dm(prog, ex: Executor, monkeypatch: pytest.MonkeyPatch) -> np.ndarray:
    """The density-matrix engine's final distribution, captured before sampling."""
    captured: list[np.ndarray] = []
    real = density._marginal_diag

    def spy(rho, qubits, n):  # type: ignore[no-untyped-def]
        out = real(rho, qubits, n)
        captured.append(out)
        return out

    monkeypatch.setattr(density, "_marginal_diag", spy)
    circuit = lower(prog, ex.noise_model(tuple(prog.components)))
    DensityMatrixEngine().run(circuit, 10, np.random.default_rng(0))
    return captured[0]


def _with_idles(n: int) -> list[Op]:
    ops = random_layers(n, 5, 11).ops[:-1]
    return [
        *ops[:7],
        Op("delay", (1,), duration=3e-6),
        Op("barrier", tuple(range(n))),
        Op("reset", (0,)),
        *ops[7:],
        Op("move", (2, 3)),
        Op("measure", (0, 2), key="a"),
        Op("delay", (1,), duration=1e-6),
        Op("measure", (3, 1), key="b"),
    ]


@pytest.mark.parametrize("case", ["layers", "idles", "ghz"])
def test_small_path_matches_density_matrix(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 4
    prog = {"layers": random_layers(n, 8, 3), "ghz": ghz(n),
            "idles": program(n, _with_idles(n))}[case]
    ex = Executor(_noisy_cal(n))
    assert ex.engine_for(prog) == "small"
    probs, qubits = SmallCircuitEngine(ex.noise_model(tuple(prog.components))).probabilities(prog)
    exact = _exact_dm(prog, ex, monkeypatch)
    np.testing.assert_allclose(probs, exact, atol=1e-10)
    assert len(qubits) == int(math.log2(len(probs)))


def test_small_path_ideal_matches_statevector() -> None:
    prog = random_layers(5, 10, 4)
    probs, _ = SmallCircuitEngine(None).probabilities(prog)
    # brute-force statevector reference
    from qstation.qpu.engines.lowering import CZ, prx_matrix

    psi = np.zeros((2,) * 5, dtype=complex)
    psi[(0,) * 5] = 1
    for op in prog.ops:
        if op.name == "prx":
            m, axes = prx_matrix(op.angle, op.phase), op.qubits
        elif op.name == "cz":
            m, axes = CZ.reshape(2, 2, 2, 2), op.qubits
        else:
            continue
        k = len(axes)
        psi = np.moveaxis(np.tensordot(m.reshape((2,) * 2 * k), psi,
                                       axes=(list(range(k, 2 * k)), list(axes))),
                          list(range(k)), list(axes))
    np.testing.assert_allclose(probs, (np.abs(psi) ** 2).ravel(), atol=1e-12)


def test_small_path_is_cached_and_seeded() -> None:
    ex = Executor(_noisy_cal(3))
    prog = ghz(3)
    a = ex.run(prog, 500, seed=3)["m"]
    b = ex.run(prog, 500, seed=3)["m"]
    assert np.array_equal(a, b)
    engine = ex.small_engine(prog)
    assert engine is not None and len(engine._cache) == 1


def test_midcircuit_and_feedback_leave_the_small_path() -> None:
    ops = [Op("prx", (0,), math.pi, 0.0), Op("measure", (0,), key="a", feedback_key="f"),
           Op("cc_prx", (1,), math.pi, 0.0, feedback_key="f", feedback_qubit=0),
           Op("measure", (1,), key="b")]
    ex = Executor(_noisy_cal(2))
    assert ex.engine_for(program(2, ops)) == "density_matrix"
    assert Executor(None).engine_for(program(2, [Op("reset", (0,)), *ops[-1:]])) != "small"
