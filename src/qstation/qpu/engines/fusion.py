"""Gate fusion: merge runs of one- and two-site operators into blocks of at most two sites.

Fusion is what makes the NumPy engines fast: a random layered circuit of prx + cz becomes
about one 2-site block per cz, so the state is swept ~3x less often, and small circuits spend
far fewer Python-level calls. The same code fuses unitaries (site dimension 2) for statevectors
and superoperators (site dimension 4, index (row, column) per qubit) for density matrices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.complex128]
_EYE = {d: np.eye(d, dtype=np.complex128) for d in (2, 4)}


@dataclass(slots=True)
class Block:
    """An operator on ``sites`` (first site = most significant index)."""

    sites: tuple[int, ...]
    matrix: Matrix


@cache
def axis_orders(axes: tuple[int, ...], ndim: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(forward, inverse) permutations moving ``axes`` to the front of an ``ndim`` tensor."""
    forward = (*axes, *(a for a in range(ndim) if a not in axes))
    inverse = tuple(int(i) for i in np.argsort(forward))
    return forward, inverse


def apply_to_axes(xp: ModuleType, tensor: Any, m: Any, axes: tuple[int, ...]) -> Any:
    """Contract matrix ``m`` (on the joint index of ``axes``, first most significant) into
    ``tensor`` of 2-level axes. One transpose copy and one matmul: much less overhead than
    ``tensordot`` + ``moveaxis`` for the small tensors of many-small-job workloads."""
    forward, inverse = axis_orders(axes, tensor.ndim)
    shape = tensor.shape
    moved = xp.transpose(tensor, forward).reshape(m.shape[1], -1)
    out = (m @ moved).reshape(tuple(shape[a] for a in forward))
    return xp.transpose(out, inverse)


def swap_sites(m: Matrix, d: int) -> Matrix:
    """A two-site operator with its site order reversed."""
    return m.reshape(d, d, d, d).transpose(1, 0, 3, 2).reshape(d * d, d * d)


def kron(a: Matrix, b: Matrix) -> Matrix:
    """``np.kron`` for 2-D operands, without its generic-shape overhead (hot in fusion)."""
    ra, ca = a.shape
    rb, cb = b.shape
    return (a[:, None, :, None] * b[None, :, None, :]).reshape(ra * rb, ca * cb)


def embed(m: Matrix, sites: tuple[int, ...], target: tuple[int, ...], d: int) -> Matrix:
    """Express operator ``m`` on ``sites`` as an operator on ``target`` (a superset, ≤ 2 sites)."""
    if sites == target:
        return m
    if len(target) == 1:
        raise ValueError("cannot embed into a smaller block")
    if len(sites) == 2:
        return swap_sites(m, d)
    eye = _EYE[d]
    return kron(m, eye) if sites[0] == target[0] else kron(eye, m)


class Fuser:
    """Accumulates operators and emits fused blocks in an order that respects dependencies.

    ``emit`` receives each finished block. Callers must call :meth:`flush` on the sites of any
    non-fusable instruction (measurement, reset, feedback) before handling it, and
    :meth:`flush_all` at the end.
    """

    def __init__(self, d: int, emit: Callable[[Block], None]) -> None:
        self.d = d
        self.out = emit
        self.blocks: dict[int, Block] = {}

    def add(self, sites: tuple[int, ...], m: Matrix) -> None:
        """Apply ``m`` on ``sites`` after everything added so far."""
        if len(sites) == 1:
            b = self.blocks.get(sites[0])
            if b is None:
                self.blocks[sites[0]] = Block(sites, m)
                return
            if b.sites == sites:  # the common case: gate after gate on one qubit
                b.matrix = m @ b.matrix
                return
            b.matrix = embed(m, sites, b.sites, self.d) @ b.matrix
            return
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
        self.out(b)


def _order(sites: tuple[int, ...], union: set[int]) -> tuple[int, ...]:
    rest = sorted(union.difference(sites))
    return (*sites, *rest)
