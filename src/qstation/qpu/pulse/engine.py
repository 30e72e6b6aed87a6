"""The pulse engine: a playlist in, one result per acquisition label, segment and shot out.

Each segment is simulated on the density matrix of the qubits it drives or fluxes
(:class:`.density.DensityState`), event by event (:func:`.schedule.segment_events`). Shots are
then sampled at once from the joint distribution of the measured qubits, so correlations
(a Bell pair's) survive, and each shot's integrated IQ point is drawn with decay during the
window (:mod:`.readout`). The physics comes from the pulse-level twin of the calibration set
(:mod:`.twin`); what the run's settings say (drive carriers, shots) from :class:`.ChannelConfig`.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from iqm.models.playlist import Playlist
from iqm.models.playlist.waveforms import TruncatedGaussian, TruncatedGaussianSmoothedSquare

from qstation.qpu.pulse import detuning
from qstation.qpu.pulse.config import ChannelConfig
from qstation.qpu.pulse.density import DensityState
from qstation.qpu.pulse.errors import PulseError
from qstation.qpu.pulse.observations import FLUX_RISE_TIME
from qstation.qpu.pulse.schedule import (
    Acquire,
    Conditional,
    Drive,
    Event,
    Flux,
    Frame,
    segment_events,
)
from qstation.qpu.pulse.shots import simulate_shots
from qstation.qpu.pulse.twin import CouplerPulse, PulseTwin, QubitPulse

#: Qubits a segment may touch with three levels each; beyond it two levels, up to the limit.
THREE_LEVEL_QUBITS = 5
MAX_QUBITS = 10
#: Outcome of a label in a segment that does not acquire it.
ABSENT = -1


@lru_cache(maxsize=256)
def _rabi_rate(p: QubitPulse, sample_rate: float) -> float:
    """Rabi rate (rad/s) per unit amplitude: the calibrated π pulse integrates to π."""
    n = round(p.pi_duration * sample_rate)
    area = TruncatedGaussian(n_samples=n, full_width=1.0).sample().sum() / sample_rate
    return math.pi / float(p.pi_amplitude * area)


@lru_cache(maxsize=1024)
def _flux_energy(c: CouplerPulse, sample_rate: float) -> float:
    """∫A(t)²dt of the calibrated CZ pulse: the one that gives a conditional phase of π."""
    n = round(c.cz_duration * sample_rate)
    shape = TruncatedGaussianSmoothedSquare(
        n_samples=n, full_width=1.0, rise_time=FLUX_RISE_TIME / c.cz_duration
    ).sample()
    return float(c.cz_amplitude**2 * np.sum(shape**2) / sample_rate)


def _coupler(twin: PulseTwin, component: str) -> CouplerPulse:
    coupler = twin.couplers.get(component)
    if coupler is None or component not in twin.simulated_flux():
        raise PulseError(
            f"flux pulse on channel {component}__flux: only tunable couplers between two qubits "
            "are simulated (qubit flux and computational resonators are not)"
        )
    return coupler


def _touched(twin: PulseTwin, events: list[Event]) -> list[str]:
    qubits: dict[str, None] = {}
    for e in events:
        if isinstance(e, Drive | Frame | Conditional):
            qubits[e.component] = None
        elif isinstance(e, Flux):
            qubits.update(dict.fromkeys(_coupler(twin, e.component).qubits))
    for q in qubits:
        if q not in twin.qubits:
            raise PulseError(f"drive pulse on channel {q}__drive: the chip has no qubit {q!r}")
    if len(qubits) > MAX_QUBITS:
        raise PulseError(
            f"a segment touches {len(qubits)} qubits; the pulse engine simulates at most "
            f"{MAX_QUBITS} per segment"
        )
    return list(qubits)


def _apply(twin: PulseTwin, state: DensityState, e: Event) -> None:
    """Play one drive, frame change or flux pulse on ``state``."""
    rate = twin.sample_rate
    if isinstance(e, Frame):
        state.frame[e.component] += e.phase
    elif isinstance(e, Drive):
        rabi = _rabi_rate(twin.qubits[e.component], rate)
        state.drive(e.component, e.start, e.envelope, rabi, e.modulation)
    elif isinstance(e, Flux):
        coupler = _coupler(twin, e.component)
        phase = math.pi * float(np.sum(e.samples**2)) / rate / _flux_energy(coupler, rate)
        a, b = coupler.qubits
        state.conditional_phase(a, b, e.start, e.samples.size, phase)


def _play(twin: PulseTwin, state: DensityState, events: list[Event]) -> list[Acquire]:
    """Play a segment without feedback up to its readout; its acquisitions."""
    read: dict[str, Acquire] = {}
    for e in events:
        if isinstance(e, Acquire):
            read.setdefault(e.component, e)
            if e.component in state.index:
                state.idle(e.component, e.start)
            continue
        if isinstance(e, Conditional):
            raise PulseError(
                f"instruction ConditionalInstruction on channel {e.component}__drive: a "
                "segment with feedback has no single state (it branches per shot)"
            )
        components = _coupler(twin, e.component).qubits if isinstance(e, Flux) else (e.component,)
        for q in components:
            if q in read:
                raise PulseError(
                    f"{type(e).__name__.lower()} on {e.component} after {q} was read out: "
                    "a segment with a mid-circuit measurement has no single state"
                )
        _apply(twin, state, e)
    return list(read.values())


def segment_state(
    twin: PulseTwin, playlist: Playlist, index: int, config: ChannelConfig
) -> tuple[DensityState, list[Acquire]]:
    """The state of the qubits segment ``index`` touches, where it reads them out.

    Measured qubits are evolved up to the start of their acquisition; the acquisitions are
    returned with it. Shots are sampled from this state (and tests compare it with a
    reference solver).
    """
    events, _ = segment_events(playlist, playlist.segments[index])
    state = _initial_state(twin, events, config)
    return state, _play(twin, state, events)


def _initial_state(
    twin: PulseTwin,
    events: list[Event],
    config: ChannelConfig,
    params: dict[str, QubitPulse] | None = None,
) -> DensityState:
    qubits = _touched(twin, events)
    levels = 3 if len(qubits) <= THREE_LEVEL_QUBITS else 2
    return DensityState(
        qubits, params or twin.qubits, config.drive_frequency, levels, 1.0 / twin.sample_rate
    )


def simulate_segment(
    twin: PulseTwin,
    playlist: Playlist,
    index: int,
    config: ChannelConfig,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Results of segment ``index`` of ``playlist``: one array of ``config.shots`` per label."""
    events, _ = segment_events(playlist, playlist.segments[index])

    def play(state: DensityState, e: Event) -> None:
        _apply(twin, state, e)

    if not detuning.matters(twin, events):
        state = _initial_state(twin, events, config)
        return simulate_shots(twin, events, state, config.shots, rng, play)
    # Quasi-static frequency noise: the shots split between detuning realizations.
    params = detuning.echo_params(twin)
    parts = []
    for delta, n in detuning.realizations(twin, _touched(twin, events), config.shots, rng):
        state = _initial_state(twin, events, config, params)
        shifted = detuning.detuned(play, delta, twin.sample_rate)
        parts.append(simulate_shots(twin, events, state, n, rng, shifted))
    order = rng.permutation(config.shots)  # realizations are not in blocks of shots
    return {label: np.concatenate([p[label] for p in parts])[order] for label in parts[0]}


def simulate_playlist(
    twin: PulseTwin, playlist: Playlist, config: ChannelConfig, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Every acquisition label's results, shape (segments, shots).

    Thresholded acquisitions give int8 bits, integrating ones complex IQ values; a segment
    without a label's acquisition holds :data:`ABSENT` (or NaN for IQ values) in its row.
    """
    n = len(playlist.segments)
    results: dict[str, np.ndarray] = {}
    for index in range(n):
        for label, values in simulate_segment(twin, playlist, index, config, rng).items():
            if label not in results:
                fill = ABSENT if values.dtype == np.int8 else np.nan
                results[label] = np.full((n, config.shots), fill, dtype=values.dtype)
            results[label][index] = values
    return results
