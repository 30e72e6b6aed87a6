"""Large-state engines on qsim (``qsimcirq``, optional): ideal circuits and noisy trajectories.

qsim was measured 7 to 25x faster than NumPy, Aer and qulacs once the state outgrows the cache
(complex64, fused AVX kernels); see ``docs/devices.md``. It is optional: without it the router
keeps the NumPy engines.

* :class:`QsimIdealEngine` converts a :class:`~qstation.qpu.circuits.Program` straight to
  cirq operations and lets qsim simulate once and sample every shot natively.
* :class:`QsimTrajectoryEngine` runs Monte Carlo trajectories of a lowered noisy circuit with
  qsim as the unitary kernel. Error patterns are drawn for all shots first
  (:mod:`qstation.qpu.engines.trajectories`), capped at a bounded number of trajectories with
  several shots sampled from each (the mixture stays unbiased), and trajectories share the
  error-free prefix up to their first error: the clean state is evolved once, forked at each
  first error. A decay (amplitude-damping jump) splits a trajectory's shots by the qubit's
  measured value, exactly as the relaxation channel prescribes.
"""

from __future__ import annotations

import math
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np

from qstation.qpu.circuits import Program
from qstation.qpu.engines.base import Instr, Lowered, Results
from qstation.qpu.engines.lowering import terminal_measures
from qstation.qpu.engines.statevector import _Branch, _sample_terminal, merge_leaves
from qstation.qpu.engines.trajectories import limit_patterns, sample_patterns

#: Ideal circuits from this size on go to qsim (below it the NumPy/small paths win).
QSIM_MIN_QUBITS = 14
#: A state vector of more qubits does not fit in memory here (2^30 amplitudes: 8 GiB).
MAX_QUBITS = 28
_IDEAL_OPS = frozenset({"prx", "cz", "move", "measure", "barrier", "delay"})


@cache
def _modules() -> tuple[ModuleType, ModuleType] | None:
    try:
        import cirq
        import qsimcirq
    except Exception:  # ImportError, or a broken native build
        return None
    return cirq, qsimcirq


def qsim_available() -> bool:
    """Whether ``qsimcirq`` (and cirq) can be imported here."""
    return _modules() is not None


def _simulator(seed: int) -> Any:
    # cpu_threads=0 lets qsim pick; an explicit 2 on a shared 2-core box was 5-25x slower
    # (OpenMP threads spinning against other processes), measured in one process.
    mods = _modules()
    assert mods is not None
    return mods[1].QSimSimulator(mods[1].QSimOptions(cpu_threads=0),
                                 seed=seed)


def _cirq_gate(cirq: ModuleType, gate: str, angle: float, phase: float) -> Any:
    if gate == "prx":
        # Z^p X^t Z^-p equals prx(θ, φ) up to a global phase.
        return cirq.PhasedXPowGate(phase_exponent=phase / math.pi, exponent=angle / math.pi)
    return cirq.CZ if gate == "cz" else cirq.SWAP


class QsimIdealEngine:
    """Ideal circuits with terminal measurements, simulated and sampled by qsim."""

    name = "qsim"

    @staticmethod
    def supports(program: Program) -> bool:
        """Only the listed instructions, every measurement terminal."""
        if program.n > MAX_QUBITS or not {op.name for op in program.ops} <= _IDEAL_OPS:
            return False
        if not qsim_available():
            return False
        terminal = terminal_measures(program)
        return all(i in terminal for i, op in enumerate(program.ops) if op.name == "measure")

    def run(self, program: Program, shots: int, rng: np.random.Generator) -> Results:
        """One qsim run of ``shots`` repetitions."""
        mods = _modules()
        assert mods is not None
        cirq = mods[0]
        qs = cirq.LineQubit.range(program.n)
        ops: list[Any] = []
        keys: list[tuple[str, str, int]] = []
        for i, op in enumerate(program.ops):
            if op.name in ("prx", "cz", "move"):
                ops.append(_cirq_gate(cirq, op.name, op.angle, op.phase).on(
                    *(qs[q] for q in op.qubits)))
            elif op.name == "measure":
                ops.append(cirq.measure(*(qs[q] for q in op.qubits), key=f"m{i}"))
                keys.append((op.key or "", f"m{i}", len(op.qubits)))
        if not keys:
            return {k: np.zeros((shots, len(q)), np.uint8) for k, q in program.measurements}
        result = _simulator(int(rng.integers(2**31))).run(
            cirq.Circuit(ops), repetitions=shots)
        out: Results = {k: result.measurements[m].astype(np.uint8) for k, m, _ in keys}
        for k, q in program.measurements:
            out.setdefault(k, np.zeros((shots, len(q)), np.uint8))
        return out


