"""Exact noisy engine: density matrix in NumPy with fused superoperators.

The density matrix is a tensor with one row and one column axis per qubit. Each qubit's
(row, column) pair is treated as one 4-level site, so a gate with its noise channels is one
4x4 (or 16x16) superoperator, fused like unitaries (:mod:`qstation.qpu.engines.fusion`).
The cost does not depend on the shot count: terminal measurements are sampled from the final
diagonal. A mid-circuit measurement branches the density matrix by *recorded* bit (readout
error included), which is exact and keeps feedback (``cc_prx``) on the bit the controller saw.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np
import numpy.typing as npt

from qstation.qpu.engines.base import (
    EngineUnavailableError,
    Instr,
    Lowered,
    Results,
    apply_readout,
    int_to_bits,
)
from qstation.qpu.engines.fusion import Block, Fuser, Matrix, apply_to_axes, embed, kron
from qstation.qpu.engines.lowering import CZ, SWAP
from qstation.qpu.engines.statevector import merge_leaves

_VEC_I = np.array([1, 0, 0, 1], dtype=np.complex128)  # vec(I) in (row, col) order
_FIXED = {"cz": CZ, "move": SWAP}
_RESET = np.outer([1, 0, 0, 0], _VEC_I).astype(np.complex128)


def unitary_superop(u: Matrix) -> Matrix:
    """U·rho·U† as a superoperator in per-qubit (row, col) site order."""
    s = kron(u, u.conj())
    if u.shape[0] == 2:
        return s
    # kron gives (r1, r2, c1, c2); sites want (r1, c1, r2, c2).
    return s.reshape((2,) * 8).transpose(0, 2, 1, 3, 4, 6, 5, 7).reshape(16, 16)


@cache
def relax_superop(gamma: float, coherence: float) -> Matrix:
    """Thermal relaxation: rho11 decays by gamma into rho00, coherences shrink by ``coherence``."""
    return np.array(
        [[1, 0, 0, gamma], [0, coherence, 0, 0], [0, 0, coherence, 0], [0, 0, 0, 1 - gamma]],
        dtype=np.complex128,
    )


@cache
def depol_superop(lam: float, k: int) -> Matrix:
    """(1-λ)rho + λ·tr(rho)·I/2^k on ``k`` qubits."""
    vec = _VEC_I if k == 1 else np.kron(_VEC_I, _VEC_I)
    dim = 4**k
    out: Matrix = (1 - lam) * np.eye(dim, dtype=np.complex128) + lam / 2**k * np.outer(vec, vec)
    return out


@dataclass(slots=True)
class _Branch:
    rho: npt.NDArray[np.complex128]
    record: dict[str, npt.NDArray[np.uint8]] = field(default_factory=dict)
    feedback: dict[tuple[str, int], int] = field(default_factory=dict)


class DensityMatrixEngine:
    """Exact simulation of noisy circuits up to ``max_qubits`` qubits."""

    name = "density_matrix"

    def __init__(self, max_qubits: int = 10, max_branches: int = 256) -> None:
        self.max_qubits = max_qubits
        self.max_branches = max_branches

    def supports(self, circuit: Lowered) -> bool:
        """Circuits small enough, with few enough mid-circuit measured bits to branch on."""
        midbits = sum(len(i.qubits) for i in circuit.instrs
                      if i.kind == "measure" and not i.terminal)
        return circuit.n <= self.max_qubits and 2**midbits <= self.max_branches * 16

    def run(self, circuit: Lowered, shots: int, rng: np.random.Generator) -> Results:
        """Evolve the density matrix once, then sample all shots."""
        n = circuit.n
        rho = np.zeros((2,) * (2 * n), dtype=np.complex128)
        rho[(0,) * (2 * n)] = 1.0
        branches = [_Branch(rho)]
        blocks: list[Block] = []
        fuser = Fuser(4, blocks.append)
        for item in _channels(circuit.instrs):
            if isinstance(item, Block):
                fuser.add(item.sites, item.matrix)
                continue
            ins = item
            if ins.kind == "measure" and ins.terminal:
                continue
            fuser.flush(ins.qubits)
            branches = self._apply_blocks(branches, blocks, n)
            if ins.kind == "cc":
                self._cc(branches, ins, n)
            elif ins.kind == "measure":
                branches = self._measure(branches, ins, circuit, n)
        fuser.flush_all()
        branches = self._apply_blocks(branches, blocks, n)
        return merge_leaves(self._sample(branches, circuit, shots, rng), circuit)

    @staticmethod
    def _apply_blocks(branches: list[_Branch], blocks: list[Block], n: int) -> list[_Branch]:
        for b in blocks:
            for br in branches:
                br.rho = _apply(br.rho, b.sites, b.matrix, n)
        blocks.clear()
        return branches

    @staticmethod
    def _cc(branches: list[_Branch], ins: Instr, n: int) -> None:
        assert ins.matrix is not None
        s = unitary_superop(ins.matrix)
        for br in branches:
            if br.feedback.get((ins.feedback_key or "", ins.feedback_qubit), 0):
                br.rho = _apply(br.rho, ins.qubits, s, n)

    def _measure(self, branches: list[_Branch], ins: Instr, circuit: Lowered, n: int
                 ) -> list[_Branch]:
        out = branches
        for pos, q in enumerate(ins.qubits):
            nxt: list[_Branch] = []
            p01, p10 = circuit.readout_p01[q], circuit.readout_p10[q]
            for br in out:
                zero, one = _project(br.rho, q, 0, n), _project(br.rho, q, 1, n)
                read0 = (1 - p01) * zero + p10 * one
                read1 = p01 * zero + (1 - p10) * one
                for bit, rho in ((0, read0), (1, read1)):
                    if _trace(rho, n) < 1e-15:
                        continue
                    record = dict(br.record)
                    prev = record.get(ins.key or "", np.zeros(len(ins.qubits), np.uint8))
                    record[ins.key or ""] = prev.copy()
                    record[ins.key or ""][pos] = bit
                    feedback = dict(br.feedback)
                    if ins.feedback_key is not None:
                        feedback[(ins.feedback_key, q)] = bit
                    nxt.append(_Branch(rho, record, feedback))
            out = nxt
            if len(out) > self.max_branches:
                raise EngineUnavailableError("too many measurement branches for density matrix")
        return out

    @staticmethod
    def _sample(branches: list[_Branch], circuit: Lowered, shots: int,
                rng: np.random.Generator) -> list[tuple[int, Results]]:
        n = circuit.n
        terminal = [i for i in circuit.instrs if i.kind == "measure" and i.terminal]
        qubits = list(dict.fromkeys(q for i in terminal for q in i.qubits))
        weights = np.array([_trace(b.rho, n) for b in branches])
        counts = rng.multinomial(shots, weights / weights.sum())
        leaves: list[tuple[int, Results]] = []
        for br, count in zip(branches, counts, strict=True):
            if count == 0:
                continue
            out: Results = {k: np.tile(v, (count, 1)) for k, v in br.record.items()}
            if qubits:
                probs = _marginal_diag(br.rho, qubits, n)
                bits = int_to_bits(rng.choice(len(probs), size=count, p=probs), len(qubits))
                col = {q: c for c, q in enumerate(qubits)}
                for ins in terminal:
                    cols = bits[:, [col[q] for q in ins.qubits]]
                    out[ins.key or ""] = apply_readout(cols, ins.qubits, circuit, rng)
            leaves.append((int(count), out))
        return leaves


_NOISE = ("relax", "depol")


def _channels(instrs: list[Instr]) -> Iterator[Block | Instr]:
    """Superoperators of gates with their trailing noise merged in; other instrs unchanged.

    The lowering emits each gate followed by its own depolarizing and relaxation channels,
    as shared objects; their product is cached per object tuple, so a gate costs one small
    matmul here.
    """
    i, end = 0, len(instrs)
    while i < end:
        ins = instrs[i]
        i += 1
        if ins.kind == "reset":
            for q in ins.qubits:
                yield Block((q,), _RESET)
            continue
        if ins.kind not in ("u", *_NOISE):
            yield ins
            continue
        sites = ins.qubits
        start = i - 1 if ins.kind != "u" else i
        while i < end and instrs[i].kind in _NOISE and all(q in sites for q in instrs[i].qubits):
            i += 1
        noise = _noise_superop(sites, tuple(instrs[start:i])) if i > start else None
        if ins.kind == "u":
            assert ins.matrix is not None
            s = _constant_superop(ins.gate) if ins.gate in ("cz", "move") else unitary_superop(
                ins.matrix)
            yield Block(sites, s if noise is None else noise @ s)
        elif noise is not None:
            yield Block(sites, noise)


@cache
def _constant_superop(gate: str) -> Matrix:
    return unitary_superop(_FIXED[gate])


@lru_cache(maxsize=65536)
def _noise_superop(sites: tuple[int, ...], channels: tuple[Instr, ...]) -> Matrix:
    """Product of noise ``channels`` (in order) as one superoperator on ``sites``."""
    k = len(sites)
    total = np.eye(4**k, dtype=np.complex128)
    for ch in channels:
        if ch.kind == "relax":
            s = relax_superop(ch.p, ch.coherence)
        else:
            s = depol_superop(ch.p, len(ch.qubits))
        s = embed(s, ch.qubits, sites, 4)
        total = s @ total
    return total


def _apply(rho: npt.NDArray[np.complex128], sites: tuple[int, ...], s: Matrix, n: int
           ) -> npt.NDArray[np.complex128]:
    axes = tuple(a for q in sites for a in (q, n + q))
    return apply_to_axes(np, rho, s, axes)  # type: ignore[no-any-return]


def _project(rho: npt.NDArray[np.complex128], q: int, bit: int, n: int
             ) -> npt.NDArray[np.complex128]:
    index: list[slice] = [slice(None)] * (2 * n)
    index[q] = index[n + q] = slice(bit, bit + 1)
    out = np.zeros_like(rho)
    out[tuple(index)] = rho[tuple(index)]
    return out


def _diag(rho: npt.NDArray[np.complex128], n: int) -> npt.NDArray[np.float64]:
    d = 2**n
    return np.ascontiguousarray(rho).reshape(d, d).diagonal().real.reshape((2,) * n)


def _trace(rho: npt.NDArray[np.complex128], n: int) -> float:
    return float(_diag(rho, n).sum())


def _marginal_diag(rho: npt.NDArray[np.complex128], qubits: list[int], n: int
                   ) -> npt.NDArray[np.float64]:
    diag = np.clip(_diag(rho, n), 0.0, None)
    others = tuple(a for a in range(n) if a not in qubits)
    probs = diag.sum(axis=others) if others else diag
    kept = sorted(qubits)
    flat: npt.NDArray[np.float64] = np.transpose(probs, [kept.index(q) for q in qubits]).ravel()
    out: npt.NDArray[np.float64] = flat / flat.sum()
    return out
