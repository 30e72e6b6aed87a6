"""The engine interface and the lowered circuit form every engine consumes.

A :class:`Lowered` circuit is a :class:`~qstation.qpu.circuits.Program` with its noise made
explicit: gates are unitary matrices, and relaxation, depolarizing and crosstalk channels sit
where the schedule puts them (see :mod:`qstation.qpu.engines.lowering`). Engines only have to
know how to apply these few instruction kinds; none of them re-derives the noise model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

Bits = npt.NDArray[np.uint8]
Results = dict[str, Bits]


class EngineUnavailableError(RuntimeError):
    """The engine cannot run here (missing library, no GPU) or cannot run this circuit."""


@dataclass(frozen=True, slots=True, eq=False)
class Instr:
    """One lowered instruction on local component indices.

    Kinds:
      * ``u``: unitary ``matrix`` on ``qubits`` (first qubit is the most significant index);
        ``gate`` names its origin (``prx``, ``cz``, ``move``, ``zz``), ``angle``/``phase`` keep
        the prx parameters and ``p`` the zz angle, for engines that want the symbolic form.
      * ``cc``: ``matrix`` on ``qubits[0]`` iff the recorded bit for ``feedback_qubit`` under
        ``feedback_key`` is 1.
      * ``measure``: Z measurement of ``qubits`` recorded under ``key``; ``terminal`` when
        nothing acts on those qubits afterwards and no ``cc`` reads it.
      * ``reset``: reset ``qubits`` to |0>.
      * ``relax``: thermal relaxation of ``qubits[0]``: decay probability ``p``, off-diagonal
        factor ``coherence``.
      * ``depol``: depolarizing channel with parameter ``p`` on ``qubits`` (1 or 2).

    Instances compare and hash by identity: the lowering reuses one object for a repeated
    noise channel, so engines can cache derived operators per object.
    """

    kind: str
    qubits: tuple[int, ...]
    matrix: npt.NDArray[np.complex128] | None = None
    gate: str = ""
    angle: float = 0.0
    phase: float = 0.0
    p: float = 0.0
    coherence: float = 1.0
    key: str | None = None
    feedback_key: str | None = None
    feedback_qubit: int = -1
    terminal: bool = False


@dataclass(slots=True)
class Lowered:
    """A circuit ready for an engine: instructions, measurement keys and readout errors."""

    n: int
    instrs: list[Instr]
    measurements: list[tuple[str, tuple[int, ...]]]
    readout_p01: npt.NDArray[np.float64]
    readout_p10: npt.NDArray[np.float64]
    noisy: bool = False
    has_feedback: bool = False
    has_midcircuit: bool = False
    kinds: frozenset[str] = field(default_factory=frozenset)

    @property
    def has_readout_error(self) -> bool:
        """Whether any qubit has a nonzero readout error."""
        return bool(np.any(self.readout_p01) or np.any(self.readout_p10))


class Engine(Protocol):
    """A simulator: lowered circuit in, per-shot bits out."""

    name: str

    def supports(self, circuit: Lowered) -> bool:
        """Whether this engine can run ``circuit`` (gate content, size, noise)."""
        ...

    def run(self, circuit: Lowered, shots: int, rng: np.random.Generator) -> Results:
        """Simulate ``shots`` shots; measurement key -> uint8 array (shots, len(locus))."""
        ...


def apply_readout(
    bits: Bits,
    qubits: tuple[int, ...],
    circuit: Lowered,
    rng: np.random.Generator,
) -> Bits:
    """Apply the asymmetric readout confusion of ``qubits`` to true outcomes ``bits``."""
    if not circuit.has_readout_error or bits.size == 0:
        return bits
    idx = np.asarray(qubits, dtype=np.intp)
    flip_p = np.where(bits == 1, circuit.readout_p10[idx], circuit.readout_p01[idx])
    flips = rng.random(bits.shape) < flip_p
    return (bits ^ flips.astype(np.uint8)).astype(np.uint8)


def int_to_bits(values: npt.NDArray[np.int64], width: int) -> Bits:
    """Rows of ``width`` bits, most significant first, of each integer in ``values``."""
    shifts = np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] >> shifts) & 1).astype(np.uint8)


def empty_results(circuit: Lowered, shots: int) -> Results:
    """Zero-filled result arrays for every measurement key."""
    return {key: np.zeros((shots, len(qs)), dtype=np.uint8) for key, qs in circuit.measurements}
