"""Quasi-static frequency noise on the pulse path: Ramsey decays with T2*, an echo with T2echo.

The model is the circuit path's (:mod:`qstation.qpu.quasi_static`): each qubit's frequency is
off by a detuning δ drawn from a Lorentzian of half width 1/T2* - 1/T2echo, constant over a
shot, on top of Markovian dephasing at T2echo. In the drive frame a detuned qubit's phase
runs away as δ·t, which is the same as every drive pulse at time t arriving with its phase
shifted by -δ·t, so a realization plays the segment with shifted pulses. Its shots share one
density matrix, and the segment's shots are split between realizations.

A segment whose drive pulses on any qubit are too close together for the detuning to matter
(:data:`~qstation.qpu.quasi_static.MIN_EXPOSURE`) runs as before, with Markovian dephasing at
T2*: a Rabi sweep or a compiled gate pays nothing, a Ramsey or echo sequence pays one
density-matrix pass per realization.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np

from qstation.qpu.pulse.density import DensityState
from qstation.qpu.pulse.schedule import Conditional, Drive, Event
from qstation.qpu.pulse.twin import PulseTwin, QubitPulse
from qstation.qpu.quasi_static import MIN_EXPOSURE, REALIZATIONS_EXACT, detunings

#: Plays one event on a state (the engine's ``_apply``).
Apply = Callable[[DensityState, Event], None]


def _drives(events: list[Event]) -> Iterator[Drive]:
    for e in events:
        if isinstance(e, Drive):
            yield e
        elif isinstance(e, Conditional):
            yield from (d for d in (*e.if_true, *e.if_false) if isinstance(d, Drive))


def exposure(twin: PulseTwin, events: list[Event]) -> float:
    """Largest phase spread the detuning can build up between two drive pulses on a qubit."""
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for d in _drives(events):
        first[d.component] = min(first.get(d.component, d.start), d.start)
        last[d.component] = max(last.get(d.component, d.start), d.start + d.envelope.size)
    return max(
        (twin.qubits[q].quasi_static_width * (last[q] - first[q]) / twin.sample_rate
         for q in first if q in twin.qubits),
        default=0.0,
    )


def matters(twin: PulseTwin, events: list[Event]) -> bool:
    """Whether the segment ``events`` describe must be played per detuning realization."""
    return exposure(twin, events) >= MIN_EXPOSURE


def echo_params(twin: PulseTwin) -> dict[str, QubitPulse]:
    """The qubits' parameters with Markovian dephasing at T2echo (the rest is quasi-static)."""
    return {
        q: replace(p, t2=p.t2_echo) if p.quasi_static_width > 0 and p.t2_echo else p
        for q, p in twin.qubits.items()
    }


def realizations(
    twin: PulseTwin, qubits: list[str], shots: int, rng: np.random.Generator
) -> list[tuple[dict[str, float], int]]:
    """Detuning draws (rad/s per qubit) and the number of shots each one plays."""
    k = max(min(REALIZATIONS_EXACT, shots), 1)
    widths = [twin.qubits[q].quasi_static_width for q in qubits]
    draws = detunings(widths, k, rng)
    counts = np.full(k, shots // k)
    counts[: shots % k] += 1
    return [(dict(zip(qubits, row.tolist(), strict=True)), int(n))
            for row, n in zip(draws, counts, strict=True)]


def detuned(apply: Apply, detuning: dict[str, float], sample_rate: float) -> Apply:
    """``apply`` with every drive pulse's phase shifted as the detuned qubit sees it."""

    def play(state: DensityState, e: Event) -> None:
        delta = detuning.get(e.component, 0.0) if isinstance(e, Drive) else 0.0
        if delta == 0.0:
            apply(state, e)
            return
        shift = -delta * e.start / sample_rate
        state.frame[e.component] += shift
        try:
            apply(state, e)
        finally:
            state.frame[e.component] -= shift

    return play

