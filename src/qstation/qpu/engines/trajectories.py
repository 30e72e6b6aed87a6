"""Noisy engine for circuits too large for a density matrix: Monte Carlo trajectories.

Every noise channel is unravelled into *state-independent* events, so the errors of all shots
can be drawn before any state is touched:

* depolarizing(λ): each non-identity Pauli with probability λ/4^k;
* thermal relaxation (gamma, c) with T2 ≤ T1: a reset of the qubit with probability gamma (a decay
  event; the reset itself is resolved per shot), else a Z with probability ((1-gamma) - c)/2. This
  mixture is exactly the relaxation channel. For T1 < T2 ≤ 2·T1 the Z part is clipped at 0,
  which shortens T2 towards T1 on this engine only (the density-matrix engine is exact).

Shots with the same error pattern share one simulation; the error-free pattern (often most
shots) is simulated once. When there are more distinct patterns than the work budget allows,
all error-free shots stay exact and the shots with errors are spread over a random subset of
their patterns (several shots per trajectory), which keeps the mixture unbiased.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np

from qstation.qpu.engines.base import Instr, Lowered, Results
from qstation.qpu.engines.decay import split_trailing_decay
from qstation.qpu.engines.statevector import (
    compile_steps,
    merge_leaves,
    run_stream,
    state_dtype,
)

Pattern = tuple[tuple[int, int], ...]
_P = (
    np.eye(2, dtype=np.complex128),
    np.array([[0, 1], [1, 0]], dtype=np.complex128),
    np.array([[0, -1j], [1j, 0]], dtype=np.complex128),
    np.diag([1, -1]).astype(np.complex128),
)


@cache
def _pauli(k: int, index: int) -> np.ndarray:
    """The ``index``-th non-identity Pauli on ``k`` qubits (first qubit most significant)."""
    index += 1
    if k == 1:
        return _P[index]
    return np.kron(_P[index // 4], _P[index % 4])


def error_options(ins: Instr) -> list[tuple[float, list[Instr]]]:
    """The error events of a noise instruction: ``(probability, instructions)`` each."""
    if ins.kind == "depol":
        k = len(ins.qubits)
        p = ins.p / 4**k
        return [(p, [Instr("u", ins.qubits, _pauli(k, j), gate="pauli")]) for j in range(4**k - 1)]
    if ins.kind == "relax":
        pz = max(((1.0 - ins.p) - ins.coherence) / 2.0, 0.0)
        return [(ins.p, [Instr("reset", ins.qubits)]),
                (pz, [Instr("u", ins.qubits, _P[3], gate="pauli")])]
    return []


def sample_patterns(circuit: Lowered, shots: int, rng: np.random.Generator) -> Counter[Pattern]:
    """Draw every shot's error events; count shots per distinct pattern."""
    events: dict[int, list[tuple[int, int]]] = {}
    for pos, ins in enumerate(circuit.instrs):
        options = error_options(ins)
        if not options:
            continue
        probs = np.array([p for p, _ in options])
        total = float(probs.sum())
        hits = int(rng.binomial(shots, min(total, 1.0))) if total > 0 else 0
        if hits == 0:
            continue
        who = rng.choice(shots, size=hits, replace=False)
        which = rng.choice(len(options), size=hits, p=probs / total)
        for s, c in zip(who.tolist(), which.tolist(), strict=True):
            events.setdefault(s, []).append((pos, c))
    patterns: Counter[Pattern] = Counter(tuple(v) for v in events.values())
    if shots > len(events):
        patterns[()] = shots - len(events)
    return patterns


def limit_patterns(patterns: Counter[Pattern], limit: int, rng: np.random.Generator
                   ) -> Counter[Pattern]:
    """At most ``limit`` patterns: error-free shots kept, errored shots share sampled patterns."""
    if len(patterns) <= limit:
        return patterns
    clean = patterns.pop((), 0)
    keys = list(patterns)
    weights = np.array([patterns[k] for k in keys], dtype=np.float64)
    n_err = int(weights.sum())
    m = max(limit - (1 if clean else 0), 1)
    chosen = rng.choice(len(keys), size=m, p=weights / weights.sum())
    out: Counter[Pattern] = Counter()
    for k, c in zip(chosen.tolist(), rng.multinomial(n_err, np.full(m, 1.0 / m)).tolist(),
                    strict=True):
        if c:
            out[keys[k]] += c
    if clean:
        out[()] = clean
    return out


class TrajectoryEngine:
    """Noisy simulation by statevector trajectories, grouped by error pattern."""

    name = "trajectories"

    def __init__(self, max_qubits: int = 26, work_budget: float = 1e8,
                 min_trajectories: int = 4, xp: ModuleType = np,
                 dtype: Any = np.complex128) -> None:
        self.max_qubits = max_qubits
        self.work_budget = work_budget
        self.min_trajectories = min_trajectories
        self.xp = xp
        self.dtype = dtype

    def supports(self, circuit: Lowered) -> bool:
        """Any circuit up to ``max_qubits``."""
        return circuit.n <= self.max_qubits

    def trajectory_limit(self, circuit: Lowered, steps: int) -> int:
        """How many distinct trajectories the work budget affords.

        ``work_budget`` is in amplitude-steps (state size x fused steps); NumPy sustains
        roughly 5e7 per second per core on 20-qubit states, so 1e8 is about 2 s.
        """
        per_trajectory = float(2**circuit.n) * max(steps, 1)
        return max(self.min_trajectories, int(self.work_budget / per_trajectory))

    def run(self, circuit: Lowered, shots: int, rng: np.random.Generator) -> Results:
        """Simulate each sampled error pattern once, with all of its shots."""
        # Decays right before final measurements act on the bits: fewer patterns to simulate.
        circuit, decay = split_trailing_decay(circuit)
        ideal_steps = len(compile_steps(circuit))
        patterns = sample_patterns(circuit, shots, rng)
        patterns = limit_patterns(patterns, self.trajectory_limit(circuit, ideal_steps), rng)
        leaves: list[tuple[int, Results]] = []
        dtype = state_dtype(circuit, self.dtype)
        for pattern, count in patterns.items():
            extra: dict[int, list[Instr]] = {}
            for pos, choice in pattern:
                extra.setdefault(pos, []).extend(error_options(circuit.instrs[pos])[choice][1])
            steps = compile_steps(circuit, extra)
            leaves.extend(run_stream(steps, circuit, count, rng, self.xp, dtype))
        return decay.apply_to_results(merge_leaves(leaves, circuit), rng)
