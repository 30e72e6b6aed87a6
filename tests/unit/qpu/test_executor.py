"""Circuit semantics of the executor, on every engine that supports the circuit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qstation.qpu.circuits import Op, Program
from qstation.qpu.engines.lowering import prx_matrix
from qstation.qpu.executor import Executor
from tests.unit.qpu.helpers import HALF_PI, calibration, distribution, ghz, program, tvd

ENGINES = ["statevector", "density_matrix", "trajectories", "stim"]
PI = math.pi


def run(prog: Program, engine: str, shots: int = 4000, cal=None, seed: int = 7):
    ex = Executor(cal, engine=engine)
    return ex.run(prog, shots, seed=seed)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n", [2, 3, 5])
def test_ghz_ideal_distribution(engine: str, n: int) -> None:
    bits = run(ghz(n), engine)["m"]
    assert bits.shape == (4000, n) and bits.dtype == np.uint8
    expected = np.zeros(2**n)
    expected[0] = expected[-1] = 0.5
    assert tvd(distribution(bits), expected) < 0.03


def test_prx_matrix_matches_definition() -> None:
    x = np.array([[0, 1], [1, 0]])
    y = np.array([[0, -1j], [1j, 0]])

    def rz(a: float) -> np.ndarray:
        return np.diag([np.exp(-0.5j * a), np.exp(0.5j * a)])

    def rx(a: float) -> np.ndarray:
        return math.cos(a / 2) * np.eye(2) - 1j * math.sin(a / 2) * x

    for theta, phi in [(0.3, 1.1), (PI, HALF_PI), (-1.7, 4.0)]:
        gen = x * math.cos(phi) + y * math.sin(phi)
        exact = math.cos(theta / 2) * np.eye(2) - 1j * math.sin(theta / 2) * gen
        np.testing.assert_allclose(prx_matrix(theta, phi), exact, atol=1e-12)
        np.testing.assert_allclose(prx_matrix(theta, phi), rz(phi) @ rx(theta) @ rz(-phi),
                                   atol=1e-12)


@pytest.mark.parametrize("engine", ["statevector", "density_matrix", "trajectories"])
def test_prx_phase_convention_in_simulation(engine: str) -> None:
    # Two π/2 pulses with phases φ1, φ2: the phase difference sets P(1).
    phi1, phi2 = 0.4, 2.3
    ops = [Op("prx", (0,), HALF_PI, phi1), Op("prx", (0,), HALF_PI, phi2),
           Op("measure", (0,), key="m")]
    psi = prx_matrix(HALF_PI, phi2) @ prx_matrix(HALF_PI, phi1) @ np.array([1, 0])
    p1 = abs(psi[1]) ** 2
    bits = run(program(1, ops), engine, shots=20000)["m"]
    assert abs(bits.mean() - p1) < 4 * math.sqrt(p1 * (1 - p1) / 20000) + 1e-3


@pytest.mark.parametrize("engine", ENGINES)
def test_midcircuit_measure_and_cc_prx(engine: str) -> None:
    ops = [
        Op("prx", (0,), HALF_PI, 0.0),
        Op("measure", (0,), key="a", feedback_key="f"),
        Op("cc_prx", (1,), PI, 0.0, feedback_key="f", feedback_qubit=0),
        Op("cc_prx", (0,), PI, 0.0, feedback_key="f", feedback_qubit=0),  # active reset
        Op("measure", (0, 1), key="b"),
    ]
    out = run(program(2, ops), engine)
    a, b = out["a"][:, 0], out["b"]
    assert 0.45 < a.mean() < 0.55
    np.testing.assert_array_equal(b[:, 1], a)  # copied by feedback
    assert not b[:, 0].any()  # reset by feedback


@pytest.mark.parametrize("engine", ENGINES)
def test_reset(engine: str) -> None:
    ops = [
        Op("prx", (0,), HALF_PI, HALF_PI), Op("prx", (1,), HALF_PI, HALF_PI), Op("cz", (0, 1)),
        Op("prx", (1,), -HALF_PI, HALF_PI),  # Bell pair
        Op("reset", (0,)),
        Op("measure", (0, 1), key="m"),
    ]
    bits = run(program(2, ops), engine)["m"]
    assert not bits[:, 0].any()
    assert 0.45 < bits[:, 1].mean() < 0.55


@pytest.mark.parametrize("engine", ENGINES)
def test_move_through_resonator(engine: str) -> None:
    names = ["QB1", "QB2", "COMPR1"]
    ops = [
        Op("prx", (0,), PI, 0.0),
        Op("move", (0, 2)),  # QB1's excitation into the resonator
        Op("measure", (0,), key="empty"),
        Op("move", (1, 2)),  # ... and out into QB2
        Op("barrier", (0, 1, 2)),
        Op("delay", (0, 1), duration=1e-7),
        Op("measure", (1,), key="moved"),
    ]
    cal = calibration(["QB1", "QB2"], resonators=("COMPR1",))
    out = run(program(3, ops, names), engine, cal=cal)
    assert not out["empty"].any()
    assert out["moved"].all()


def test_readout_confusion_rates() -> None:
    cal = calibration(["QB1", "QB2"], p01=0.03, p10=0.08)
    ops = [Op("prx", (1,), PI, 0.0), Op("measure", (0, 1), key="m")]
    shots = 40000
    bits = run(program(2, ops), "auto", shots=shots, cal=cal)["m"]
    for measured, p in ((bits[:, 0].mean(), 0.03), (1 - bits[:, 1].mean(), 0.08)):
        assert abs(measured - p) < 4 * math.sqrt(p * (1 - p) / shots)


def test_heralding_drops_shots() -> None:
    cal = calibration(["QB1", "QB2"], p01=0.05)
    ex = Executor(cal)
    out = ex.run(ghz(2), 20000, seed=3, heralding="zeros")
    kept = out["m"].shape[0]
    expected = 20000 * 0.95**2
    assert abs(kept - expected) < 4 * math.sqrt(expected * (1 - 0.95**2))
    assert Executor(None).run(ghz(2), 100, seed=3, heralding="zeros")["m"].shape == (100, 2)


@pytest.mark.parametrize("engine", ["auto", *ENGINES])
def test_seed_reproducibility(engine: str) -> None:
    cal = calibration(["QB1", "QB2", "QB3"], t1=30e-6, t2=20e-6, prx_fidelity=0.99,
                      p01=0.02, p10=0.04, pair_fidelity=0.97)
    prog = ghz(3)
    first = run(prog, engine, shots=500, cal=cal, seed=11)["m"]
    again = run(prog, engine, shots=500, cal=cal, seed=11)["m"]
    other = run(prog, engine, shots=500, cal=cal, seed=12)["m"]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_large_clifford_circuit_on_stim() -> None:
    cal = calibration([f"QB{i + 1}" for i in range(54)], t1=1e-3, t2=1e-3,
                      prx_fidelity=0.9999, p01=0.01, p10=0.02, pair_fidelity=0.999)
    ex = Executor(cal)
    prog = ghz(54)
    assert ex.engine_for(prog) == "stim"
    bits = ex.run(prog, 1000, seed=1)["m"]
    assert bits.shape == (1000, 54)
    parity_agreement = (bits == bits[:, :1]).mean()
    assert parity_agreement > 0.85  # mostly GHZ-like despite noise


def test_engine_names_and_fallback() -> None:
    with pytest.raises(ValueError):
        Executor(None, engine="nope")
    ex = Executor(None, engine="gpu")  # falls back to the CPU without a GPU
    assert tvd(distribution(ex.run(ghz(2), 2000, seed=1)["m"]), np.array([.5, 0, 0, .5])) < .05
