"""Fast path for the traffic that dominates a shared service: small circuits, terminal reads.

Most jobs are a few qubits of ``prx``/``cz`` with measurements at the end. For those the
generic pipeline (schedule objects, lowered instructions, fusion) costs more Python time than
the arithmetic. This module goes straight from a :class:`~qstation.qpu.circuits.Program` to
the final outcome distribution in one pass:

* every ``prx`` operator (with its noise) is computed for the whole program in one vectorised
  NumPy call;
* single-qubit operators accumulate per qubit and are folded into the next two-qubit block, so
  the state is touched once per ``cz``/``move`` and once per measured qubit at the end;
* the schedule (idle relaxation) is tracked inline with the same ASAP rules as
  :mod:`qstation.qpu.durations` and the same channel order as
  :mod:`qstation.qpu.engines.lowering`, so the result equals the density-matrix engine's.

With noise the state is a density matrix whose per-qubit (row, column) pair is one 4-level
site (superoperators); without noise it is a statevector (site dimension 2). The result does
not depend on shots or seed, so :class:`SmallCircuitEngine` caches it per program.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import numpy.typing as npt

from qstation.qpu.circuits import Program
from qstation.qpu.durations import FALLBACK_DURATIONS
from qstation.qpu.engines.density import depol_superop, relax_superop, unitary_superop
from qstation.qpu.engines.fusion import apply_to_axes, kron
from qstation.qpu.engines.lowering import CZ, SWAP, terminal_measures
from qstation.qpu.noise import NoiseModel, relaxation

Matrix = npt.NDArray[np.complex128]
Probs = npt.NDArray[np.float64]

#: Largest circuit taken by this path (a density matrix of 4**8 entries is still cheap).
MAX_QUBITS = 8
_OPS = frozenset({"prx", "cz", "move", "measure", "barrier", "delay", "reset"})
_RESET = np.outer([1, 0, 0, 0], [1, 0, 0, 1]).astype(np.complex128)


def prx_batch(angles: list[float], phases: list[float]) -> Matrix:
    """prx unitaries for all ``(angle, phase)`` pairs at once, shape ``(k, 2, 2)``."""
    a = np.asarray(angles, dtype=np.float64) / 2
    e = np.exp(1j * np.asarray(phases, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    u = np.empty((len(angles), 2, 2), dtype=np.complex128)
    u[:, 0, 0] = c
    u[:, 1, 1] = c
    u[:, 0, 1] = -1j * s * e.conj()
    u[:, 1, 0] = -1j * s * e
    return u


class SmallCircuitEngine:
    """Outcome distributions of small terminal-measurement circuits under one noise model.

    ``noise=None`` simulates the ideal circuit as a statevector. Results are cached per
    program (components and instructions) in an LRU of ``cache_size`` entries: repeated
    circuits, as in characterisation sweeps and parameter scans, cost a dictionary lookup.
    """

    name = "small"

    def __init__(self, noise: NoiseModel | None, cache_size: int = 512) -> None:
        self.noise = noise
        self.d = 2 if noise is None else 4
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[object, ...], tuple[Probs, list[int]]] = OrderedDict()
        self._idle: dict[tuple[int, float], Matrix | None] = {}
        self._pairs: dict[tuple[str, int, int], Matrix] = {}
        durations = noise.durations if noise is not None else {}
        self.t = {g: durations.get(g, FALLBACK_DURATIONS.get(g, 0.0)) for g in _OPS}
        self.t["reset"] = durations.get("reset", self.t["measure"] + self.t["prx"])
        self._prx_noise: Matrix | None = None
        if noise is not None:
            self._prx_noise = np.stack([self._single_noise(q) for q in range(len(noise.t1))])

    @staticmethod
    def supports(program: Program, noise: NoiseModel | None) -> bool:
        """Small, only the listed instructions, every measurement terminal, no crosstalk."""
        if program.n > MAX_QUBITS or (noise is not None and noise.zz):
            return False
        names = {op.name for op in program.ops}
        if not names <= _OPS or (noise is None and "reset" in names):
            return False
        terminal = terminal_measures(program)
        return all(i in terminal for i, op in enumerate(program.ops) if op.name == "measure")

    def _single_noise(self, q: int) -> Matrix:
        assert self.noise is not None
        gamma, coh = relaxation(self.noise.t1[q], self.noise.t2[q], self.t["prx"])
        lam = self.noise.prx_depolarizing[q]
        out: Matrix = relax_superop(gamma, coh) @ depol_superop(lam, 1)
        return out

    def _pair(self, gate: str, a: int, b: int) -> Matrix:
        key = (gate, a, b)
        m = self._pairs.get(key)
        if m is None:
            u = CZ if gate == "cz" else SWAP
            if self.noise is None:
                m = u
            else:
                t = self.t[gate]
                ra = relax_superop(*relaxation(self.noise.t1[a], self.noise.t2[a], t))
                rb = relax_superop(*relaxation(self.noise.t1[b], self.noise.t2[b], t))
                lam = self.noise.pair(gate, a, b)
                m = kron(ra, rb) @ depol_superop(lam, 2) @ unitary_superop(u)
            self._pairs[key] = m
        return m

    def _idle_op(self, q: int, dt: float) -> Matrix | None:
        if self.noise is None or dt <= 1e-15 or not self.noise.is_noisy(q):
            return None
        key = (q, dt)
        if key not in self._idle:
            if len(self._idle) > 4096:
                self._idle.clear()
            self._idle[key] = relax_superop(*relaxation(self.noise.t1[q], self.noise.t2[q], dt))
        return self._idle[key]

    def probabilities(self, program: Program) -> tuple[Probs, list[int]]:
        """Joint distribution of the measured qubits (in first-measured order) and that order."""
        key = (tuple(program.components), tuple(program.ops))
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        result = self._evolve(program)
        self._cache[key] = result
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return result

    def distribution(self, program: Program) -> tuple[Probs, list[int]]:
        """Like :meth:`probabilities`, uncached: for one-off programs (a detuning draw)."""
        return self._evolve(program)

    def _evolve(self, program: Program) -> tuple[Probs, list[int]]:
        n, d = program.n, self.d
        prx = [op for op in program.ops if op.name == "prx"]
        singles = prx_batch([op.angle for op in prx], [op.phase for op in prx])
        if self._prx_noise is not None:
            u = singles
            singles = (u[:, :, None, :, None] * u.conj()[:, None, :, None, :]).reshape(-1, 4, 4)
            idx = [op.qubits[0] for op in prx]
            singles = self._prx_noise[idx] @ singles
        state = np.zeros((d,) * n, dtype=np.complex128)
        state[(0,) * n] = 1.0
        pend: list[Matrix | None] = [None] * n
        free = [0.0] * n
        done = [False] * n
        measured: list[int] = []
        k = 0

        def idle(q: int, until: float) -> None:
            dt = until - free[q]
            free[q] = max(free[q], until)
            if done[q]:
                return
            r = self._idle_op(q, dt)
            if r is not None:
                p = pend[q]
                pend[q] = r if p is None else r @ p

        for op in program.ops:
            name, qs = op.name, op.qubits
            if name == "prx":
                q = qs[0]
                s = singles[k]
                k += 1
                p = pend[q]
                pend[q] = s if p is None else s @ p
                free[q] += self.t["prx"]
                continue
            start = max((free[q] for q in qs), default=0.0)
            for q in qs:
                idle(q, start)
            if name in ("cz", "move"):
                a, b = qs
                pa, pb = pend[a], pend[b]
                m = self._pair(name, a, b)
                if pa is not None or pb is not None:
                    eye = np.eye(d, dtype=np.complex128)
                    m = m @ kron(eye if pa is None else pa, eye if pb is None else pb)
                state = apply_to_axes(np, state, m, (a, b))
                pend[a] = pend[b] = None
                free[a] = free[b] = start + self.t[name]
            elif name == "delay":
                for q in qs:
                    idle(q, start + max(op.duration, 0.0))
            elif name == "reset":
                for q in qs:
                    p = pend[q]
                    pend[q] = _RESET if p is None else _RESET @ p
                    free[q] = start + self.t["reset"]
            elif name == "measure":
                for q in qs:
                    done[q] = True
                    if q not in measured:
                        measured.append(q)
        if not measured:
            return np.ones(1), measured
        for q in measured:
            p = pend[q]
            if p is not None:
                state = apply_to_axes(np, state, p, (q,))
        return self._marginal(state, measured), measured

    def _marginal(self, state: Matrix, qubits: list[int]) -> Probs:
        n = state.ndim
        if self.d == 4:
            diag = state[np.ix_(*[[0, 3]] * n)].real
        else:
            diag = np.abs(state) ** 2
        others = tuple(a for a in range(n) if a not in qubits)
        probs = diag.sum(axis=others) if others else diag
        kept = sorted(qubits)
        flat = np.transpose(probs, [kept.index(q) for q in qubits]).ravel()
        flat = np.clip(flat, 0.0, None)
        total = float(flat.sum())
        out: Probs = flat / total if total > 0 and math.isfinite(total) else flat
        return out
