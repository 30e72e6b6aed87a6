"""Independent parts of a circuit: qubits that no gate connects are simulated apart.

Without crosstalk, qubits joined by no two-component gate (``cz``, ``move``) and no feedback
(``cc_prx`` reading another qubit's measurement) evolve independently, so the circuit's
outcome distribution is the product of its parts'. A wide circuit made of small parts (IQM's
coherence and parallel RB benchmarks run every qubit of a chip at once) then runs each part
on the exact small-circuit path, with its full physics (relaxation towards |0>, quasi-static
noise), where the whole circuit would go to an approximate wide-circuit engine.

Each part keeps the whole circuit's timing: a ``barrier`` or a measurement shared with other
parts makes a qubit wait, and that wait becomes an explicit ``delay``, so every operation
starts when it would in the whole circuit.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from qstation.qpu.circuits import Op, Program
from qstation.qpu.durations import schedule
from qstation.qpu.engines.base import Results

_JOINING = frozenset({"cz", "move"})
#: Waits shorter than this (s) are rounding, not time a qubit spends idle.
_EPSILON = 1e-15


def parts(program: Program) -> list[list[int]]:
    """The program's components grouped into independent parts, each in ascending order."""
    parent = list(range(program.n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        parent[root(a)] = root(b)

    for op in program.ops:
        if op.name in _JOINING:
            for q in op.qubits[1:]:
                join(op.qubits[0], q)
        elif op.name == "cc_prx" and op.feedback_qubit is not None:
            join(op.qubits[0], op.feedback_qubit)
    groups: dict[int, list[int]] = {}
    for q in range(program.n):
        groups.setdefault(root(q), []).append(q)
    return sorted(groups.values())


def split(program: Program, durations: dict[str, float], groups: list[list[int]]) -> list[Program]:
    """One program per group of ``groups``, each timed as in the whole ``program``."""
    where = {q: (g, local) for g, members in enumerate(groups) for local, q in enumerate(members)}
    ops: list[list[Op]] = [[] for _ in groups]
    free = [0.0] * program.n
    for item in schedule(program, durations).items:
        op = item.op
        if op.name == "barrier":  # its alignment is kept by the delays below
            continue
        by_group: dict[int, list[int]] = {}
        for q in op.qubits:
            by_group.setdefault(where[q][0], []).append(q)
        for g, qs in by_group.items():
            for q in qs:
                if item.start - free[q] > _EPSILON:
                    ops[g].append(Op("delay", (where[q][1],), duration=item.start - free[q]))
                free[q] = item.end
            feedback = op.feedback_qubit
            ops[g].append(replace(
                op,
                qubits=tuple(where[q][1] for q in qs),
                feedback_qubit=None if feedback is None else where[feedback][1],
            ))
    programs = []
    for g, members in enumerate(groups):
        measured = [(op.key or "", op.qubits) for op in ops[g] if op.name == "measure"]
        programs.append(Program(
            name=program.name,
            components=[program.components[q] for q in members],
            ops=ops[g],
            measurements=measured,
        ))
    return programs


def join_results(program: Program, groups: list[list[int]], results: list[Results]) -> Results:
    """The whole program's results from its parts' (bits of each key in its locus order)."""
    where = {q: (g, local) for g, members in enumerate(groups) for local, q in enumerate(members)}
    joined: Results = {}
    for key, locus in program.measurements:
        columns = []
        for q in locus:
            g, local = where[q]
            sub = next(loc for k, loc in _measured(groups[g], program, key) if k == key)
            columns.append(results[g][key][:, sub.index(local)])
        joined[key] = np.stack(columns, axis=1) if columns else np.zeros((0, 0), np.uint8)
    return joined


def _measured(
    members: list[int], program: Program, key: str
) -> list[tuple[str, tuple[int, ...]]]:
    local = {q: i for i, q in enumerate(members)}
    return [
        (k, tuple(local[q] for q in locus if q in local))
        for k, locus in program.measurements
        if k == key and any(q in local for q in locus)
    ]
