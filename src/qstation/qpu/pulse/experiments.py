"""Characterisation playlists: Rabi, Ramsey, T1 and DRAG sweeps on one qubit.

Each builder returns an IQM ``Playlist`` with one segment per sweep point, made of the same
instructions IQM's compiler emits (truncated-Gaussian DRAG pulses on ``<qubit>__drive.awg``, a
readout trigger with a thresholded acquisition on the qubit's probe line). They drive the
physics tests and the benchmark, and show how to build a sweep by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from iqm.models.playlist import Playlist, Segment
from iqm.models.playlist.channel_descriptions import (
    ChannelDescription,
    IQChannelConfig,
    ReadoutChannelConfig,
)
from iqm.models.playlist.instructions import (
    Instruction,
    IQPulse,
    ReadoutTrigger,
    ThresholdStateDiscrimination,
    VirtualRZ,
    Wait,
)
from iqm.models.playlist.waveforms import Constant, TruncatedGaussian, TruncatedGaussianDerivative

from qstation.qpu.pulse.twin import PulseTwin

LABEL = "m"


class _Builder:
    """Channels of one qubit and helpers to fill a segment on them."""

    def __init__(self, twin: PulseTwin, qubit: str) -> None:
        self.twin = twin
        self.p = twin.qubits[qubit]
        rate = twin.sample_rate
        self.drive = ChannelDescription(IQChannelConfig(rate), f"{qubit}__drive.awg")
        self.readout = ChannelDescription(
            ReadoutChannelConfig(rate), f"{self.p.probe_line}__readout"
        )
        self.playlist = Playlist()
        self.playlist.add_channel(self.drive)
        self.playlist.add_channel(self.readout)
        self.pulse_samples = round(self.p.pi_duration * rate)

    def samples(self, seconds: float) -> int:
        """``seconds`` rounded to whole granules (at least one)."""
        g = self.twin.granularity
        return max(round(seconds * self.twin.sample_rate / g), 1) * g

    def pulse(
        self,
        angle: float,
        phase: float = 0.0,
        *,
        amplitude: float | None = None,
        drag: float | None = None,
    ) -> Instruction[Any]:
        """A DRAG pulse rotating by ``angle`` about the axis at ``phase``."""
        n = self.pulse_samples
        a = self.p.pi_amplitude * angle / math.pi if amplitude is None else amplitude
        q = (self.p.drag_amplitude_q if drag is None else drag) * a / self.p.pi_amplitude
        op = IQPulse(TruncatedGaussian(n, 1.0), TruncatedGaussianDerivative(n, 1.0), a, q, phase)
        return Instruction(n, op)

    def segment(self, drive: Sequence[Instruction[Any]]) -> None:
        """Append a segment: ``drive`` on the drive line, then a readout of the qubit."""
        seg = Segment()
        length = 0
        for instruction in drive:
            seg.add_to_segment(self.drive, instruction)
            length += instruction.duration_samples
        window = round(self.p.integration_length * self.twin.sample_rate)
        probe = Instruction(
            window, IQPulse(Constant(window), Constant(window), self.p.readout_amplitude, 0.0)
        )
        weights = IQPulse(Constant(window), Constant(window), 1.0, 0.0)
        acquire = ThresholdStateDiscrimination(
            f"{self.p.name}__{LABEL}", 0, weights, self.p.threshold
        )
        if length:
            seg.add_to_segment(self.readout, Instruction(length, Wait()))
        seg.add_to_segment(self.readout, Instruction(window, ReadoutTrigger(probe, (acquire,))))
        self.playlist.segments.append(seg)

    def wait(self, seconds: float) -> list[Instruction[Any]]:
        """An idle of ``seconds`` (rounded to granules); nothing for zero."""
        return [Instruction(self.samples(seconds), Wait())] if seconds > 0 else []


def rabi(twin: PulseTwin, qubit: str, amplitudes: Sequence[float]) -> Playlist:
    """One pulse of each amplitude (no DRAG), then readout."""
    b = _Builder(twin, qubit)
    for a in amplitudes:
        b.segment([b.pulse(math.pi, amplitude=a, drag=0.0)])
    return b.playlist


def t1(twin: PulseTwin, qubit: str, delays: Sequence[float]) -> Playlist:
    """A π pulse, a wait, then readout."""
    b = _Builder(twin, qubit)
    for d in delays:
        b.segment([b.pulse(math.pi), *b.wait(d)])
    return b.playlist


def ramsey(twin: PulseTwin, qubit: str, delays: Sequence[float], echo: bool = False) -> Playlist:
    """π/2, wait, π/2 (with a π pulse half way for a Hahn echo); detune with the carrier."""
    b = _Builder(twin, qubit)
    for d in delays:
        middle = [*b.wait(d / 2), b.pulse(math.pi), *b.wait(d / 2)] if echo else b.wait(d)
        b.segment([b.pulse(math.pi / 2), *middle, b.pulse(math.pi / 2)])
    return b.playlist


def drag(twin: PulseTwin, qubit: str, coefficients: Sequence[float], repeats: int = 5) -> Playlist:
    """``repeats`` pairs of X(π)·X(-π) per DRAG coefficient: the phase error piles up.

    Without the right coefficient the pair is not the identity (the |2> level shifts the
    qubit's frequency during the pulse); after a final π/2 about Y the error shows as a
    population away from 1/2, linear in the coefficient's error, zero at the best one.
    """
    b = _Builder(twin, qubit)
    for c in coefficients:
        pulses = []
        for _ in range(repeats):
            pulses += [b.pulse(math.pi, 0.0, drag=c), b.pulse(math.pi, math.pi, drag=c)]
        b.segment(
            [b.pulse(math.pi / 2, math.pi / 2, drag=c), *pulses, Instruction(16, VirtualRZ(0.0))]
        )
    return b.playlist
