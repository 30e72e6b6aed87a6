"""Quasi-static frequency noise: why a Ramsey experiment decays faster than a Hahn echo.

Low-frequency noise (two-level fluctuators, flux noise) shifts a qubit's frequency by an
amount that is constant during one shot and different in the next. A Ramsey experiment
averages the phase this detuning accumulates and decays with T2*; an echo's π pulse reverses
the phase half-way and refocuses it, leaving only the fast (Markovian) dephasing of T2-echo.

The twin draws the detuning δ of every qubit from a Lorentzian (Cauchy) distribution of half
width Γ = 1/T2* - 1/T2echo. Its characteristic function is e^(-Γ|τ|), so combined with the
Markovian dephasing at T2echo a Ramsey fringe decays as exactly e^(-τ/T2*), the form every
fitting routine (qiskit-experiments, IQM's suite) assumes, and a symmetric echo as e^(-τ/T2echo).

A static detuning is a rotation Rz(δt) of the qubit's frame. Z rotations commute with CZ,
measurement and reset, so the whole effect is a shift of every drive phase: a ``prx`` centred
at time t becomes ``prx(θ, φ - δt)``. :func:`shift_phases` applies that to a program, which any
engine can then run; MOVE gates carry the frame into a resonator, so programs with them keep
the Markovian model (:func:`applicable`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from qstation.qpu.circuits import Op, Program
from qstation.qpu.durations import schedule

#: Detuning draws per circuit on the exact paths (small circuits, density matrix). Like 1/f
#: noise between a job's shots, the detuning takes this many independent values over a
#: circuit's shots, so coherence-limited estimates spread a little more than binomially.
REALIZATIONS_EXACT = 64
#: Detuning draws per circuit on the trajectory engines (the shots are split between them).
REALIZATIONS_SAMPLED = 16

#: Below this exposure (half width x the time between a qubit's first and last drive pulse)
#: the circuit runs with Markovian dephasing at T2* (same average gate channels, no draws).
#: That model is exact for sequences that do not refocus (a Ramsey fringe at any delay); for
#: one that does (an echo, dynamical decoupling) it loses at most this fraction of a
#: coherence, e^-exposure. Circuits of a few dozen layers (span ~2 µs, exposure 0.03-0.05 on
#: the catalog chips) stay on the fast Markovian paths; coherence experiments, whose spans
#: are tens of µs, are played with the draws.
MIN_EXPOSURE = 0.1
#: The threshold for a program that waits (has a ``delay``): a coherence experiment, whose
#: short points an echo fit leans on. At 0.1 an 8 µs Hahn echo lost 7 % of its coherence to
#: the Markovian model and a T2-echo fit read 6 % long; at 0.01 the loss is at most 1 %. Such
#: programs are a handful of pulses, so the draws cost little.
MIN_EXPOSURE_WAITING = 0.01

_PHASED = frozenset({"prx", "cc_prx"})


def applicable(program: Program) -> bool:
    """Whether the frame picture holds for ``program`` (no MOVE into a resonator)."""
    return not any(op.name == "move" for op in program.ops)


def exposure(program: Program, hwhm: Sequence[float], durations: dict[str, float]) -> float:
    """Largest phase spread the detuning can build up between two pulses on one qubit."""
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    for item in schedule(program, durations).items:
        if item.op.name in _PHASED:
            q = item.op.qubits[0]
            first.setdefault(q, item.start)
            last[q] = item.end
    return max((hwhm[q] * (last[q] - first[q]) for q in first), default=0.0)


def needs_draws(program: Program, hwhm: Sequence[float], durations: dict[str, float]) -> bool:
    """Whether ``program`` must be played per detuning draw rather than Markovian at T2*."""
    waits = any(op.name == "delay" for op in program.ops)
    threshold = MIN_EXPOSURE_WAITING if waits else MIN_EXPOSURE
    return exposure(program, hwhm, durations) >= threshold


def detunings(hwhm: Sequence[float], k: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """``k`` joint draws of every component's detuning (rad/s), shape ``(k, n)``.

    Each component's draws are stratified (one per probability slice of width 1/k, a Latin
    hypercube) so a few dozen of them already average the heavy-tailed Lorentzian well; the
    strata are shuffled independently per component, so components stay uncorrelated.
    """
    n = len(hwhm)
    u = (np.argsort(rng.random((n, k)), axis=1) + rng.random((n, k))) / k
    deltas = np.tan(np.pi * (u - 0.5)) * np.asarray(hwhm, dtype=np.float64)[:, None]
    return np.ascontiguousarray(deltas.T)


def shift_phases(
    program: Program, detuning: Sequence[float], durations: dict[str, float]
) -> Program:
    """``program`` as seen by qubits detuned by ``detuning`` (rad/s per component)."""
    if not any(detuning):
        return program
    ops: list[Op] = []
    for item in schedule(program, durations).items:
        op = item.op
        if op.name in _PHASED:
            delta = detuning[op.qubits[0]]
            if delta:
                middle = item.start + item.duration / 2
                phase = math.remainder(op.phase - delta * middle, 2 * math.pi)
                op = replace(op, phase=phase)
        ops.append(op)
    return Program(program.name, program.components, ops, program.measurements)