class QsimTrajectoryEngine:
    """Noisy trajectories with qsim as the unitary kernel (terminal measurements only)."""

    name = "qsim-trajectories"

    def __init__(
        self, max_trajectories: int = 20, min_qubits: int = 12, max_qubits: int = MAX_QUBITS
    ) -> None:
        self.max_trajectories = max_trajectories
        self.min_qubits = min_qubits
        self.max_qubits = max_qubits

    def supports(self, circuit: Lowered) -> bool:
        """Large enough to beat NumPy, no mid-circuit measurement, reset or feedback."""
        # The cheap checks come first: probing for qsim imports cirq (seconds, once).
        return (circuit.noisy and self.min_qubits <= circuit.n <= self.max_qubits
                and not circuit.has_midcircuit and not circuit.has_feedback
                and all(i.kind != "u" or i.gate in ("prx", "cz", "move")
                        for i in circuit.instrs)
                and qsim_available())

    def run(self, circuit: Lowered, shots: int, rng: np.random.Generator) -> Results:
        """Trajectories sharing their error-free prefix; several shots per trajectory."""
        mods = _modules()
        assert mods is not None
        cirq = mods[0]
        qs = cirq.LineQubit.range(circuit.n)
        paulis: tuple[Any, ...] = (None, cirq.X, cirq.Y, cirq.Z)
        ops = [_cirq_gate(cirq, i.gate, i.angle, i.phase).on(*(qs[q] for q in i.qubits))
               if i.kind == "u" else None for i in circuit.instrs]
        sim = _simulator(int(rng.integers(2**31)))
        end = len(circuit.instrs)

        def evolve(psi: Any, a: int, b: int, inserted: dict[int, list[Any]]) -> Any:
            seg: list[Any] = []
            for i in range(a, b):
                if ops[i] is not None:
                    seg.append(ops[i])
                seg.extend(inserted.get(i, ()))
            if not seg:
                return _zero_state(circuit.n) if psi is None else psi
            init = 0 if psi is None else psi.ravel()
            _, vec, _ = sim.simulate_into_1d_array(cirq.Circuit(seg), qubit_order=qs,
                                                   initial_state=init)
            return np.asarray(vec).reshape((2,) * circuit.n)

        def pauli_ops(pos: int, choice: int) -> list[Any]:
            ins = circuit.instrs[pos]
            if ins.kind == "relax":  # choice 1: a phase flip (choice 0, a decay, splits)
                return [cirq.Z(qs[ins.qubits[0]])]
            digits = (choice + 1,) if len(ins.qubits) == 1 else divmod(choice + 1, 4)
            return [paulis[d](qs[q]) for q, d in zip(ins.qubits, digits, strict=True) if d]

        patterns = limit_patterns(sample_patterns(circuit, shots, rng),
                                  self.max_trajectories, rng)
        order = sorted(patterns.items(), key=lambda kv: kv[0][0][0] if kv[0] else end)
        clean: Any = None
        pos = 0
        leaves: list[tuple[int, Results]] = []
        for pattern, count in order:
            first = pattern[0][0] if pattern else end
            clean = evolve(clean, pos, first, {})
            pos = first
            if clean is None:
                clean = _zero_state(circuit.n)
            inserted: dict[int, list[Any]] = {}
            decays: list[int] = []
            for p, c in pattern:
                if circuit.instrs[p].kind == "relax" and c == 0:
                    decays.append(p)
                else:
                    inserted.setdefault(p, []).extend(pauli_ops(p, c))
            # (state, instructions applied so far, next decay, shots)
            stack: list[tuple[Any, int, int, int]] = [(clean, first, 0, count)]
            while stack:
                state, at, k, n_shots = stack.pop()
                if k < len(decays):
                    state = evolve(state, at, decays[k] + 1, inserted)
                    ev = circuit.instrs[decays[k]]
                    stack.extend((c, decays[k] + 1, k + 1, m)
                                 for c, m in _decay(state, ev, n_shots, rng))
                    continue
                state = evolve(state, at, end, inserted)
                leaves.append((n_shots, _sample_terminal(np, _Branch(end, state, n_shots),
                                                         circuit, rng)))
        return merge_leaves(leaves, circuit)


def _zero_state(n: int) -> Any:
    psi = np.zeros((2,) * n, dtype=np.complex64)
    psi[(0,) * n] = 1.0
    return psi


def _decay(state: Any, ev: Instr, shots: int, rng: np.random.Generator
           ) -> list[tuple[Any, int]]:
    """A decay (amplitude-damping jump) on ``ev.qubits[0]``: the qubit ends in |0>.

    The jump's outcome is drawn once for the trajectory with its Born probability, as in the
    standard quantum-jump unravelling; all of the trajectory's shots follow it (they already
    share the error pattern), which keeps the mixture unbiased at half the work of a split.
    """
    q = ev.qubits[0]
    p1 = float(np.sum(np.abs(np.take(state, 1, axis=q)) ** 2))
    bit = int(rng.random() < min(max(p1, 0.0), 1.0))
    p = p1 if bit else 1.0 - p1
    child = np.zeros_like(state)
    idx: list[Any] = [slice(None)] * state.ndim
    idx[q] = 0
    child[tuple(idx)] = np.take(state, bit, axis=q) / np.sqrt(max(p, 1e-30))
    return [(child, shots)]
