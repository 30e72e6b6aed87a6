"""Quasi-static frequency noise: Ramsey decays with T2*, a Hahn echo with T2-echo, everywhere."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from qstation.qpu.calibration import CalibrationData, generate_calibration
from qstation.qpu.circuits import Op, Program
from qstation.qpu.drift import drift_calibration
from qstation.qpu.engines import Router
from qstation.qpu.engines.lowering import lower
from qstation.qpu.executor import Executor
from qstation.qpu.noise import average_fidelity, build_noise_model, relaxation_ptm_trace
from qstation.qpu.quasi_static import detunings, shift_phases
from qstation.qpu.registry import get_device
from tests.unit.qpu.helpers import calibration, program

H = math.pi / 2
T1, T2_STAR, T2_ECHO = 60e-6, 20e-6, 40e-6


def _cal(names: list[str]) -> CalibrationData:
    cal = calibration(names, t1=T1, t2=T2_STAR)
    return replace(cal, qubits={q: replace(c, t2_echo=T2_ECHO) for q, c in cal.qubits.items()})


def ramsey(t: float) -> Program:
    return program(
        1,
        [
            Op("prx", (0,), H, 0.0),
            Op("delay", (0,), duration=t),
            Op("prx", (0,), H, 0.0),
            Op("measure", (0,), key="m"),
        ],
    )


def echo(t: float) -> Program:
    return program(
        1,
        [
            Op("prx", (0,), H, 0.0),
            Op("delay", (0,), duration=t / 2),
            Op("prx", (0,), math.pi, 0.0),
            Op("delay", (0,), duration=t / 2),
            Op("prx", (0,), H, 0.0),
            Op("measure", (0,), key="m"),
        ],
    )


def _bound(p: float, shots: int) -> float:
    """Five binomial standard deviations of an estimate of ``p`` from ``shots`` shots."""
    return 5 * math.sqrt(p * (1 - p) / shots)


def test_detunings_have_the_lorentzian_characteristic_function() -> None:
    rng = np.random.default_rng(3)
    gamma = 1 / 30e-6
    draws = detunings([gamma, 0.0], 20_000, rng)
    assert draws.shape == (20_000, 2) and not draws[:, 1].any()
    for tau in (5e-6, 30e-6, 90e-6):
        assert np.cos(draws[:, 0] * tau).mean() == pytest.approx(math.exp(-gamma * tau), abs=0.02)
    # The median of |δ| of a Cauchy distribution is its half width.
    assert np.median(np.abs(draws[:, 0])) == pytest.approx(gamma, rel=0.05)


def test_a_detuned_frame_shifts_drive_phases_by_the_elapsed_time() -> None:
    prog = echo(10e-6)
    shifted = shift_phases(prog, [1e5], {"prx": 20e-9, "measure": 1.5e-6})
    phases = [op.phase for op in shifted.ops if op.name == "prx"]
    middles = [10e-9, 20e-9 + 5e-6 + 10e-9, 40e-9 + 10e-6 + 10e-9]
    assert phases == pytest.approx([math.remainder(-1e5 * t, 2 * math.pi) for t in middles])
    assert shift_phases(prog, [0.0], {}) is prog


@pytest.mark.parametrize("engine", ["auto", "density_matrix", "trajectories"])
def test_ramsey_decays_with_t2_star_and_echo_with_t2_echo(engine: str) -> None:
    executor = Executor(_cal(["QB1"]), engine=engine)
    shots = 20_000
    # 3 µs is an echo's short point: its exposure (Γ·span = 0.075) is below the threshold of
    # programs without waits, and played Markovian at T2* it would read 0.070 instead of 0.036.
    for t in (3e-6, 10e-6, 30e-6):
        p_ramsey = 0.5 * (1 + math.exp(-t / T2_STAR))
        p_echo = 0.5 * (1 - math.exp(-t / T2_ECHO))
        measured_ramsey = executor.run(ramsey(t), shots, seed=1)["m"].mean()
        measured_echo = executor.run(echo(t), shots, seed=2)["m"].mean()
        # Shots share a circuit's few detuning draws on the sampled engines: allow their
        # spread on top of the binomial bound.
        slack = 0.0 if engine == "auto" else 0.03
        assert abs(measured_ramsey - p_ramsey) < _bound(p_ramsey, shots) + 0.015 + slack
        assert abs(measured_echo - p_echo) < _bound(p_echo, shots) + 0.005 + slack
        # Markovian dephasing alone would make the echo decay with T2* too.
        assert measured_echo < 0.5 * (1 - math.exp(-t / T2_STAR)) - 0.02


def test_both_models_keep_the_calibrated_fidelity_for_what_rb_sees() -> None:
    # RB sees a gate's Markovian part (relaxation, dephasing at the model's own T2, the
    # depolarizing rest): it has the calibrated fidelity in both models. The quasi-static
    # model dephases at the echo time, so its depolarizing rest is the larger.
    cal = calibration(["QB1", "QB2"], t1=T1, t2=T2_STAR, prx_fidelity=0.999, pair_fidelity=0.99)
    cal = replace(cal, qubits={q: replace(c, t2_echo=T2_ECHO) for q, c in cal.qubits.items()})
    markovian = build_noise_model(cal, ("QB1", "QB2"))
    quasi = build_noise_model(cal, ("QB1", "QB2"), quasi_static=True)
    assert markovian.t2 == (T2_STAR, T2_STAR) and quasi.t2 == (T2_ECHO, T2_ECHO)
    assert quasi.detuning_hwhm == pytest.approx((1 / T2_STAR - 1 / T2_ECHO,) * 2)
    for model in (markovian, quasi):
        trace = relaxation_ptm_trace(T1, model.t2[0], 20e-9)
        assert average_fidelity(model.prx_depolarizing[0], 2, trace) == pytest.approx(0.999)
        pair = relaxation_ptm_trace(T1, model.t2[0], 40e-9) ** 2
        assert average_fidelity(model.pair("cz", 0, 1), 4, pair) == pytest.approx(0.99)
    assert quasi.prx_depolarizing[0] > markovian.prx_depolarizing[0]


def test_an_rb_sequence_decays_alike_with_and_without_detuning_draws() -> None:
    # A long Clifford sequence is played with detuning draws, a short one without: both
    # must decay at the calibrated fidelity, or an RB fit over both lengths reads low.
    from bench.rb import clifford_1q_sequence

    cal = calibration(["QB1"], t1=T1, t2=12e-6, prx_fidelity=0.9993)
    cal = replace(cal, qubits={q: replace(c, t2_echo=2 * 12e-6) for q, c in cal.qubits.items()})
    executor = Executor(cal)
    rng = np.random.default_rng(3)
    drawn, markovian = [], []
    for _ in range(12):
        ops = [Op("prx", (0,), a, p) for a, p in clifford_1q_sequence(200, rng)]
        prog = program(1, [*ops, Op("measure", (0,), key="m")])
        assert executor.quasi_static_model(prog) is not None  # long enough for draws
        drawn.append(executor.run(prog, 4000, seed=1)["m"].mean())
        circuit = lower(prog, executor.noise_model(tuple(prog.components)))  # T2*, no draws
        bits = Router("density_matrix").select(circuit).run(circuit, 4000, rng)
        markovian.append(bits["m"].mean())
    # 200 Cliffords at 0.9993 per gate: about 0.23 of the population lost to errors; the two
    # models agree to well within the 0.05 that T2* against T2-echo dephasing would make.
    assert abs(np.mean(drawn) - np.mean(markovian)) < 0.012


def test_generated_and_drifted_calibrations_publish_both_times() -> None:
    spec = get_device("star-5")
    cal = generate_calibration(spec, 7)
    for c in cal.qubits.values():
        assert c.t2 < c.echo_time <= 2 * c.t1
    later = drift_calibration(cal, 11)
    for q, c in later.qubits.items():
        assert c.t2 < c.echo_time <= 2 * c.t1
        before = cal.qubits[q]
        ratio = before.echo_time / before.t2
        assert c.echo_time == pytest.approx(min(ratio * c.t2, 2 * c.t1))
    # Stored sets from before echo times existed load with no low-frequency noise.
    old = cal.to_json()
    for v in old["qubits"].values():
        del v["t2_echo"]
    loaded = CalibrationData.from_json(old)
    assert all(c.echo_time == c.t2 for c in loaded.qubits.values())


def test_the_batched_small_path_equals_one_run_per_detuning_draw() -> None:
    from qstation.qpu.engines.detuned import detuned_distribution
    from qstation.qpu.engines.small import SmallCircuitEngine

    cal = _cal(["QB1", "QB2"])
    noise = build_noise_model(cal, ("QB1", "QB2"), quasi_static=True)
    engine = SmallCircuitEngine(noise, cache_size=0)
    prog = program(
        2,
        [
            Op("prx", (0,), H, 0.3),
            Op("prx", (1,), 1.1, -0.4),
            Op("delay", (0,), duration=7e-6),
            Op("cz", (0, 1)),
            Op("prx", (0,), math.pi, 1.0),
            Op("delay", (1,), duration=3e-6),
            Op("prx", (1,), H, 0.2),
            Op("prx", (0,), H, 2.0),
            Op("measure", (0, 1), key="m"),
        ],
    )
    draws = detunings(noise.detuning_hwhm, 16, np.random.default_rng(5))
    batched, order = detuned_distribution(engine, prog, draws)
    one_by_one = [
        engine.distribution(shift_phases(prog, d.tolist(), noise.durations)) for d in draws
    ]
    assert order == one_by_one[0][1]
    assert batched == pytest.approx(np.mean([p for p, _ in one_by_one], axis=0), abs=1e-12)
    # The draws matter: the undetuned circuit gives a different distribution.
    assert not np.allclose(batched, engine.distribution(prog)[0], atol=1e-3)


def test_short_circuits_and_clifford_circuits_on_stim_keep_the_markovian_model() -> None:
    executor = Executor(_cal([f"QB{i + 1}" for i in range(10)]))
    bell = program(
        2,
        [
            Op("prx", (0,), H, 0.0),
            Op("cz", (0, 1)),
            Op("prx", (1,), H, 0.0),
            Op("measure", (0, 1), key="m"),
        ],
    )
    assert executor.quasi_static_model(bell) is None  # 80 ns: the detuning cannot matter
    assert executor.quasi_static_model(echo(20e-6)) is not None
    # A program that waits is a coherence experiment: even a short one is played with draws.
    assert executor.quasi_static_model(echo(1e-6)) is not None
    assert executor.quasi_static_model(echo(0.1e-6)) is None  # Γ·span = 0.003
    wide_echo = program(
        10,
        [
            *(Op("prx", (q,), H, 0.0) for q in range(10)),
            Op("delay", tuple(range(10)), duration=10e-6),
            *(Op("prx", (q,), math.pi, 0.0) for q in range(10)),
            Op("measure", tuple(range(10)), key="m"),
        ],
    )
    # Ten independent echoes run qubit by qubit on the exact path, with the detuning...
    assert executor.engine_for(wide_echo) == "small"
    # ...but chained by CZs they are one wide Clifford circuit: stim, Markovian at T2*.
    chained = program(10, [*wide_echo.ops[:-1], *(Op("cz", (q, q + 1)) for q in range(9)),
                           wide_echo.ops[-1]])
    assert executor.engine_for(chained) == "stim"
    assert executor.quasi_static_model(chained) is None
