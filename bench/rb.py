"""Randomized-benchmarking sequences compiled to the twin's native gates (prx, cz).

Single-qubit Cliffords are the 24 elements reached by breadth-first search over π/2 and π
rotations about the four equatorial axes, each stored with its shortest prx word. Two-qubit
Cliffords are drawn uniformly with ``stim.Tableau.random(2)``, decomposed by stim into
H/S/CX, and recompiled: runs of single-qubit gates become one single-qubit Clifford (its prx
word), CX becomes H·CZ·H on the target.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import stim

PI = math.pi
_GENERATORS = [(PI / 2, k * PI / 2) for k in range(4)] + [(PI, 0.0), (PI, PI / 2)]


def prx_unitary(angle: float, phase: float) -> np.ndarray:
    c, s = math.cos(angle / 2), math.sin(angle / 2)
    return np.array([[c, -1j * s * np.exp(-1j * phase)], [-1j * s * np.exp(1j * phase), c]])


def _key(u: np.ndarray) -> tuple[float, ...]:
    """``u`` up to global phase, rounded, as a dictionary key."""
    flat = u.ravel()
    pivot = flat[np.argmax(np.abs(flat) > 1e-6)]
    v = flat * abs(pivot) / pivot
    return tuple(np.round(np.concatenate([v.real, v.imag]), 6) + 0.0)


Word = tuple[tuple[float, float], ...]


@cache
def clifford_table() -> dict[tuple[float, ...], tuple[np.ndarray, Word]]:
    """The 24 single-qubit Cliffords: key -> (unitary, shortest prx word, first gate first)."""
    empty: Word = ()
    table: dict[tuple[float, ...], tuple[np.ndarray, Word]] = {
        _key(np.eye(2)): (np.eye(2, dtype=complex), empty)}
    frontier = list(table.values())
    while frontier:
        nxt = []
        for u, word in frontier:
            for g in _GENERATORS:
                v = prx_unitary(*g) @ u
                k = _key(v)
                if k not in table:
                    table[k] = (v, (*word, g))
                    nxt.append(table[k])
        frontier = nxt
    assert len(table) == 24
    return table


def word_of(u: np.ndarray) -> tuple[tuple[float, float], ...]:
    """The prx word of the single-qubit Clifford ``u`` (any global phase)."""
    return clifford_table()[_key(u)][1]


def clifford_1q_sequence(m: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    """``m`` random Cliffords and the inverting one, as (angle, phase) prx pulses."""
    elements = list(clifford_table().values())
    total = np.eye(2, dtype=complex)
    out: list[tuple[float, float]] = []
    for i in rng.integers(len(elements), size=m):
        u, word = elements[i]
        out += word
        total = u @ total
    out += word_of(total.conj().T)
    return out


def _compile(circuit: stim.Circuit) -> list[tuple[Any, ...]]:
    """stim H/S/CX/... circuit on qubits 0, 1 -> [("prx", q, angle, phase) | ("cz",)]."""
    pending = [np.eye(2, dtype=complex), np.eye(2, dtype=complex)]
    out: list[tuple[Any, ...]] = []
    hadamard = stim.Tableau.from_named_gate("H").to_unitary_matrix(endian="big")

    def flush() -> None:
        for q in (0, 1):
            out.extend(("prx", q, a, p) for a, p in word_of(pending[q]))
            pending[q] = np.eye(2, dtype=complex)

    for inst in circuit:
        targets = [t.value for t in inst.targets_copy()]
        name = inst.name
        if name in ("CX", "CZ", "SWAP"):
            for a, b in zip(targets[::2], targets[1::2], strict=True):
                pairs = [(a, b)] * (3 if name == "SWAP" else 1)
                for k, (c, t) in enumerate(pairs):
                    if name == "SWAP" and k == 1:
                        c, t = t, c
                    if name != "CZ":
                        pending[t] = hadamard @ pending[t]
                    flush()
                    out.append(("cz",))
                    if name != "CZ":
                        pending[t] = hadamard @ pending[t]
        else:
            u = stim.Tableau.from_named_gate(name).to_unitary_matrix(endian="big")
            for q in targets:
                pending[q] = u @ pending[q]
    flush()
    return out


@cache
def two_qubit_cliffords() -> list[stim.Tableau]:
    """All 11520 two-qubit Cliffords (up to phase), by breadth-first search over H, S, CZ.

    Enumerated once so that sequences come from the caller's seeded generator
    (``stim.Tableau.random`` has no seed).
    """
    gens = [stim.Tableau.from_named_gate("CZ")]
    for name in ("H", "S"):
        g = stim.Tableau.from_named_gate(name)
        gens += [g + stim.Tableau(1), stim.Tableau(1) + g]
    seen = {str(stim.Tableau(2))}
    found = [stim.Tableau(2)]
    frontier = list(found)
    while frontier:
        nxt = []
        for t in frontier:
            for g in gens:
                u = t.then(g)
                k = str(u)
                if k not in seen:
                    seen.add(k)
                    found.append(u)
                    nxt.append(u)
        frontier = nxt
    return found


def interleaved_cz_sequence(m: int, rng: np.random.Generator | list[int], interleave: bool
                            ) -> list[tuple[Any, ...]]:
    """``m`` random two-qubit Cliffords (each followed by cz when ``interleave``) and the
    inverting Clifford, compiled to prx and cz. ``rng`` may instead be the list of group
    indices, so that reference and interleaved runs share their random Cliffords."""
    cz = stim.Tableau.from_named_gate("CZ")
    total = stim.Tableau(2)
    out: list[tuple[Any, ...]] = []
    group = two_qubit_cliffords()
    picks = rng if isinstance(rng, list) else rng.integers(len(group), size=m).tolist()
    for k in picks:
        c = group[k]
        out += _compile(c.to_circuit("elimination"))
        total = total.then(c)
        if interleave:
            out.append(("cz",))
            total = total.then(cz)
    out += _compile(total.inverse().to_circuit("elimination"))
    return out
