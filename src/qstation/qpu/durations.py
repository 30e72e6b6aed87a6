"""Timing of a circuit: an ASAP schedule of its instructions and its total duration.

The noise model needs to know, for every instruction, when it starts and how long it lasts,
so that idle qubits decohere while others are busy. The schedule follows the hardware's rules:
an instruction starts when all its components are free, a ``barrier`` synchronises its
components, a ``delay`` occupies its components for its duration, and a ``cc_prx`` cannot
start before the measurement whose ``feedback_key`` it reads has finished.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qstation.qpu.circuits import Op, Program

if TYPE_CHECKING:  # the noise model, which calibration imports, imports this module
    from qstation.qpu.calibration import CalibrationData

#: Durations used when a calibration does not list an instruction (seconds).
FALLBACK_DURATIONS: dict[str, float] = {
    "prx": 20e-9,
    "cz": 40e-9,
    "move": 60e-9,
    "measure": 1.5e-6,
}


@dataclass(frozen=True, slots=True)
class ScheduledOp:
    """One instruction with its start time and duration (seconds)."""

    op: Op
    start: float
    duration: float

    @property
    def end(self) -> float:
        """When the instruction has finished."""
        return self.start + self.duration


@dataclass(frozen=True, slots=True)
class Schedule:
    """The instructions of a program in program order, each placed in time."""

    items: tuple[ScheduledOp, ...]
    duration: float


def op_duration(op: Op, durations: dict[str, float]) -> float:
    """How long ``op`` occupies its components, in seconds."""
    return instruction_duration(op.name, op.duration, durations)


def instruction_duration(name: str, delay: float, durations: dict[str, float]) -> float:
    """How long an instruction ``name`` occupies its components, in seconds (``delay``: a
    ``delay``'s own duration)."""
    if name in FALLBACK_DURATIONS:  # the gates and the measurement: one lookup
        return durations.get(name, FALLBACK_DURATIONS[name])

    def get(name: str) -> float:
        return durations.get(name, FALLBACK_DURATIONS.get(name, 0.0))

    if name == "delay":
        return max(delay, 0.0)
    if name == "barrier":
        return 0.0
    if name == "cc_prx":
        # An identity of the same duration is played when the condition is false.
        return durations.get("cc_prx", get("prx"))
    if name == "reset":
        # The default implementation is a measurement followed by a conditional pi pulse.
        return durations.get("reset", get("measure") + get("prx"))
    return get(name)


def schedule(program: Program, durations: dict[str, float]) -> Schedule:
    """Place every instruction of ``program`` as soon as possible.

    Components start free at time 0. A ``barrier`` moves all its components to the latest
    of their free times; a ``cc_prx`` waits for the end of the measurement carrying its
    ``feedback_key``.
    """
    free = [0.0] * program.n
    feedback_ready: dict[str, float] = {}
    items: list[ScheduledOp] = []
    for op in program.ops:
        start = max((free[q] for q in op.qubits), default=0.0)
        if op.name == "cc_prx" and op.feedback_key is not None:
            start = max(start, feedback_ready.get(op.feedback_key, 0.0))
        item = ScheduledOp(op, start, op_duration(op, durations))
        for q in op.qubits:
            free[q] = item.end
        if op.name == "measure" and op.feedback_key is not None:
            feedback_ready[op.feedback_key] = item.end
        items.append(item)
    return Schedule(tuple(items), max(free, default=0.0))


def circuit_components(
    instructions: Iterable[tuple[str, Sequence[str], Mapping[str, Any]]],
) -> set[str]:
    """The components a circuit acts on: those its instructions name, barriers apart (a
    component only a barrier names is not part of the circuit)."""
    return {c for name, locus, _ in instructions if name != "barrier" for c in locus}


def circuit_duration(
    instructions: Sequence[tuple[str, Sequence[str], Mapping[str, Any]]],
    calibration: CalibrationData | None,
) -> float:
    """Total duration in seconds of a checked circuit, given as its ``(name, physical locus,
    args)`` instructions, under ``calibration``'s gate durations.

    The same rules as :func:`schedule` gives the lowered circuit, read off the instructions
    as checked: the server applies the duration rule to every circuit it accepts, and
    lowering them only to time them would cost more than the check itself. As in lowering,
    only the :func:`circuit_components` are scheduled.
    """
    durations = calibration.durations if calibration is not None else {}
    free = dict.fromkeys(circuit_components(instructions), 0.0)
    feedback_ready: dict[str, float] = {}
    for name, locus, args in instructions:
        comps = [c for c in locus if c in free] if name == "barrier" else locus
        start = max([free[c] for c in comps], default=0.0)
        if name == "cc_prx" and args.get("feedback_key") is not None:
            start = max(start, feedback_ready.get(args["feedback_key"], 0.0))
        delay = float(args["duration"]) if name == "delay" else 0.0
        end = start + instruction_duration(name, delay, durations)
        for c in comps:
            free[c] = end
        if name == "measure" and args.get("feedback_key") is not None:
            feedback_ready[args["feedback_key"]] = end
    return max(free.values(), default=0.0)
