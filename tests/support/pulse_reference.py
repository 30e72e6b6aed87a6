"""The pulse model written down a second time and solved by QuTiP: the engine's reference.

The pulse engine (:mod:`qstation.qpu.pulse`) integrates its model with its own propagators.
This module states the same model straight from its definition and hands it to QuTiP, so
tests can check the engine against an independent solver and benchmarks can time both on
the same playlist. Units inside are nanoseconds and radians per nanosecond.

The model of one segment, in the frame that rotates with each qubit's drive carrier:

* each qubit a ``levels``-level transmon, ``H0 = 2π(f_q - f_carrier)·n + π·anh·n(n - 1)``
  with the twin's (negative) anharmonicity ``anh``;
* an IQ drive ``(k/2)(s a† + s* a)`` with ``s = (scale_i·w_i + i·scale_q·w_q)·e^{iφ}`` per
  AWG sample (held for the whole sample), ``φ = phase + frame + 2π·modulation·sample``;
  ``k`` makes the twin's ``pi_amplitude`` with the calibrated truncated Gaussian a π
  rotation; a ``VirtualRZ`` or a pulse's ``phase_increment`` adds to ``frame``;
* a coupler's flux pulse ``A(t)`` shifts the energy of ``|11>`` by ``-κ·A(t)²``, with ``κ``
  such that the calibrated CZ pulse gives a conditional phase of π;
* amplitude damping ``a/√T1`` and pure dephasing ``n·√(2/T2 - 1/T1)`` on every qubit.

While every channel is idle the generator is constant and the reference applies the exact
exponential of QuTiP's Liouvillian (per qubit, as idle qubits do not interact); during pulses
it runs :func:`qutip.mesolve` with the samples as piecewise-constant coefficients. The
state is taken where the first readout of the segment begins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import qutip
from iqm.models.playlist import Playlist
from iqm.models.playlist.instructions import IQPulse, ReadoutTrigger, RealPulse, VirtualRZ, Wait
from iqm.models.playlist.waveforms import TruncatedGaussian, TruncatedGaussianSmoothedSquare

from qstation.qpu.pulse.config import ChannelConfig
from qstation.qpu.pulse.observations import FLUX_RISE_TIME
from qstation.qpu.pulse.twin import CouplerPulse, PulseTwin, QubitPulse

TWO_PI = 2.0 * math.pi
#: Solver tolerances: tight enough that the reference's own error is far below 1e-3.
OPTIONS = {"atol": 1e-10, "rtol": 1e-9, "nsteps": 100_000}


def rabi_rate(qubit: QubitPulse, sample_rate: float) -> float:
    """Rabi rate per unit drive amplitude (rad/ns): the calibrated π pulse rotates by π."""
    n = round(qubit.pi_duration * sample_rate)
    area = TruncatedGaussian(n_samples=n, full_width=1.0).sample().sum() * 1e9 / sample_rate
    return math.pi / (qubit.pi_amplitude * area)


def cz_rate(coupler: CouplerPulse, sample_rate: float) -> float:
    """κ (rad/ns per unit amplitude squared): the calibrated flux pulse gives phase π on |11>."""
    n = round(coupler.cz_duration * sample_rate)
    shape = TruncatedGaussianSmoothedSquare(
        n_samples=n, full_width=1.0, rise_time=FLUX_RISE_TIME / coupler.cz_duration
    ).sample()
    return math.pi / float(np.sum((coupler.cz_amplitude * shape) ** 2) * 1e9 / sample_rate)


@dataclass
class _Pulse:
    start: int  # sample
    values: np.ndarray  # complex drive envelope or real flux amplitude, one per sample
    target: str  # qubit or coupler


@dataclass
class ReferenceState:
    """The density matrix of the simulated qubits where the segment's readout begins."""

    qubits: list[str]
    levels: int
    rho: qutip.Qobj

    def level_populations(self) -> np.ndarray:
        """Joint level populations, shape ``(levels,) * len(qubits)``."""
        diag = np.real(self.rho.full().diagonal())
        return diag.reshape((self.levels,) * len(self.qubits))

    def excited(self, qubit: str) -> float:
        """Population outside ``|0>`` of one qubit."""
        pops = self.level_populations()
        axes = tuple(i for i, q in enumerate(self.qubits) if q != qubit)
        return float(1.0 - pops.sum(axis=axes)[0])


def _schedule(twin: PulseTwin, playlist: Playlist, segment: int) -> tuple[list[_Pulse], int]:
    """Every pulse of the segment, and the sample where its first readout begins."""
    pulses: list[_Pulse] = []
    end = 0
    readout = None
    for channel, indices in playlist.segments[segment].instructions.items():
        table = playlist.channel_descriptions[channel].instruction_table
        component = channel.split("__", 1)[0]
        t, frame = 0, 0.0
        for index in indices:
            instruction = table[index]
            op, n = instruction.operation, instruction.duration_samples
            if isinstance(op, ReadoutTrigger):
                readout = t if readout is None else min(readout, t)
                break
            if isinstance(op, VirtualRZ):
                frame += op.phase_increment
            elif isinstance(op, IQPulse):
                if component not in twin.qubits:
                    raise NotImplementedError(f"reference: IQ pulse on {channel}")
                frame += op.phase_increment  # IQM: it affects this pulse and all later ones
                wave = op.scale_i * op.wave_i.sample() + 1j * op.scale_q * op.wave_q.sample()
                # The modulation is in cycles per sample, its phase restarting with each pulse.
                k = np.arange(len(wave))
                phase = op.phase + frame + 2 * math.pi * op.modulation_frequency * k
                pulses.append(_Pulse(t, _fit(wave * np.exp(1j * phase), n), component))
            elif isinstance(op, RealPulse):
                if component not in twin.couplers:
                    raise NotImplementedError(f"reference: flux pulse on {channel}")
                pulses.append(_Pulse(t, _fit(op.scale * op.wave.sample(), n), component))
            elif not isinstance(op, Wait):
                raise NotImplementedError(f"reference: {type(op).__name__} on {channel}")
            t += n
        end = max(end, t)
    return pulses, end if readout is None else readout


