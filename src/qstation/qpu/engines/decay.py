"""Relaxation before a final measurement, applied exactly to the sampled bits.

Between a qubit's last gate and its final measurement nothing can happen to it except decay,
and a decay there does one thing: turns that measurement's 1 into a 0. Engines that cannot
represent amplitude damping exactly (the stabilizer engine twirls it into Pauli noise, which
pulls a qubit towards 1/2 instead of |0>) or that pay per distinct error pattern (trajectories)
take those ``relax`` instructions out of the circuit and apply them here instead, with each
shot's own random draw: a T1 experiment is exact at any width, on every engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from qstation.qpu.engines.base import Instr, Lowered, Results


@dataclass
class TrailingDecay:
    """Decay probabilities before final measurements, per (measure instruction, qubit)."""

    gamma: dict[tuple[int, int], float] = field(default_factory=dict)

    measures: list[Instr] = field(default_factory=list)

    def apply_to_results(self, results: Results, rng: np.random.Generator) -> Results:
        """Decay the bits of every final measurement in ``results`` (keyed by measure key)."""
        for ins in self.measures:
            key = ins.key or ""
            if key in results:
                results[key] = self.apply(ins, results[key], rng)
        return results

    def apply(self, measure: Instr, bits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``bits`` (shots x the measurement's qubits) with each 1 decayed to 0 as drawn."""
        g = np.array([self.gamma.get((id(measure), q), 0.0) for q in measure.qubits])
        if not g.any():
            return bits
        return np.asarray(bits & (rng.random(bits.shape) >= g).astype(bits.dtype))


def split_trailing_decay(circuit: Lowered) -> tuple[Lowered, TrailingDecay]:
    """``circuit`` without its trailing ``relax`` instructions, and those decays."""
    decay = TrailingDecay()
    skip: set[int] = set()
    final: dict[int, Instr] = {}  # qubit -> its final measurement, while walking back
    seen: set[int] = set()
    keys = [ins.key or "" for ins in circuit.instrs if ins.kind == "measure"]
    for pos in range(len(circuit.instrs) - 1, -1, -1):
        ins = circuit.instrs[pos]
        if ins.kind == "relax" and len(ins.qubits) == 1 and ins.qubits[0] in final:
            key = (id(final[ins.qubits[0]]), ins.qubits[0])
            decay.gamma[key] = 1.0 - (1.0 - decay.gamma.get(key, 0.0)) * (1.0 - ins.p)
            skip.add(pos)
            continue
        for q in ins.qubits:
            final.pop(q, None)
            # A fed-back result is read during the circuit: its decay must happen in it.
            # A key measured twice shares one result array: leave its decays in the circuit.
            unique = keys.count(ins.key or "") == 1
            if ins.kind == "measure" and q not in seen and ins.feedback_key is None and unique:
                final[q] = ins
            seen.add(q)
    if not skip:
        return circuit, decay
    decay.measures = [ins for ins in circuit.instrs if ins.kind == "measure"
                      and any((id(ins), q) in decay.gamma for q in ins.qubits)]
    kept = [ins for pos, ins in enumerate(circuit.instrs) if pos not in skip]
    return replace(circuit, instrs=kept), decay
