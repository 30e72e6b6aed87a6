"""A playlist segment as a time-ordered list of physical events.

A segment gives each channel a list of instructions played back to back. The engine needs the
other view: what happens to which component, and when. :func:`segment_events` walks every
channel once, keeps a sample clock per channel, and emits drive pulses, frame changes, flux
pulses and acquisitions with their start samples, sorted by time. Channels are mapped to
components by IQM's naming convention: the controller name before ``__`` is the component,
the part after it (``drive``, ``flux``, ``readout``) its function.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from iqm.models.playlist import Playlist, Segment
from iqm.models.playlist.instructions import (
    ComplexIntegration,
    ConditionalInstruction,
    Instruction,
    IQPulse,
    MultiplexedIQPulse,
    ReadoutTrigger,
    RealPulse,
    ThresholdStateDiscrimination,
    TimeTrace,
    VirtualRZ,
    Wait,
)
from iqm.models.playlist.waveforms import CanonicalWaveform

from qstation.qpu.pulse.errors import PulseError


@dataclass(frozen=True)
class Drive:
    """An IQ pulse on a qubit's drive line; ``envelope`` excludes the channel's frame phase."""

    component: str
    start: int
    envelope: np.ndarray  # complex, one value per sample: (scale_i·w_i + i·scale_q·w_q)·e^{iφ}
    modulation: float  # extra modulation frequency, in units of the sample rate


@dataclass(frozen=True)
class Frame:
    """A change of the drive frame's phase (a virtual Z rotation) from ``start`` on."""

    component: str
    start: int
    phase: float


@dataclass(frozen=True)
class Flux:
    """A real pulse on a coupler's or qubit's flux line."""

    component: str
    start: int
    samples: np.ndarray  # real, one value per sample


@dataclass(frozen=True)
class Acquire:
    """One acquisition of a readout trigger: integrate ``window`` samples from ``start``."""

    component: str  # the qubit read out
    label: str
    start: int
    window: int
    threshold: float | None  # None: return the integrated IQ value itself
    feedback: str = ""  # the feedback signal its discriminated bit is routed to, if any


@dataclass(frozen=True)
class Conditional:
    """A drive instruction chosen per shot by a feedback signal (real-time feedback)."""

    component: str
    start: int
    condition: str  # feedback signal label
    if_true: tuple[Drive | Frame, ...]
    if_false: tuple[Drive | Frame, ...]


Event = Drive | Frame | Flux | Acquire | Conditional


@lru_cache(maxsize=4096)
def sampled(wave: CanonicalWaveform) -> np.ndarray:
    """The waveform's samples (cached: a sweep reuses the same shapes many times)."""
    samples = np.asarray(wave.sample(), dtype=float)
    samples.setflags(write=False)
    return samples


def _component(channel: str) -> tuple[str, str]:
    controller, _, rest = channel.partition("__")
    return controller, rest.split(".", 1)[0]


def _iq_envelope(op: IQPulse) -> np.ndarray:
    wave = op.scale_i * sampled(op.wave_i) + 1j * op.scale_q * sampled(op.wave_q)
    return np.asarray(wave * np.exp(1j * op.phase))


def _acquisitions(trigger: ReadoutTrigger, start: int, channel: str) -> list[Acquire]:
    out = []
    for acq in trigger.acquisitions:
        if isinstance(acq, TimeTrace):
            raise PulseError(
                f"instruction TimeTrace (label {acq.label!r}) on channel {channel!r}: the twin "
                "returns integrated or discriminated readout only"
            )
        qubit = acq.label.split("__", 1)[0]
        window = acq.weights.wave_i.n_samples if isinstance(acq, ComplexIntegration) else 0
        threshold, feedback = None, ""
        if isinstance(acq, ThresholdStateDiscrimination):
            threshold, feedback = acq.threshold, acq.feedback_signal_label
        out.append(
            Acquire(qubit, acq.label, start + acq.delay_samples, window, threshold, feedback)
        )
    return out


def _events(channel: str, instruction: Instruction[Any], start: int) -> list[Event]:
    component, function = _component(channel)
    op = instruction.operation
    if isinstance(op, Wait):
        return []
    if isinstance(op, ConditionalInstruction):
        inner = [_events(channel, choice, start) for choice in (op.if_true, op.if_false)]
        if function != "drive" or not all(isinstance(e, Drive | Frame) for es in inner for e in es):
            raise PulseError(
                f"instruction ConditionalInstruction on channel {channel!r}: only drive pulses, "
                "virtual Z and waits can be conditional"
            )
        true, false = (tuple(e for e in es if isinstance(e, Drive | Frame)) for es in inner)
        return [Conditional(component, start, op.condition, true, false)]
    if function == "drive" and isinstance(op, VirtualRZ):
        return [Frame(component, start, op.phase_increment)]
    if function == "drive" and isinstance(op, IQPulse):
        frame = [Frame(component, start, op.phase_increment)] if op.phase_increment else []
        return [*frame, Drive(component, start, _iq_envelope(op), op.modulation_frequency)]
    if function == "flux" and isinstance(op, RealPulse):
        return [Flux(component, start, op.scale * sampled(op.wave))]
    if function == "readout" and isinstance(op, ReadoutTrigger):
        return list(_acquisitions(op, start, channel))
    if function == "readout" and isinstance(op, MultiplexedIQPulse):
        return []  # a probe without acquisition: nothing is recorded
    raise PulseError(
        f"instruction {type(op).__name__} on channel {channel!r}: not supported on a "
        f"{function or 'unknown'} channel"
    )


def segment_events(playlist: Playlist, segment: Segment) -> tuple[list[Event], int]:
    """The segment's events in time order, and its length in samples."""
    events: list[Event] = []
    length = 0
    for channel, indices in segment.instructions.items():
        table = playlist.channel_descriptions[channel].instruction_table
        clock = 0
        for index in indices:
            instruction = table[index]
            events += _events(channel, instruction, clock)
            clock += instruction.duration_samples
        length = max(length, clock)
    # Stable: frame changes sort before a pulse starting on the same sample.
    order = {Frame: 0, Drive: 1, Flux: 1, Conditional: 1, Acquire: 2}
    events.sort(key=lambda e: (e.start, order[type(e)]))
    return events, length
