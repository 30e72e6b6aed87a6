"""Slow drift of a device's parameters between calibrations.

Real chips drift: T1 wanders with two-level-system defects, readout and gate errors creep up
until the next calibration. :func:`drift_calibration` turns one calibration set into the next
one, a seeded multiplicative random walk (log-normal steps) kept inside realistic bounds.
Occasionally a two-component gate fails to calibrate on a locus: it is listed in ``failed``
and so disappears from the dynamic quantum architecture until a later recalibration
recovers it.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from qstation.qpu.calibration import CalibrationData, QubitCalibration, coherence_limit

#: Bounds of the walk (seconds, probabilities): a little wider than the generator's ranges.
T1_BOUNDS = (20e-6, 80e-6)
T2_BOUNDS = (5e-6, 40e-6)
PRX_FIDELITY_BOUNDS = (0.996, 0.9998)
PAIR_FIDELITY_BOUNDS = (0.985, 0.998)
READOUT_BOUNDS = (0.003, 0.05)
P01_MAX = 0.03  # 0 -> 1 errors stay below the 1 -> 0 ceiling


def _walk(rng: np.random.Generator, value: float, sigma: float, lo: float, hi: float) -> float:
    """One log-normal step of ``value``, reflected into ``[lo, hi]``."""
    return float(min(max(value * math.exp(rng.normal(0.0, sigma)), lo), hi))


def _walk_fidelity(rng: np.random.Generator, fidelity: float, sigma: float,
                   bounds: tuple[float, float]) -> float:
    # Errors (1 - F), not fidelities, drift multiplicatively: 0.999 -> 0.9985 is a 50 % change.
    lo, hi = bounds
    error = _walk(rng, 1.0 - fidelity, sigma, 1.0 - hi, 1.0 - lo)
    return 1.0 - error


def _drift_qubit(
    q: QubitCalibration, rng: np.random.Generator, step: float, t_prx: float
) -> QubitCalibration:
    t1 = _walk(rng, q.t1, 0.08 * step, *T1_BOUNDS)
    t2 = min(_walk(rng, q.t2, 0.08 * step, *T2_BOUNDS), 2.0 * t1)
    # Low-frequency noise drifts with the rest: the echo keeps its ratio to T2*.
    t2_echo = None if q.t2_echo is None else min(t2 * q.echo_time / q.t2, 2.0 * t1)
    p01 = _walk(rng, q.readout_p01, 0.1 * step, READOUT_BOUNDS[0], P01_MAX)
    # 1 -> 0 errors stay above 0 -> 1 errors: relaxation during readout adds to them.
    p10 = max(_walk(rng, q.readout_p10, 0.1 * step, *READOUT_BOUNDS), p01 + 0.001)
    return QubitCalibration(
        t1=t1,
        t2=t2,
        prx_fidelity=min(_walk_fidelity(rng, q.prx_fidelity, 0.1 * step, PRX_FIDELITY_BOUNDS),
                         coherence_limit(t1, t2, t_prx)),
        readout_p01=p01,
        readout_p10=min(p10, READOUT_BOUNDS[1]),
        frequency=q.frequency + float(rng.normal(0.0, 50e3 * step)),
        t2_echo=t2_echo,
    )


def drift_calibration(
    data: CalibrationData,
    seed: int,
    *,
    step: float = 1.0,
    failure_rate: float = 0.02,
    recovery_rate: float = 0.7,
) -> CalibrationData:
    """The next calibration set after ``data``: parameters drifted, failures re-drawn.

    Args:
        data: the current calibration set (never modified).
        seed: makes the step reproducible.
        step: size of the step in units of a typical recalibration interval (the walk's
            standard deviation scales with it).
        failure_rate: probability that a two-component gate fails to calibrate on a locus.
        recovery_rate: probability that a previously failed locus calibrates again.
    """
    rng = np.random.default_rng(seed)
    t_prx = data.durations.get("prx", 0.0)
    qubits = {name: _drift_qubit(q, rng, step, t_prx) for name, q in sorted(data.qubits.items())}
    pairs = {key: _walk_fidelity(rng, f, 0.1 * step, PAIR_FIDELITY_BOUNDS)
             for key, f in sorted(data.pairs.items())}
    previously = set(data.failed)
    failed = [
        key for key in sorted(pairs)
        if rng.random() < (1.0 - recovery_rate if key in previously else failure_rate)
    ]
    return replace(data, qubits=qubits, pairs=pairs, failed=failed)


def drift_seed(previous_id: str) -> int:
    """A reproducible seed for the step after calibration set ``previous_id`` (a UUID)."""
    return int(previous_id.replace("-", "")[:15], 16)
