"""Noise model, schedule and cross-engine agreement, checked by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qstation.qpu.calibration import generate_calibration
from qstation.qpu.circuits import Op
from qstation.qpu.durations import schedule
from qstation.qpu.engines.density import depol_superop, relax_superop
from qstation.qpu.engines.lowering import lower
from qstation.qpu.executor import Executor
from qstation.qpu.noise import (
    average_fidelity,
    build_noise_model,
    depolarizing_parameter,
    relaxation,
    relaxation_ptm_trace,
)
from qstation.qpu.registry import get_device
from tests.unit.qpu.helpers import (
    HALF_PI,
    calibration,
    distribution,
    ghz,
    program,
    random_layers,
    tvd,
)

T1, T2 = 40e-6, 25e-6


def _fit_decay(times: np.ndarray, values: np.ndarray) -> float:
    """Time constant of values ≈ exp(-t/τ) by a log-linear least-squares fit."""
    slope = np.polyfit(times, np.log(values), 1)[0]
    return float(-1.0 / slope)


def test_depolarizing_parameter_roundtrip() -> None:
    for dim, fid, trace in ((2, 0.999, 3.999), (4, 0.99, 15.97), (2, 0.995, 3.99)):
        lam = depolarizing_parameter(fid, dim, trace)
        assert 0 < lam < 1
        assert average_fidelity(lam, dim, trace) == pytest.approx(fid, abs=1e-12)
    assert depolarizing_parameter(0.9, 2, 2.0) == 0.0  # relaxation alone is already worse
    assert depolarizing_parameter(0.9999999, 2, 3.9) == 0.0


def test_gate_channel_fidelity_matches_calibration() -> None:
    cal = generate_calibration(get_device("star-5"), seed=5)
    names = ("QB1", "QB3")
    model = build_noise_model(cal, names)
    q = cal.qubits["QB1"]
    gamma, coherence = relaxation(q.t1, q.t2, cal.durations["prx"])
    channel = depol_superop(model.prx_depolarizing[0], 1) @ relax_superop(gamma, coherence)
    f_pro = np.trace(channel).real / 4
    assert (2 * f_pro + 1) / 3 == pytest.approx(q.prx_fidelity, abs=1e-9)
    # two-qubit: the product relaxation trace enters the conversion
    t = cal.durations["cz"]
    trace = relaxation_ptm_trace(q.t1, q.t2, t) * relaxation_ptm_trace(
        cal.qubits["QB3"].t1, cal.qubits["QB3"].t2, t)
    lam = model.pair("cz", 0, 1)
    assert average_fidelity(lam, 4, trace) == pytest.approx(cal.pair_fidelity("cz", names))


@pytest.mark.parametrize("engine", ["density_matrix", "trajectories"])
def test_t1_decay_matches_calibration(engine: str) -> None:
    cal = calibration(["QB1"], t1=T1, t2=T2)
    ex = Executor(cal, engine=engine)
    times = np.array([2e-6, 15e-6, 30e-6, 50e-6])
    shots = 20000 if engine == "density_matrix" else 4000
    p1 = []
    for i, t in enumerate(times):
        ops = [Op("prx", (0,), math.pi, 0.0), Op("delay", (0,), duration=float(t)),
               Op("measure", (0,), key="m")]
        p1.append(ex.run(program(1, ops), shots, seed=i)["m"].mean())
    assert _fit_decay(times, np.array(p1)) == pytest.approx(T1, rel=0.10)


@pytest.mark.parametrize("echo", [False, True])
def test_ramsey_and_echo_t2_match_calibration(echo: bool) -> None:
    cal = calibration(["QB1"], t1=T1, t2=T2)
    ex = Executor(cal, engine="density_matrix")
    times = np.array([2e-6, 10e-6, 20e-6, 30e-6])
    coherence = []
    for i, t in enumerate(times):
        ops = [Op("prx", (0,), HALF_PI, 0.0)]
        if echo:
            ops += [Op("delay", (0,), duration=float(t) / 2), Op("prx", (0,), math.pi, 0.0),
                    Op("delay", (0,), duration=float(t) / 2), Op("prx", (0,), HALF_PI, 0.0)]
        else:
            ops += [Op("delay", (0,), duration=float(t)), Op("prx", (0,), -HALF_PI, 0.0)]
        ops.append(Op("measure", (0,), key="m"))
        p1 = ex.run(program(1, ops), 40000, seed=i)["m"].mean()
        coherence.append(1 - 2 * p1)
    assert _fit_decay(times, np.array(coherence)) == pytest.approx(T2, rel=0.10)


def test_idle_qubits_decohere() -> None:
    # QB2 sits in |1> while QB1 runs a long delay behind a barrier: it must decay too.
    cal = calibration(["QB1", "QB2"], t1=T1, t2=T2)
    ops = [Op("prx", (1,), math.pi, 0.0), Op("delay", (0,), duration=40e-6),
           Op("barrier", (0, 1)), Op("measure", (1,), key="m")]
    p1 = Executor(cal).run(program(2, ops), 20000, seed=1)["m"].mean()
    assert p1 == pytest.approx(math.exp(-40e-6 / T1), abs=0.02)


def test_schedule_barrier_delay_and_feedback() -> None:
    durations = {"prx": 20e-9, "cz": 40e-9, "measure": 1.5e-6}
    ops = [
        Op("prx", (0,)), Op("prx", (0,)), Op("prx", (1,)),
        Op("barrier", (0, 1)),
        Op("cz", (0, 1)),
        Op("delay", (2,), duration=1e-6),
        Op("measure", (0,), key="a", feedback_key="f"),
        Op("cc_prx", (2,), feedback_key="f", feedback_qubit=0),
    ]
    items = schedule(program(3, ops), durations).items
    assert items[2].start == 0.0
    assert items[4].start == pytest.approx(40e-9)  # after the barrier, not at 20 ns
    assert items[5].start == 0.0
    assert items[7].start == pytest.approx(80e-9 + 1.5e-6)  # waits for the measurement
    cal = calibration(["QB1", "QB2", "QB3"])
    total = schedule(program(3, ops), cal.durations).duration
    assert total == pytest.approx(80e-9 + 1.5e-6 + 20e-9)


def test_crosstalk_is_off_by_default_and_coherent_when_on() -> None:
    cal = calibration(["QB1", "QB2"])
    ops = [Op("prx", (1,), math.pi, 0.0), Op("prx", (0,), HALF_PI, 0.0),
           Op("delay", (0, 1), duration=10e-6), Op("prx", (0,), -HALF_PI, 0.0),
           Op("measure", (0,), key="m")]
    prog = program(2, ops)
    default = lower(prog, build_noise_model(cal, ("QB1", "QB2")))
    assert not any(i.gate == "zz" for i in default.instrs)
    on = Executor(cal, crosstalk=True).run(prog, 20000, seed=2)["m"].mean()
    off = Executor(cal).run(prog, 20000, seed=2)["m"].mean()
    # the neighbour in |1> rotates QB1 by the conditional phase 2π·ζ·t (ζ = 20 kHz)
    expected = math.sin(2 * math.pi * 20e3 * 10e-6 / 2) ** 2  # = sin²(φ/2)
    assert off < 0.01
    assert on == pytest.approx(expected, abs=0.02)


def _noisy_cal(n: int):
    return calibration([f"QB{i + 1}" for i in range(n)], t1=30e-6, t2=20e-6,
                       prx_fidelity=0.995, p01=0.02, p10=0.05, pair_fidelity=0.97)


@pytest.mark.parametrize("seed", [1, 2])
def test_engines_agree_on_noisy_clifford_circuits(seed: int) -> None:
    prog = random_layers(4, 6, seed, clifford=True)
    cal = _noisy_cal(4)
    dists = {
        e: distribution(Executor(cal, engine=e).run(prog, 20000, seed=seed)["m"])
        for e in ("density_matrix", "trajectories", "stim")
    }
    assert tvd(dists["density_matrix"], dists["trajectories"]) < 0.04
    # stim twirls amplitude damping, which costs a little agreement
    assert tvd(dists["density_matrix"], dists["stim"]) < 0.05


def test_engines_agree_on_noisy_non_clifford_circuit() -> None:
    prog = random_layers(4, 8, 3)
    cal = _noisy_cal(4)
    dm = distribution(Executor(cal, engine="density_matrix").run(prog, 20000, seed=1)["m"])
    tr = distribution(Executor(cal, engine="trajectories").run(prog, 20000, seed=2)["m"])
    ideal = distribution(Executor(None).run(prog, 20000, seed=3)["m"])
    assert tvd(dm, tr) < 0.04
    assert tvd(dm, ideal) > 0.05  # the noise is really there


def test_noisy_ghz_on_dm_and_trajectories_with_midcircuit() -> None:
    ops = [
        *ghz(3).ops[:-1],
        Op("measure", (0,), key="a", feedback_key="f"),
        Op("cc_prx", (1,), math.pi, 0.0, feedback_key="f", feedback_qubit=0),
        Op("cc_prx", (2,), math.pi, 0.0, feedback_key="f", feedback_qubit=0),
        Op("measure", (1, 2), key="b"),
    ]
    prog = program(3, ops)
    cal = _noisy_cal(3)
    dm = Executor(cal, engine="density_matrix").run(prog, 20000, seed=1)
    tr = Executor(cal, engine="trajectories").run(prog, 20000, seed=1)
    for key in ("a", "b"):
        assert tvd(distribution(dm[key]), distribution(tr[key])) < 0.03
    assert dm["b"].mean() < 0.2  # feedback undid the GHZ correlation


def test_trajectory_budget_keeps_the_mixture_unbiased() -> None:
    from qstation.qpu.engines.trajectories import TrajectoryEngine

    prog = random_layers(4, 8, 5)
    cal = _noisy_cal(4)
    ex = Executor(cal)
    circuit = lower(prog, ex.noise_model(tuple(prog.components)))
    capped = TrajectoryEngine(work_budget=0, min_trajectories=400)  # ~20 shots per trajectory
    rng = np.random.default_rng(4)
    approx = distribution(capped.run(circuit, 20000, rng)["m"])
    exact = distribution(Executor(cal, engine="density_matrix").run(prog, 20000, seed=4)["m"])
    assert tvd(approx, exact) < 0.05
