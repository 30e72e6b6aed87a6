"""The small-circuit path under quasi-static detuning: all detuning draws in one pass.

A detuning draw changes only the phases of the drive pulses (see
:mod:`qstation.qpu.quasi_static`), so the ``K`` draws of a circuit share everything else. This
module runs :class:`~qstation.qpu.engines.small.SmallCircuitEngine`'s algorithm once with a
leading batch axis of size ``K``: the prx superoperators are built for every draw in one
vectorised call, the shared channels (idles, two-qubit gates) broadcast over the batch, and
the draws' final density matrices are averaged before the outcome distribution is read (the
outcome probabilities are linear in the state). One Python pass instead of ``K``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from qstation.qpu.circuits import Program
from qstation.qpu.durations import schedule
from qstation.qpu.engines.small import _RESET, Probs, SmallCircuitEngine, prx_batch

Batch = npt.NDArray[np.complex128]

#: Detuning draws by circuit width: the batch multiplies the work of the small path, so wider
#: circuits take fewer draws (each job still draws afresh, so estimates stay unbiased).
_DRAWS_BY_WIDTH = (64, 64, 32, 16, 16, 8, 8, 8, 8)


def draws_for(n: int, wanted: int) -> int:
    """How many detuning draws an ``n``-component circuit takes on this path."""
    return max(1, min(wanted, _DRAWS_BY_WIDTH[min(n, len(_DRAWS_BY_WIDTH) - 1)]))


def _apply(state: Batch, m: Any, axes: tuple[int, ...]) -> Batch:
    """Contract ``m`` ((D, D) or per draw (K, D, D)) into axes of a (K, 4, ..., 4) state."""
    shifted = tuple(a + 1 for a in axes)
    rest = tuple(a for a in range(1, state.ndim) if a not in shifted)
    forward = (0, *shifted, *rest)
    inverse = tuple(int(i) for i in np.argsort(forward))
    moved = np.transpose(state, forward)
    shape = moved.shape
    out = m @ moved.reshape(shape[0], m.shape[-1], -1)
    return np.transpose(out.reshape(shape), inverse)


def _kron(a: Any, b: Any) -> Any:
    """Kronecker product of two (optionally batched) 4x4 site operators."""
    out = a[..., :, None, :, None] * b[..., None, :, None, :]
    return out.reshape(*out.shape[:-4], 16, 16)


#: Coherence order difference of superoperator entries (site basis 00, 01, 10, 11): a frame
#: rotation Rz(β) multiplies entry (a, b) of a channel conjugated by it by e^(i·W[a,b]·β).
_W = np.subtract.outer(np.array([0, 1, -1, 0]), np.array([0, 1, -1, 0])) + 2


def _prx_superops(
    engine: SmallCircuitEngine, program: Program, deltas: npt.NDArray[np.float64]
) -> Batch:
    """Noisy prx superoperators of every draw, shape (K, number of prx, 4, 4).

    ``prx(θ, φ - β) = Rz(-β)·prx(θ, φ)·Rz(β)`` and the gate's noise (relaxation,
    depolarizing) commutes with Z rotations, so each draw's superoperator is the undetuned
    one with entry (a, b) multiplied by a phase: no per-draw matrix products.
    """
    assert engine.noise is not None and engine._prx_noise is not None
    durations = {g: engine.t[g] for g in ("prx", "cz", "move", "measure", "reset")}
    timed = [
        (item.op, item.start + item.duration / 2)
        for item in schedule(program, durations).items
        if item.op.name == "prx"
    ]
    k = len(deltas)
    if not timed:
        return np.zeros((k, 0, 4, 4), dtype=np.complex128)
    qubits = np.array([op.qubits[0] for op, _ in timed])
    u = prx_batch([op.angle for op, _ in timed], [op.phase for op, _ in timed])
    base = (u[:, :, None, :, None] * u.conj()[:, None, :, None, :]).reshape(-1, 4, 4)
    base = engine._prx_noise[qubits] @ base
    e1 = np.exp(1j * deltas[:, qubits] * np.array([t for _, t in timed]))
    powers = np.stack([e1.conj() ** 2, e1.conj(), np.ones_like(e1), e1, e1**2], axis=-1)
    out: Batch = base[None] * powers[..., _W]
    return out


def _chain(ops: list[Any], k: int) -> Any:
    """The product of single-site operators applied in the order of ``ops`` (None if empty).

    Multiplied pairwise in a tree, all pairs of a level in one batched matmul: a long run of
    gates costs a handful of NumPy calls instead of one per gate.
    """
    if not ops:
        return None
    if len(ops) == 1:
        return ops[0]
    arr = np.stack([np.broadcast_to(o, (k, 4, 4)) for o in ops], axis=1)
    while arr.shape[1] > 1:
        if arr.shape[1] % 2:
            eye = np.broadcast_to(np.eye(4, dtype=arr.dtype), (k, 1, 4, 4))
            arr = np.concatenate([arr, eye], axis=1)
        arr = arr[:, 1::2] @ arr[:, 0::2]
    return arr[:, 0]


def detuned_distribution(
    engine: SmallCircuitEngine, program: Program, deltas: npt.NDArray[np.float64]
) -> tuple[Probs, list[int]]:
    """Outcome distribution of ``program`` averaged over detuning draws ``deltas`` (K, n)."""
    n, k = program.n, len(deltas)
    singles = _prx_superops(engine, program, deltas)
    state = np.zeros((k,) + (4,) * n, dtype=np.complex128)
    state[(slice(None),) + (0,) * n] = 1.0
    pend: list[list[Any]] = [[] for _ in range(n)]
    free = [0.0] * n
    done = [False] * n
    measured: list[int] = []
    j = 0

    def push(q: int, m: Any) -> None:
        pend[q].append(m)

    def take(q: int) -> Any:
        m = _chain(pend[q], k)
        pend[q] = []
        return m

    def idle(q: int, until: float) -> None:
        dt = until - free[q]
        free[q] = max(free[q], until)
        if not done[q]:
            r = engine._idle_op(q, dt)
            if r is not None:
                push(q, r)

    for op in program.ops:
        name, qs = op.name, op.qubits
        if name == "prx":
            push(qs[0], singles[:, j])
            j += 1
            free[qs[0]] += engine.t["prx"]
            continue
        start = max((free[q] for q in qs), default=0.0)
        for q in qs:
            idle(q, start)
        if name in ("cz", "move"):
            a, b = qs
            m: Any = engine._pair(name, a, b)
            pa, pb = take(a), take(b)
            if pa is not None or pb is not None:
                eye = np.eye(4, dtype=np.complex128)
                m = m @ _kron(eye if pa is None else pa, eye if pb is None else pb)
            state = _apply(state, m, (a, b))
            free[a] = free[b] = start + engine.t[name]
        elif name == "delay":
            for q in qs:
                idle(q, start + max(op.duration, 0.0))
        elif name == "reset":
            for q in qs:
                push(q, _RESET)
                free[q] = start + engine.t["reset"]
        elif name == "measure":
            for q in qs:
                done[q] = True
                if q not in measured:
                    measured.append(q)
    if not measured:
        return np.ones(1), measured
    for q in measured:
        p = take(q)
        if p is not None:
            state = _apply(state, p, (q,))
    return engine._marginal(state.mean(axis=0), measured), measured
