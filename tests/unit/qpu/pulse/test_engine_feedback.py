"""Mid-circuit measurement and real-time feedback on the pulse engine.

Circuits with ``cc_prx``, ``reset`` and repeated measurements, compiled by IQM's standard
compiler, run on the engine. Expected rates follow from the readout model (cloud overlap and
decay in each acquisition's window); tolerances are 5 binomial sigmas plus a small allowance
for gate errors (a π pulse's decay, about 4e-4). Seeds are fixed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from statistics import NormalDist

import numpy as np
import pytest
from iqm.models.playlist import Playlist
from iqm.models.playlist.instructions import ReadoutTrigger
from iqm.pulse import Circuit
from iqm.pulse import CircuitOperation as Op

from qstation.qpu import registry
from qstation.qpu.calibration import generate_calibration
from qstation.qpu.pulse.compiler import standard_compiler
from qstation.qpu.pulse.engine import segment_state, simulate_playlist
from qstation.qpu.pulse.errors import PulseError
from qstation.qpu.pulse.observations import channel_config
from qstation.qpu.pulse.twin import PulseTwin, QubitPulse, pulse_twin, readout_error_1

SHOTS = 20_000
HALF = {"angle": math.pi / 2, "phase": 0.0}
PI = {"angle": math.pi, "phase": 0.0}


@pytest.fixture(scope="module")
def station() -> tuple:
    spec = registry.get_device("star-5")
    cal = generate_calibration(spec, spec.calibration_seed)
    return spec, cal, pulse_twin(spec, cal), standard_compiler(spec, cal)


def _run(
    station: tuple, ops: list[Op], shots: int = SHOTS
) -> tuple[dict[str, np.ndarray], Playlist]:
    _, _, twin, compiler = station
    run, _ = compiler.compile([Circuit(name="c", instructions=tuple(ops))])
    sweep = run.sweep_definition
    config = replace(channel_config(sweep.settings, twin), shots=shots)
    out = simulate_playlist(twin, sweep.playlist, config, np.random.default_rng(0))
    return {k: v[0] for k, v in out.items()}, sweep.playlist


def _windows(playlist: Playlist) -> dict[str, int]:
    """Integration window (samples) of every acquisition label."""
    out = {}
    for channel in playlist.channel_descriptions.values():
        for instruction in channel.instruction_table:
            if isinstance(instruction.operation, ReadoutTrigger):
                for a in instruction.operation.acquisitions:
                    out[a.label] = a.weights.wave_i.n_samples
    return out


@dataclass(frozen=True)
class _Readout:
    """The readout model's rates for one qubit and integration window."""

    e01: float  # P(read 1 | |0>): cloud overlap
    kept0: float  # P(read 0 and still |1> after the window | |1>)
    decayed0: float  # P(read 0 and decayed to |0> | |1>)
    decayed1: float  # P(read 1 but decayed to |0> | |1>)

    @property
    def e10(self) -> float:
        return self.kept0 + self.decayed0


def _readout(twin: PulseTwin, p: QubitPulse, window: int) -> _Readout:
    tau = window / twin.sample_rate
    sigma = p.readout_sigma * math.sqrt(p.integration_length / tau)
    overlap = NormalDist().cdf(-p.threshold / sigma)
    survive = math.exp(-tau / p.t1)
    read0 = readout_error_1(tau, p.t1, p.readout_separation, sigma)
    kept0 = survive * overlap
    return _Readout(overlap, kept0, read0 - kept0, (1.0 - survive) - (read0 - kept0))


def _close(seen: float, want: float, allowance: float = 0.002, shots: int = SHOTS) -> None:
    sigma = math.sqrt(max(want * (1 - want), 1e-4) / shots)
    assert abs(seen - want) < 5 * sigma + allowance, (seen, want)


