"""Ideal statevector engine (NumPy, or any array module with the NumPy API).

The circuit's unitaries are fused into blocks of at most two qubits and applied with
``tensordot``. Shots never cost a state sweep each: terminal measurements are sampled jointly
from the final state, and a mid-circuit measurement or reset splits the group of shots by
outcome (multinomially), so each distinct classical history is simulated once. The trajectory
engine reuses :func:`run_stream` with the errors of each trajectory inserted as extra steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from qstation.qpu.engines.base import (
    Bits,
    Instr,
    Lowered,
    Results,
    apply_readout,
    int_to_bits,
)
from qstation.qpu.engines.fusion import Block, Fuser, apply_to_axes

Step = Block | Instr


def compile_steps(circuit: Lowered, extra: dict[int, list[Instr]] | None = None) -> list[Step]:
    """Fuse ``circuit``'s unitaries; ``extra`` inserts instructions after a given position.

    Noise channels (``relax``/``depol``) are dropped here: the trajectory engine passes the
    errors it sampled as ``extra`` unitaries or resets instead.
    """
    steps: list[Step] = []
    fuser = Fuser(2, steps.append)
    for pos, ins in enumerate(circuit.instrs):
        _add(fuser, steps, ins)
        if extra and pos in extra:
            for e in extra[pos]:
                _add(fuser, steps, e)
    fuser.flush_all()
    return steps


def _add(fuser: Fuser, steps: list[Step], ins: Instr) -> None:
    if ins.kind == "u" and ins.matrix is not None:
        fuser.add(ins.qubits, ins.matrix)
    elif ins.kind in ("measure", "reset", "cc"):
        if ins.kind == "measure" and ins.terminal:
            return  # sampled from the final state
        fuser.flush(ins.qubits)
        steps.append(ins)


@dataclass(slots=True)
class _Branch:
    pos: int
    psi: Any
    shots: int
    record: dict[str, Bits] = field(default_factory=dict)
    feedback: dict[tuple[str, int], int] = field(default_factory=dict)


def _apply(xp: ModuleType, psi: Any, sites: tuple[int, ...], m: Any) -> Any:
    return apply_to_axes(xp, psi, xp.asarray(m), sites)


def _marginal(xp: ModuleType, psi: Any, qubits: Sequence[int]) -> np.ndarray:
    """Probabilities of the joint outcomes of ``qubits`` (in that order), as a NumPy vector."""
    probs = xp.abs(psi) ** 2
    others = tuple(a for a in range(psi.ndim) if a not in qubits)
    if others:
        probs = probs.sum(axis=others)
    kept = sorted(qubits)
    order = [kept.index(q) for q in qubits]
    if order != list(range(len(order))):
        probs = xp.transpose(probs, order)
    flat = np.asarray(probs.get() if hasattr(probs, "get") else probs, dtype=np.float64).ravel()
    total = flat.sum()
    return flat / total if total > 0 else flat


def _project(xp: ModuleType, psi: Any, qubits: Sequence[int], bits: Sequence[int], p: float) -> Any:
    index: list[Any] = [slice(None)] * psi.ndim
    for q, b in zip(qubits, bits, strict=True):
        index[q] = slice(b, b + 1)
    out = xp.zeros_like(psi)
    out[tuple(index)] = psi[tuple(index)] / np.sqrt(p)
    return out


def _flip(xp: ModuleType, psi: Any, q: int) -> Any:
    return xp.flip(psi, axis=q)


def _split_measure(xp: ModuleType, br: _Branch, ins: Instr, circuit: Lowered,
                   rng: np.random.Generator) -> list[_Branch]:
    qs = ins.qubits
    probs = _marginal(xp, br.psi, qs)
    children: list[_Branch] = []
    counts = rng.multinomial(br.shots, probs)
    for outcome in np.flatnonzero(counts):
        true = int_to_bits(np.array([outcome]), len(qs))[0]
        psi = _project(xp, br.psi, qs, true, float(probs[outcome]))
        read = apply_readout(np.tile(true, (int(counts[outcome]), 1)), qs, circuit, rng)
        rows, n_rows = np.unique(read, axis=0, return_counts=True)
        for j, (row, c) in enumerate(zip(rows, n_rows, strict=True)):
            record = dict(br.record)
            record[ins.key or ""] = row.astype(np.uint8)
            feedback = dict(br.feedback)
            if ins.feedback_key is not None:
                for q, b in zip(qs, row, strict=True):
                    feedback[(ins.feedback_key, q)] = int(b)
            child_psi = psi if j == len(rows) - 1 else psi.copy()
            children.append(_Branch(br.pos + 1, child_psi, int(c), record, feedback))
    return children


def _split_reset(xp: ModuleType, br: _Branch, ins: Instr, rng: np.random.Generator
                 ) -> list[_Branch]:
    groups = [br]
    for q in ins.qubits:
        nxt: list[_Branch] = []
        for g in groups:
            probs = _marginal(xp, g.psi, (q,))
            counts = rng.multinomial(g.shots, probs)
            for outcome in np.flatnonzero(counts):
                psi = _project(xp, g.psi, (q,), (int(outcome),), float(probs[outcome]))
                if outcome == 1:
                    psi = _flip(xp, psi, q)
                nxt.append(_Branch(g.pos, psi, int(counts[outcome]), g.record, g.feedback))
        groups = nxt
    for g in groups:
        g.pos += 1
    return groups


def run_stream(
    steps: list[Step],
    circuit: Lowered,
    shots: int,
    rng: np.random.Generator,
    xp: ModuleType = np,
    dtype: Any = np.complex128,
) -> list[tuple[int, Results]]:
    """Run fused ``steps`` from |0…0> for ``shots`` shots; one ``(shots, results)`` per leaf."""
    psi = xp.zeros((2,) * circuit.n, dtype=dtype)
    psi[(0,) * circuit.n] = 1.0
    stack = [_Branch(0, psi, shots)]
    leaves: list[tuple[int, Results]] = []
    while stack:
        br = stack.pop()
        while br.pos < len(steps):
            step = steps[br.pos]
            if isinstance(step, Block):
                br.psi = _apply(xp, br.psi, step.sites, step.matrix.astype(dtype, copy=False))
            elif step.kind == "cc":
                bit = br.feedback.get((step.feedback_key or "", step.feedback_qubit), 0)
                if bit and step.matrix is not None:
                    br.psi = _apply(xp, br.psi, step.qubits, step.matrix.astype(dtype))
            elif step.kind == "measure":
                stack.extend(_split_measure(xp, br, step, circuit, rng))
                break
            elif step.kind == "reset":
                stack.extend(_split_reset(xp, br, step, rng))
                break
            br.pos += 1
        else:
            leaves.append((br.shots, _sample_terminal(xp, br, circuit, rng)))
    return leaves


def _sample_terminal(xp: ModuleType, br: _Branch, circuit: Lowered,
                     rng: np.random.Generator) -> Results:
    terminal = [i for i in circuit.instrs if i.kind == "measure" and i.terminal]
    qubits = list(dict.fromkeys(q for i in terminal for q in i.qubits))
    out: Results = {}
    if qubits:
        probs = _marginal(xp, br.psi, qubits)
        idx = rng.choice(len(probs), size=br.shots, p=probs)
        bits = int_to_bits(idx.astype(np.int64), len(qubits))
        col = {q: c for c, q in enumerate(qubits)}
        for ins in terminal:
            cols = bits[:, [col[q] for q in ins.qubits]]
            out[ins.key or ""] = apply_readout(cols, ins.qubits, circuit, rng)
    for key, row in br.record.items():
        out[key] = np.tile(row, (br.shots, 1))
    return out


def merge_leaves(leaves: list[tuple[int, Results]], circuit: Lowered) -> Results:
    """Concatenate per-leaf results into one array per measurement key."""
    merged: Results = {}
    for key, qs in circuit.measurements:
        parts = [r[key] for s, r in leaves if s > 0 and key in r]
        merged[key] = (
            np.concatenate(parts).astype(np.uint8)
            if parts
            else np.zeros((0, len(qs)), dtype=np.uint8)
        )
    return merged


#: From this size on, states are complex64: half the memory traffic of a memory-bound sweep,
#: and single precision is ample for sampling probabilities.
SINGLE_PRECISION_QUBITS = 14


def state_dtype(circuit: Lowered, requested: Any) -> Any:
    """``requested`` for small states, complex64 for large ones (unless complex64 already)."""
    return np.complex64 if circuit.n >= SINGLE_PRECISION_QUBITS else requested


class StatevectorEngine:
    """Exact ideal simulation by statevector (noiseless circuits; readout error allowed)."""

    name = "statevector"

    def __init__(self, max_qubits: int = 28, xp: ModuleType = np,
                 dtype: Any = np.complex128) -> None:
        self.max_qubits = max_qubits
        self.xp = xp
        self.dtype = dtype

    def supports(self, circuit: Lowered) -> bool:
        """Noiseless circuits up to ``max_qubits``."""
        return not circuit.noisy and circuit.n <= self.max_qubits

    def run(self, circuit: Lowered, shots: int, rng: np.random.Generator) -> Results:
        """Simulate once, sample ``shots`` shots."""
        steps = compile_steps(circuit)
        leaves = run_stream(steps, circuit, shots, rng, self.xp, state_dtype(circuit, self.dtype))
        return merge_leaves(leaves, circuit)
