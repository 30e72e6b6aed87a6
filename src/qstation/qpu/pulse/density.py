"""The density matrix of a few transmons, evolved channel by channel.

Each qubit is a Duffing oscillator truncated to ``levels`` levels (three by default, so DRAG and
leakage to |2> are physical), in the rotating frame of its drive carrier. The state is an
array with one row and one column axis per qubit; every operation touches one or two axes:

- free evolution over any interval is closed form: a diagonal phase (detuning and
  anharmonicity) followed by relaxation (|1>→|0> at 1/T1, |2>→|1> at 2/T1) and pure dephasing,
  applied as Kraus maps, so a 270 µs reset wait costs the same as 1 ns;
- a drive pulse is the ordered product of per-sample propagators exp(-iH_k·dt), exact for an
  AWG's piecewise-constant output, computed batched by eigendecomposition;
- a CZ is the conditional phase its flux pulse accumulates on |11>.

Each qubit keeps its own clock; it is evolved only up to the next event that touches it,
which is exact because free evolution of separate qubits commutes.
"""

from __future__ import annotations

import math

import numpy as np

from qstation.qpu.pulse.twin import QubitPulse

TWO_PI = 2.0 * math.pi


def ladder(levels: int) -> np.ndarray:
    """The annihilation operator ``a`` truncated to ``levels`` levels."""
    return np.diag(np.sqrt(np.arange(1, levels)), k=1).astype(complex)


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

    def _scale(self, q: str, factors: np.ndarray) -> None:
        """Multiply rho[.., m, .., m', ..] by ``factors[m, m']`` on qubit ``q``'s axes."""
        i, n = self.index[q], len(self.qubits)
        shape = [1] * (2 * n)
        shape[i] = shape[n + i] = self.levels
        self.rho = self.rho * factors.reshape(shape)

    def _relax(self, q: str, seconds: float) -> None:
        p = self.params[q]
        levels = self.levels
        decay = 1.0 - np.exp(-np.arange(levels) * seconds / p.t1)  # level m decays at m/T1
        gamma_phi = max(1.0 / p.t2 - 0.5 / p.t1, 0.0)
        m = np.arange(levels)
        keep = np.sqrt(1.0 - decay)
        dephase = np.exp(-gamma_phi * seconds * (m[:, None] - m[None, :]) ** 2)
        i, n = self.index[q], len(self.qubits)
        old = self.rho
        self._scale(q, np.outer(keep, keep) * dephase)
        # Jumps m -> m-1 move the (m, m) block of rho onto the (m-1, m-1) block.
        for level in range(1, levels):
            src = [slice(None)] * (2 * n)
            dst = [slice(None)] * (2 * n)
            src[i] = src[n + i] = level
            dst[i] = dst[n + i] = level - 1
            self.rho[tuple(dst)] += decay[level] * old[tuple(src)]

    # --- evolution ---------------------------------------------------------------------------
    def idle(self, q: str, until: int) -> None:
        """Free evolution of ``q`` from its clock to sample ``until``."""
        samples = until - self.clock[q]
        if samples <= 0:
            return
        seconds = samples * self.dt
        self._scale(q, np.exp(-1j * np.subtract.outer(self.energy[q], self.energy[q]) * seconds))
        self._relax(q, seconds)
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
        u = np.eye(self.levels, dtype=complex)
        for step in steps:
            u = step @ u
        self.unitary(q, u)
        self._relax(q, envelope.size * self.dt)
        self.clock[q] = start + envelope.size

    def conditional_phase(self, a: str, b: str, start: int, length: int, phase: float) -> None:
        """A CZ-type interaction: |11> gains ``phase`` over ``length`` samples from ``start``."""
        for q in (a, b):
            self.idle(q, start)
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

    def populations(self, measured: list[str]) -> np.ndarray:
        """Joint level probabilities of ``measured`` (axes in that order)."""
        n = len(self.qubits)
        size = self.levels**n
        probs = np.real(np.diagonal(self.rho.reshape(size, size))).reshape((self.levels,) * n)
        keep = [self.index[q] for q in measured]
        drop = tuple(i for i in range(n) if i not in keep)
        marginal = probs.sum(axis=drop) if drop else probs
        order = np.argsort(np.argsort(keep))  # axes of `marginal` are in increasing index order
        return np.clip(np.transpose(marginal, order), 0.0, None)
