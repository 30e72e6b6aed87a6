"""The density matrix of a few transmons, evolved channel by channel.

Each qubit is a Duffing oscillator truncated to ``levels`` levels (three by default, so DRAG and
leakage to |2> are physical), in the rotating frame of its drive carrier. The state is an
array with one row and one column axis per qubit; every operation touches one or two axes:

- free evolution over any interval is exact: the exponential of the qubit's own Lindbladian
  (detuning and anharmonicity, relaxation |1>→|0> at 1/T1 and |2>→|1> at 2/T1 with the cascade,
  pure dephasing), one small matrix cached per length, so a 270 µs reset wait costs the
  same as 1 ns;
- a drive pulse is one map: the per-sample propagators exp(-iH_k·dt) (exact for an AWG's
  piecewise-constant output, computed batched by eigendecomposition), each with the sample's
  decoherence split symmetrically around it (second order in dt: within ~1e-6 of the master
  equation), multiplied pairwise;
- a CZ is the conditional phase its flux pulse accumulates on |11>.

Each qubit keeps its own clock; it is evolved only up to the next event that touches it,
which is exact because free evolution of separate qubits commutes.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.linalg import expm

from qstation.qpu.pulse.twin import QubitPulse

TWO_PI = 2.0 * math.pi


def ladder(levels: int) -> np.ndarray:
    """The annihilation operator ``a`` truncated to ``levels`` levels."""
    return np.diag(np.sqrt(np.arange(1, levels)), k=1).astype(complex)


@lru_cache(maxsize=4096)
def lindblad_map(
    levels: int, t1: float, t2: float, energy: tuple[float, ...] | None, seconds: float
) -> np.ndarray:
    """exp(L·t) of one transmon's Lindbladian, as a matrix on the row-major vec(rho).

    L has the diagonal Hamiltonian ``energy`` (rad/s; None for none), amplitude damping
    ``a/sqrt(T1)`` (level m decays at m/T1, and a decayed |2> keeps decaying: the cascade
    |2> -> |1> -> |0> within one interval is exact) and pure dephasing
    ``n·sqrt(2/T2 - 1/T1)``. Exact for any length, so a 270 µs reset wait costs as
    little as 1 ns.
    """
    a = ladder(levels)
    eye = np.eye(levels)
    h = np.diag(energy) if energy is not None else np.zeros((levels, levels))
    gamma_phi = max(1.0 / t2 - 0.5 / t1, 0.0)
    jumps = [a / math.sqrt(t1), np.diag(np.arange(levels)) * math.sqrt(2.0 * gamma_phi)]
    gen = -1j * (np.kron(h, eye) - np.kron(eye, h.T))
    for c in jumps:
        cc = c.conj().T @ c
        gen += np.kron(c, c.conj()) - 0.5 * np.kron(cc, eye) - 0.5 * np.kron(eye, cc.T)
    out = expm(gen * seconds)
    out.setflags(write=False)
    return out


def _ordered_product(maps: np.ndarray) -> np.ndarray:
    """maps[-1] @ ... @ maps[0], multiplied pairwise in batches (log2(n) numpy calls)."""
    while len(maps) > 1:
        if len(maps) % 2:
            maps = np.concatenate([maps, np.eye(maps.shape[1])[None]])
        maps = maps[1::2] @ maps[0::2]
    return np.asarray(maps[0])


class DensityState:
    """rho of ``qubits`` (all starting in |0>), with one clock and one frame per qubit."""

    def __init__(
        self,
        qubits: list[str],
        params: dict[str, QubitPulse],
        carrier: dict[str, float],
        levels: int,
        dt: float,
    ) -> None:
        self.qubits = qubits
        self.index = {q: i for i, q in enumerate(qubits)}
        self.levels = levels
        self.dt = dt
        self.params = params
        n = len(qubits)
        rho = np.zeros((levels**n, levels**n), dtype=complex)
        rho[0, 0] = 1.0
        self.rho = rho.reshape((levels,) * (2 * n))
        self.clock = dict.fromkeys(qubits, 0)
        self.frame = dict.fromkeys(qubits, 0.0)
        m = np.arange(levels)
        # Diagonal of the static Hamiltonian (rad/s) in each qubit's drive frame.
        self.energy = {
            q: TWO_PI
            * ((params[q].frequency - carrier[q]) * m + params[q].anharmonicity / 2.0 * m * (m - 1))
            for q in qubits
        }

    # --- primitive maps on one or two qubit axes ---------------------------------------------
    def _left(self, op: np.ndarray, axis: int) -> None:
        moved = np.moveaxis(self.rho, axis, 0)
        shape = moved.shape
        moved = (op @ moved.reshape(shape[0], -1)).reshape(shape)
        self.rho = np.moveaxis(moved, 0, axis)

    def unitary(self, q: str, u: np.ndarray) -> None:
        """rho → U rho U^dagger on qubit ``q``."""
        i, n = self.index[q], len(self.qubits)
        self._left(u, i)
        self._left(u.conj(), n + i)

    def _superop(self, q: str, superop: np.ndarray) -> None:
        """Apply a map on qubit ``q`` given as a matrix on its row-major vec(rho)."""
        i, n = self.index[q], len(self.qubits)
        moved = np.moveaxis(self.rho, (i, n + i), (0, 1))
        shape = moved.shape
        moved = (superop @ moved.reshape(self.levels**2, -1)).reshape(shape)
        self.rho = np.moveaxis(moved, (0, 1), (i, n + i))

    def _lindblad(self, q: str, seconds: float, energy: np.ndarray | None) -> None:
        """Qubit ``q``'s exact free evolution (``energy`` None: decoherence alone)."""
        p = self.params[q]
        key = None if energy is None else tuple(energy)
        self._superop(q, lindblad_map(self.levels, p.t1, p.t2, key, seconds))

    # --- evolution ---------------------------------------------------------------------------
    def idle(self, q: str, until: int) -> None:
        """Free evolution of ``q`` from its clock to sample ``until``."""
        samples = until - self.clock[q]
        if samples <= 0:
            return
        self._lindblad(q, samples * self.dt, self.energy[q])
        self.clock[q] = until

    def drive(
        self, q: str, start: int, envelope: np.ndarray, rabi: float, modulation: float
    ) -> None:
        """Play a complex envelope (per sample) on ``q``'s drive line from ``start``."""
        self.idle(q, start)
        k = np.arange(envelope.size)
        s = envelope * np.exp(1j * (self.frame[q] + TWO_PI * modulation * k))
        a = ladder(self.levels)
        # H_k = H0 + (rabi/2)(s_k a† + s_k* a), Hermitian; exp(-i H_k dt) by eigendecomposition.
        h = np.diag(self.energy[q])[None, :, :] + 0.5 * rabi * (
            s[:, None, None] * a.T[None] + s.conj()[:, None, None] * a[None]
        )
        w, v = np.linalg.eigh(h)
        steps = (v * np.exp(-1j * w * self.dt)[:, None, :]) @ v.conj().transpose(0, 2, 1)
        # Each sample as a map on vec(rho): its unitary, with the qubit's decoherence over the
        # sample split symmetrically around it (second order in dt, so the pulse agrees with
        # the master equation to ~1e-6 while the drive and decay act together).
        d = self.levels
        unitaries = np.einsum("kij,kab->kiajb", steps, steps.conj()).reshape(-1, d * d, d * d)
        p = self.params[q]
        half = lindblad_map(d, p.t1, p.t2, None, 0.5 * self.dt)
        self._superop(q, _ordered_product(half @ unitaries @ half))
        self.clock[q] = start + envelope.size

    def conditional_phase(self, a: str, b: str, start: int, length: int, phase: float) -> None:
        """A CZ-type interaction: |11> gains ``phase`` over ``length`` samples from ``start``.

        The phase is applied at the pulse's midpoint, between the decoherence of its two halves
        (second order in the pulse length over T1 and T2, as for drive samples).
        """
        for q in (a, b):
            self.idle(q, start + length // 2)
        n = len(self.qubits)
        diag = np.ones((self.levels, self.levels), dtype=complex)
        diag[1, 1] = np.exp(1j * phase)
        ia, ib = self.index[a], self.index[b]
        rows = [1] * (2 * n)
        rows[ia] = rows[ib] = self.levels
        cols = [1] * (2 * n)
        cols[n + ia] = cols[n + ib] = self.levels
        row = diag if ia < ib else diag.T
        self.rho = self.rho * row.reshape(rows) * row.conj().reshape(cols)
        for q in (a, b):
            self.idle(q, start + length)

    def copy(self) -> DensityState:
        """An independent copy (a branch of the measurement record)."""
        other = object.__new__(DensityState)
        other.__dict__.update(self.__dict__)
        other.rho = self.rho.copy()
        other.clock = dict(self.clock)
        other.frame = dict(self.frame)
        return other

    def collapse(self, outcome: dict[str, tuple[int, int]]) -> float:
        """Project onto measured levels and move each qubit to its level after the readout.

        ``outcome`` maps a qubit to (level found, level after): a qubit found in |1> that
        relaxed during the integration window is left in |0>. Returns the probability of the
        levels found; the state is renormalised.
        """
        n = len(self.qubits)
        rho = self.rho
        for q, (found, after) in outcome.items():
            i = self.index[q]
            index: list[int | slice] = [slice(None)] * (2 * n)
            index[i] = index[n + i] = found
            block = rho[tuple(index)]
            rho = np.zeros_like(rho)
            index[i] = index[n + i] = after
            rho[tuple(index)] = block
        size = self.levels**n
        weight = float(np.real(np.trace(rho.reshape(size, size))))
        self.rho = rho / weight if weight > 0 else rho
        return weight

    def populations(self, measured: list[str]) -> np.ndarray:
        """Joint level probabilities of ``measured`` (axes in that order)."""
        n = len(self.qubits)
        size = self.levels**n
        probs = np.real(np.diagonal(self.rho.reshape(size, size))).reshape((self.levels,) * n)
        keep = [self.index[q] for q in measured]
        drop = tuple(i for i in range(n) if i not in keep)
        marginal = probs.sum(axis=drop) if drop else probs
        order = np.argsort(np.argsort(keep))  # axes of `marginal` are in increasing index order
        return np.asarray(np.clip(np.transpose(marginal, order), 0.0, None))
