"""Gate fusion: merge runs of one- and two-site operators into blocks of at most two sites.

Fusion is what makes the NumPy engines fast: a random layered circuit of prx + cz becomes
about one 2-site block per cz, so the state is swept ~3× less often, and small circuits spend
far fewer Python-level calls. The same code fuses unitaries (site dimension 2) for statevectors
and superoperators (site dimension 4, index (row, column) per qubit) for density matrices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.complex128]


@dataclass(slots=True)
class Block:
    """An operator on ``sites`` (first site = most significant index)."""

    sites: tuple[int, ...]
    matrix: Matrix


def swap_sites(m: Matrix, d: int) -> Matrix:
    """A two-site operator with its site order reversed."""
    return m.reshape(d, d, d, d).transpose(1, 0, 3, 2).reshape(d * d, d * d)


def embed(m: Matrix, sites: tuple[int, ...], target: tuple[int, ...], d: int) -> Matrix:
    """Express operator ``m`` on ``sites`` as an operator on ``target`` (a superset, ≤ 2 sites)."""
    if sites == target:
        return m
    if len(target) == 1:
        raise ValueError("cannot embed into a smaller block")
    if len(sites) == 2:
        return swap_sites(m, d)
    eye = np.eye(d, dtype=np.complex128)
    return np.kron(m, eye) if sites[0] == target[0] else np.kron(eye, m)


class Fuser:
    """Accumulates operators and emits fused blocks in an order that respects dependencies.

    ``emit`` receives each finished block. Callers must call :meth:`flush` on the sites of any
    non-fusable instruction (measurement, reset, feedback) before handling it, and
    :meth:`flush_all` at the end.
    """

    def __init__(self, d: int, emit: list[Block]) -> None:
        self.d = d
        self.out = emit
        self.blocks: dict[int, Block] = {}

    def add(self, sites: tuple[int, ...], m: Matrix) -> None:
        """Apply ``m`` on ``sites`` after everything added so far."""
        involved: list[Block] = []
        for s in sites:
            b = self.blocks.get(s)
            if b is not None and all(b is not x for x in involved):
                involved.append(b)
        union = set(sites).union(*(b.sites for b in involved))
        if len(union) > 2:
            for b in involved:
                self._emit(b)
            self._store(Block(sites, m))
            return
        target = sites if len(sites) == len(union) else _order(sites, union)
        acc: Matrix | None = None
        for b in involved:
            e = embed(b.matrix, b.sites, target, self.d)
            acc = e if acc is None else e @ acc  # blocks are disjoint, so they commute
        new = embed(m, sites, target, self.d)
        self._store(Block(target, new if acc is None else new @ acc))

    def flush(self, sites: tuple[int, ...]) -> None:
        """Emit every pending block touching ``sites``."""
        for s in sites:
            b = self.blocks.get(s)
            if b is not None:
                self._emit(b)

    def flush_all(self) -> None:
        """Emit everything pending."""
        pending: list[Block] = []
        for b in self.blocks.values():
            if all(b is not x for x in pending):
                pending.append(b)
        for b in pending:
            self._emit(b)

    def _store(self, b: Block) -> None:
        for s in b.sites:
            self.blocks[s] = b

    def _emit(self, b: Block) -> None:
        for s in b.sites:
            self.blocks.pop(s, None)
        self.out.append(b)


def _order(sites: tuple[int, ...], union: set[int]) -> tuple[int, ...]:
    rest = sorted(union.difference(sites))
    return (*sites, *rest)
