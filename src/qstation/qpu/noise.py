"""The noise model of a digital twin, as plain data built from a calibration set.

Every gate is followed by thermal relaxation (T1 amplitude damping + pure dephasing) over its
duration and by a depolarizing channel that makes up the rest of the calibrated infidelity, so
the simulated average gate fidelity equals the calibrated one. Idle qubits relax too (the
engines get idle intervals from :mod:`qstation.qpu.durations`). Readout is a per-qubit
asymmetric confusion (P(1|0) = p01, P(0|1) = p10). Resonators are treated as long-lived
(no noise): their coherence is an order of magnitude above the qubits'.

The algebra (exact, in the Pauli transfer matrix picture): a depolarizing channel with
parameter λ is ``diag(1, 1-λ, …)``; composed with any channel R its process fidelity is
``(1 + (1-λ)(tr R - 1)) / d²``, so λ follows from the target fidelity and ``tr R``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from qstation.qpu.durations import FALLBACK_DURATIONS

if TYPE_CHECKING:  # calibration uses this module's algebra for its coherence limit
    from qstation.qpu.calibration import CalibrationData

#: Default residual ZZ coupling on idle couplers when crosstalk is enabled (Hz).
DEFAULT_ZZ_HZ = 20e3


@dataclass(frozen=True, slots=True, eq=False)
class NoiseModel:
    """Noise parameters for one ordered list of components (a program's ``components``).

    Per-component tuples are indexed like the components; ``inf`` coherence times and zero
    error rates mark noiseless components (resonators). ``pair_depolarizing`` maps
    ``(gate, a, b)`` with ``a < b`` local indices to the depolarizing parameter λ applied after
    that gate; ``zz`` maps ``(a, b)`` to a residual ZZ angular rate in rad/s.
    """

    components: tuple[str, ...]
    t1: tuple[float, ...]
    t2: tuple[float, ...]
    prx_depolarizing: tuple[float, ...]
    readout_p01: tuple[float, ...]
    readout_p10: tuple[float, ...]
    pair_depolarizing: dict[tuple[str, int, int], float]
    durations: dict[str, float]
    zz: dict[tuple[int, int], float] = field(default_factory=dict)
    #: Half width (rad/s) of each component's Lorentzian quasi-static detuning; empty or zero:
    #: none. Set only by ``build_noise_model(quasi_static=True)``, whose ``t2`` is then the
    #: Markovian (echo) time; see :mod:`qstation.qpu.quasi_static`.
    detuning_hwhm: tuple[float, ...] = ()

    def pair(self, gate: str, a: int, b: int) -> float:
        """Depolarizing parameter after ``gate`` on local components ``a``, ``b`` (0 if unknown)."""
        return self.pair_depolarizing.get((gate, min(a, b), max(a, b)), 0.0)

    def is_noisy(self, q: int) -> bool:
        """Whether component ``q`` decoheres at all."""
        return math.isfinite(self.t1[q]) or math.isfinite(self.t2[q])


@lru_cache(maxsize=65536)  # bounded: random angles/intervals would grow it forever
def relaxation(t1: float, t2: float, t: float) -> tuple[float, float]:
    """Thermal relaxation over ``t`` seconds as ``(gamma, coherence)``.

    ``gamma`` is the probability of a |1>→|0> decay, ``coherence`` the factor e^(-t/T2) on the
    off-diagonal elements. T2 is capped at 2·T1, the physical bound.
    """
    if t <= 0.0:
        return 0.0, 1.0
    t2 = min(t2, 2.0 * t1)
    gamma = -math.expm1(-t / t1) if math.isfinite(t1) else 0.0
    coherence = math.exp(-t / t2) if math.isfinite(t2) else 1.0
    return gamma, coherence


def relaxation_ptm_trace(t1: float, t2: float, t: float) -> float:
    """Trace of the Pauli transfer matrix of thermal relaxation over ``t``: 1 + 2c + (1-gamma)."""
    gamma, coherence = relaxation(t1, t2, t)
    return 1.0 + 2.0 * coherence + (1.0 - gamma)


def twirled_relaxation(gamma: float, coherence: float) -> tuple[float, float, float]:
    """Pauli-twirled thermal relaxation as ``(p_x, p_y, p_z)`` (same PTM diagonal)."""
    px = gamma / 4.0
    pz = max((2.0 - 2.0 * coherence - gamma) / 4.0, 0.0)
    return px, px, pz


def depolarizing_parameter(average_fidelity: float, dim: int, relaxation_trace: float) -> float:
    """λ of the depolarizing channel that, after relaxation with PTM trace ``relaxation_trace``,
    gives ``average_fidelity`` in total. Clipped to [0, 1] when relaxation alone is worse."""
    d2 = dim * dim
    process_fidelity = (average_fidelity * (dim + 1) - 1.0) / dim
    if relaxation_trace <= 1.0:
        return 0.0
    lam = 1.0 - (d2 * process_fidelity - 1.0) / (relaxation_trace - 1.0)
    return min(max(lam, 0.0), 1.0)


def average_fidelity(lam: float, dim: int, relaxation_trace: float) -> float:
    """Inverse of :func:`depolarizing_parameter` (used by tests and diagnostics)."""
    process_fidelity = (1.0 + (1.0 - lam) * (relaxation_trace - 1.0)) / (dim * dim)
    return (dim * process_fidelity + 1.0) / (dim + 1)


def _duration(durations: dict[str, float], gate: str) -> float:
    return durations.get(gate, FALLBACK_DURATIONS.get(gate, 0.0))


def build_noise_model(
    calibration: CalibrationData,
    components: tuple[str, ...],
    *,
    crosstalk: bool = False,
    zz_hz: float = DEFAULT_ZZ_HZ,
    quasi_static: bool = False,
) -> NoiseModel:
    """The noise model of ``components`` (qubits and resonators) under ``calibration``.

    By default dephasing is Markovian at the Ramsey time T2*. With ``quasi_static`` it is
    Markovian at the echo time and the rest of the Ramsey decay comes from a static detuning
    per shot (Lorentzian, half width 1/T2* - 1/T2echo), which an echo refocuses. Either way a
    randomized-benchmarking sequence decays at the calibrated gate fidelities.
    """
    inf = math.inf
    cal = [calibration.qubits.get(name) for name in components]
    t1 = tuple(c.t1 if c else inf for c in cal)
    t2 = tuple(min(c.t2, 2 * c.t1) if c else inf for c in cal)
    hwhm: tuple[float, ...] = ()
    echo = t2
    if quasi_static:
        echo = tuple(min(c.echo_time, 2 * c.t1) if c else inf for c in cal)
        hwhm = tuple(
            max(1.0 / a - 1.0 / b, 0.0) if math.isfinite(a) else 0.0
            for a, b in zip(t2, echo, strict=True)
        )
    # The depolarizing rest is what the calibrated fidelity leaves after the Markovian
    # relaxation the model applies (dephasing at ``echo``). A fidelity is what RB reads, and
    # RB's random gates turn a static detuning into a coherent error of second order: RB sees
    # the Markovian part only, so with quasi-static noise a sequence of gates still decays at
    # the calibrated fidelity, as it does in the Markovian model.
    t_prx = _duration(calibration.durations, "prx")
    prx = tuple(
        depolarizing_parameter(c.prx_fidelity, 2, relaxation_ptm_trace(c.t1, e, t_prx))
        if c
        else 0.0
        for c, e in zip(cal, echo, strict=True)
    )
    index = {name: i for i, name in enumerate(components)}
    pairs: dict[tuple[str, int, int], float] = {}
    zz: dict[tuple[int, int], float] = {}
    for key, fidelity in calibration.pairs.items():
        gate, _, locus = key.partition(":")
        names = locus.split(",")
        if len(names) != 2 or not all(n in index for n in names):
            continue
        a, b = sorted(index[n] for n in names)
        t = _duration(calibration.durations, gate)
        trace = relaxation_ptm_trace(t1[a], echo[a], t) * relaxation_ptm_trace(t1[b], echo[b], t)
        pairs[(gate, a, b)] = depolarizing_parameter(fidelity, 4, trace)
        if crosstalk and gate == "cz":
            # |11> picks up a conditional phase 2π ζ t.
            zz[(a, b)] = 2 * math.pi * zz_hz
    return NoiseModel(
        components=tuple(components),
        t1=t1,
        t2=echo,
        prx_depolarizing=prx,
        readout_p01=tuple(c.readout_p01 if c else 0.0 for c in cal),
        readout_p10=tuple(c.readout_p10 if c else 0.0 for c in cal),
        pair_depolarizing=pairs,
        durations=dict(calibration.durations),
        zz=zz,
        detuning_hwhm=hwhm,
    )