def _fit(values: np.ndarray, n: int) -> np.ndarray:
    """The waveform's samples played over an instruction of ``n`` samples (cut or zero-padded)."""
    out = np.zeros(n, dtype=values.dtype)
    out[: min(n, len(values))] = values[:n]
    return out


class _Model:
    """Operators of the model on the joint space of ``qubits``."""

    def __init__(self, twin: PulseTwin, config: ChannelConfig, qubits: list[str], levels: int):
        self.index = {q: i for i, q in enumerate(qubits)}
        eye = [qutip.qeye(levels)] * len(qubits)

        def local(op: qutip.Qobj, q: str) -> qutip.Qobj:
            ops = list(eye)
            ops[self.index[q]] = op
            return qutip.tensor(ops)

        a1 = qutip.destroy(levels)
        self.a = {q: local(a1, q) for q in qubits}
        n1 = a1.dag() * a1
        h0 = 0 * local(n1, qubits[0])
        self.c_ops = []
        # While idle the qubits do not interact: the generator is a sum of one-qubit terms.
        self.idle_generators: list[qutip.Qobj] = []
        self.x, self.y, self.k = {}, {}, {}
        for q in qubits:
            p = twin.qubits[q]
            delta = TWO_PI * (p.frequency - config.drive_frequency[q]) * 1e-9
            alpha = TWO_PI * p.anharmonicity * 1e-9
            h_q = delta * n1 + 0.5 * alpha * n1 * (n1 - 1)
            h0 += local(h_q, q)
            self.k[q] = rabi_rate(p, twin.sample_rate)
            a = self.a[q]
            self.x[q] = 0.5 * self.k[q] * (a.dag() + a)
            self.y[q] = 0.5 * self.k[q] * (1j * a.dag() - 1j * a)
            gamma_phi = max(1.0 / p.t2 - 0.5 / p.t1, 0.0) * 1e-9
            self.c_ops += [math.sqrt(1e-9 / p.t1) * a, math.sqrt(2 * gamma_phi) * local(n1, q)]
            c_q = [math.sqrt(1e-9 / p.t1) * a1, math.sqrt(2 * gamma_phi) * n1]
            self.idle_generators.append(qutip.liouvillian(h_q, c_q))
        self.h0 = h0
        p1 = qutip.basis(levels, 1).proj()
        self.zz = {}
        for name, c in twin.couplers.items():
            if all(q in self.index for q in c.qubits):
                proj = qutip.tensor([p1 if q in c.qubits else qutip.qeye(levels) for q in qubits])
                self.zz[name] = -cz_rate(c, twin.sample_rate) * proj

    @cache  # noqa: B019 - one model per call, few distinct idle lengths
    def idle(self, nanoseconds: float) -> qutip.Qobj:
        """The exact map of an idle interval (the product of the qubits' own maps)."""
        return qutip.super_tensor([(gen * nanoseconds).expm() for gen in self.idle_generators])


def reference_state(
    twin: PulseTwin,
    playlist: Playlist,
    config: ChannelConfig,
    segment: int = 0,
    *,
    qubits: list[str] | None = None,
    levels: int = 3,
) -> ReferenceState:
    """Solve one segment from ``|0...0>`` with QuTiP; the state where its readout begins."""
    pulses, end = _schedule(twin, playlist, segment)
    if qubits is None:
        touched = {p.target for p in pulses if p.target in twin.qubits}
        touched |= {
            q for p in pulses if p.target in twin.couplers for q in twin.couplers[p.target].qubits
        }
        qubits = [q for q in twin.qubits if q in touched]
    model = _Model(twin, config, qubits, levels)
    dt = 1e9 / twin.sample_rate
    edges = sorted({0, end} | {p.start for p in pulses} | {p.start + len(p.values) for p in pulses})
    rho = qutip.ket2dm(qutip.tensor([qutip.basis(levels, 0)] * len(qubits)))
    for b0, b1 in zip(edges, [e for e in edges[1:] if e <= end], strict=False):
        active = [p for p in pulses if p.start <= b0 and p.start + len(p.values) >= b1]
        if not active:
            rho = qutip.vector_to_operator(
                model.idle((b1 - b0) * dt) * qutip.operator_to_vector(rho)
            )
            continue
        times = np.arange(b1 - b0 + 1) * dt
        h: list = [model.h0]
        for p in active:
            v = p.values[b0 - p.start : b1 - p.start]
            v = np.append(v, v[-1])  # the last sample is held to the interval's end
            if p.target in model.x:
                h += [
                    [model.x[p.target], _step(v.real, times)],
                    [model.y[p.target], _step(v.imag, times)],
                ]
            elif p.target in model.zz:
                h.append([model.zz[p.target], _step(np.abs(v) ** 2, times)])
        span = [0.0, times[-1]]  # only the final state is kept; the samples set the steps
        rho = qutip.mesolve(h, rho, span, model.c_ops, options=OPTIONS).states[-1]
    return ReferenceState(qubits, levels, rho)


def _step(values: np.ndarray, times: np.ndarray) -> qutip.Coefficient:
    """AWG samples as a step function of time (each value held until the next sample)."""
    return qutip.coefficient(np.ascontiguousarray(values, dtype=float), tlist=times, order=0)