def test_cc_prx_flips_a_qubit_on_the_reported_bit(station: tuple) -> None:
    """QB2 is flipped when QB1 *reads* 1, so QB2's result follows QB1's reported bit."""
    twin = station[2]
    feedback = {"angle": math.pi, "phase": 0.0, "feedback_qubit": "QB1", "feedback_key": "f"}
    bits, playlist = _run(
        station,
        [
            Op(name="prx", locus=("QB1",), args=HALF),
            Op(name="measure", locus=("QB1",), args={"key": "f", "feedback_key": "f"}),
            Op(name="cc_prx", locus=("QB2",), args=feedback),
            Op(name="measure", locus=("QB2",), args={"key": "m"}),
        ],
    )
    _close(bits["QB1__f"].mean(), 0.5, allowance=0.01)
    r = _readout(twin, twin.qubits["QB2"], _windows(playlist)["QB2__m"])
    wrong = 0.5 * r.e01 + 0.5 * r.e10  # QB2 is |0> or |1> as QB1 reported; its own errors
    _close(float(np.mean(bits["QB1__f"] == bits["QB2__m"])), 1.0 - wrong)


def test_conditional_reset_empties_the_qubit(station: tuple) -> None:
    """π, then IQM's conditional reset: only the reset's own readout errors leave a |1>."""
    twin = station[2]
    p = twin.qubits["QB1"]
    bits, playlist = _run(
        station,
        [
            Op(name="prx", locus=("QB1",), args=PI),
            Op(name="reset", locus=("QB1",), args={}),
            Op(name="measure", locus=("QB1",), args={"key": "m"}),
        ],
    )
    windows = _windows(playlist)
    reset = next(label for label in windows if label.endswith("__reset"))
    at_reset, final = _readout(twin, p, windows[reset]), _readout(twin, p, windows["QB1__m"])
    # The reset fails if it reads 0 on a |1> that did not decay, or 1 on one that did
    # (the correcting π pulse then excites it again).
    fail = at_reset.kept0 + at_reset.decayed1
    _close(bits[reset].mean(), 1.0 - at_reset.e10)
    want = fail * (1.0 - final.e10) + (1.0 - fail) * final.e01
    _close(bits["QB1__m"].mean(), want, allowance=0.001)
    assert bits["QB1__m"].mean() < 0.1 < 0.9 < bits[reset].mean()


def test_a_measurement_collapses_the_state(station: tuple) -> None:
    """Two readouts of a superposition agree shot by shot (they would not if independent)."""
    bits, _ = _run(
        station,
        [
            Op(name="prx", locus=("QB1",), args=HALF),
            Op(name="measure", locus=("QB1",), args={"key": "a"}),
            Op(name="measure", locus=("QB1",), args={"key": "b"}),
        ],
    )
    _close(bits["QB1__a"].mean(), 0.5, allowance=0.01)
    assert np.mean(bits["QB1__a"] == bits["QB1__b"]) > 0.93


def test_feedback_without_its_readout_is_refused(station: tuple) -> None:
    """A conditional pulse whose signal no earlier readout sends names the signal."""
    _, _, twin, compiler = station
    feedback = {"angle": math.pi, "phase": 0.0, "feedback_qubit": "QB1", "feedback_key": "f"}
    run, _ = compiler.compile(
        [
            Circuit(
                name="c",
                instructions=(
                    Op(name="measure", locus=("QB1",), args={"key": "f"}),  # routes no signal
                    Op(name="cc_prx", locus=("QB2",), args=feedback),
                    Op(name="measure", locus=("QB2",), args={"key": "m"}),
                ),
            )
        ]
    )
    sweep = run.sweep_definition
    config = channel_config(sweep.settings, twin)
    with pytest.raises(PulseError, match="QB1__f"):
        simulate_playlist(twin, sweep.playlist, config, np.random.default_rng(0))
    with pytest.raises(PulseError, match="ConditionalInstruction"):
        segment_state(twin, sweep.playlist, 0, config)


@pytest.mark.parametrize("shots", [0, 1])
def test_a_reset_with_few_shots_keeps_every_label(station: tuple, shots: int) -> None:
    ops = [
        Op(name="prx", locus=("QB1",), args=PI),
        Op(name="reset", locus=("QB1",), args={}),
        Op(name="measure", locus=("QB1",), args={"key": "m"}),
    ]
    bits, _ = _run(station, ops, shots=shots)
    assert {k for k in bits if "ONLY" not in k} == {"QB1____reset", "QB1__m"}
    assert all(v.shape == (shots,) for v in bits.values())
