"""Integrated IQ readout (``ComplexIntegration``) and what the engine refuses, by name.

The integrated points of a qubit in |0> form a Gaussian cloud around 0 with the twin's
``readout_sigma`` per quadrature; in |1> around ``readout_separation``, with a tail towards 0
from shots that relaxed during the window. Tolerances are 5 standard errors of each estimate.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from iqm.models.playlist import Playlist, Segment
from iqm.models.playlist.channel_descriptions import (
    ChannelDescription,
    IQChannelConfig,
    ReadoutChannelConfig,
    RealChannelConfig,
)
from iqm.models.playlist.instructions import (
    ComplexIntegration,
    Instruction,
    IQPulse,
    MultiplexedRealPulse,
    ReadoutTrigger,
    RealPulse,
    TimeTrace,
    Wait,
)
from iqm.models.playlist.waveforms import Constant, TruncatedGaussian, TruncatedGaussianDerivative

from qstation.qpu import registry
from qstation.qpu.calibration import generate_calibration
from qstation.qpu.pulse.config import ChannelConfig
from qstation.qpu.pulse.engine import simulate_playlist
from qstation.qpu.pulse.errors import PulseError
from qstation.qpu.pulse.twin import PulseTwin, pulse_twin, readout_error_1

SHOTS = 20_000


@pytest.fixture(scope="module")
def twin() -> PulseTwin:
    spec = registry.get_device("star-5")
    return pulse_twin(spec, generate_calibration(spec, spec.calibration_seed))


def _playlist(
    twin: PulseTwin, qubit: str, amplitudes: list[float], acquisition: object
) -> Playlist:
    """A π-shaped pulse of each amplitude on ``qubit``, then one readout with ``acquisition``."""
    p = twin.qubits[qubit]
    rate, n = twin.sample_rate, round(p.pi_duration * twin.sample_rate)
    drive = ChannelDescription(IQChannelConfig(rate), f"{qubit}__drive.awg")
    readout = ChannelDescription(ReadoutChannelConfig(rate), f"{p.probe_line}__readout")
    playlist = Playlist()
    playlist.add_channel(drive)
    playlist.add_channel(readout)
    window = round(p.integration_length * rate)
    probe = Instruction(window, IQPulse(Constant(window), Constant(window), 0.1, 0.0))
    for a in amplitudes:
        segment = Segment()
        q = p.drag_amplitude_q * a / p.pi_amplitude
        pulse = IQPulse(TruncatedGaussian(n, 1.0), TruncatedGaussianDerivative(n, 1.0), a, q)
        segment.add_to_segment(drive, Instruction(n, pulse))
        trigger = ReadoutTrigger(probe, (acquisition,))  # type: ignore[arg-type]
        segment.add_to_segment(readout, Instruction(n, Wait()))
        segment.add_to_segment(readout, Instruction(window, trigger))
        playlist.segments.append(segment)
    return playlist


def test_complex_integration_gives_the_calibrated_clouds(twin: PulseTwin) -> None:
    p = twin.qubits["QB1"]
    window = round(p.integration_length * twin.sample_rate)
    weights = IQPulse(Constant(window), Constant(window), 1.0, 0.0)
    acquisition = ComplexIntegration("QB1__iq", 0, weights)
    playlist = _playlist(twin, "QB1", [0.0, p.pi_amplitude], acquisition)
    config = ChannelConfig.calibrated(twin, SHOTS)
    (ground, excited) = simulate_playlist(twin, playlist, config, np.random.default_rng(5))[
        "QB1__iq"
    ]
    assert ground.dtype == np.complex128 and ground.shape == (SHOTS,)
    se = p.readout_sigma / math.sqrt(SHOTS)
    for quadrature in (ground.real, ground.imag, excited.imag):
        assert abs(quadrature.mean()) < 5 * se
        # The standard error of a sample standard deviation is sigma / sqrt(2N).
        assert abs(quadrature.std() - p.readout_sigma) < 5 * p.readout_sigma / math.sqrt(2 * SHOTS)
    assert abs(np.median(excited.real) - p.readout_separation) < 0.05 * p.readout_separation
    # Below the threshold: overlap and decay in the window (plus the π pulse's own small error).
    tau = window / twin.sample_rate
    want = readout_error_1(tau, p.t1, p.readout_separation, p.readout_sigma)
    seen = float(np.mean(excited.real < p.threshold))
    assert abs(seen - want) < 5 * math.sqrt(want * (1 - want) / SHOTS) + 0.002
    want0 = NormalDist().cdf(-p.threshold / p.readout_sigma)
    seen0 = float(np.mean(ground.real > p.threshold))
    assert abs(seen0 - want0) < 5 * math.sqrt(want0 * (1 - want0) / SHOTS)


def test_time_traces_are_refused_by_name(twin: PulseTwin) -> None:
    acquisition = TimeTrace("QB1__readout.time_trace", 0, 96)
    playlist = _playlist(twin, "QB1", [0.1], acquisition)
    with pytest.raises(PulseError, match=r"TimeTrace.*PL-1__readout"):
        simulate_playlist(
            twin, playlist, ChannelConfig.calibrated(twin, 10), np.random.default_rng(0)
        )


def test_flux_pulses_on_a_qubit_are_refused_by_name(twin: PulseTwin) -> None:
    p = twin.qubits["QB1"]
    window = round(p.integration_length * twin.sample_rate)
    weights = IQPulse(Constant(window), Constant(window), 1.0, 0.0)
    playlist = _playlist(twin, "QB1", [0.1], ComplexIntegration("QB1__iq", 0, weights))
    flux = ChannelDescription(RealChannelConfig(twin.sample_rate), "QB1__flux.awg")
    playlist.add_channel(flux)
    pulse = Instruction(96, RealPulse(Constant(96), 0.1))
    playlist.segments[0].add_to_segment(flux, pulse)
    with pytest.raises(PulseError, match="QB1__flux"):
        simulate_playlist(
            twin, playlist, ChannelConfig.calibrated(twin, 10), np.random.default_rng(0)
        )
    multiplexed = Instruction(96, MultiplexedRealPulse(((pulse, 0),)))
    playlist.segments[0].instructions["QB1__flux.awg"] = []
    playlist.segments[0].add_to_segment(flux, multiplexed)
    with pytest.raises(PulseError, match="MultiplexedRealPulse"):
        simulate_playlist(
            twin, playlist, ChannelConfig.calibrated(twin, 10), np.random.default_rng(0)
        )
