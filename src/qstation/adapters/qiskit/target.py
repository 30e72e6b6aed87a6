"""Qiskit targets built from a calibration set's dynamic quantum architecture (DQA).

Native operations map to Qiskit as ``prx`` → ``r``, ``cz`` → ``cz``, ``measure`` → ``measure``
and ``move`` → :class:`MoveGate`; ``cc_prx`` enables ``if_else`` and ``reset`` on its loci;
``id`` and ``delay`` are always available. Qubit indices follow the DQA's qubit order (after
dropping qubits without both ``prx`` and ``measure``); resonators come after the qubits.

On resonator devices the transpiler sees :attr:`Architecture.target` without resonators and
with *fictional* qubit-qubit CZs through a shared resonator; the conversion to native
instructions lowers each one to ``move · cz · move`` (see :mod:`._convert`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qiskit.circuit import Delay, Gate, IfElseOp, Parameter
from qiskit.circuit.library import CZGate, IGate, Measure, Reset, RGate
from qiskit.providers import QubitProperties
from qiskit.transpiler import InstructionProperties, Target

from qstation.schemas.iqm_v1 import DynamicQuantumArchitecture, ObservationSet

Locus = tuple[str, ...]
_METRIC_PREFIX = {
    "prx": "metrics.rb.prx", "measure": "metrics.ssro.measure", "cz": "metrics.irb.cz",
    "move": "metrics.irb.move", "cc_prx": "metrics.irb.cc_prx",
}


class MoveGate(Gate):  # type: ignore[misc]
    """The MOVE operation between a qubit and a computational resonator, locus (qubit, resonator).

    It exchanges the qubit's excitation with the resonator's (in the subspace without both
    excited); a second MOVE on the same locus brings the state back. It has no definition on
    purpose, so the transpiler never rewrites it.
    """

    def __init__(self, label: str | None = None) -> None:
        super().__init__("move", 2, [], label=label)


@dataclass(frozen=True)
class Lowering:
    """How a fictional CZ between two qubits runs: ``move(mover, res) cz(other, res) move``."""

    mover: str
    other: str
    resonator: str


@dataclass
class Architecture:
    """A calibration set's native operations, figures and Qiskit index layout.

    Attributes:
        calibration_set_id: the calibration set the figures come from.
        qubits: usable qubits, in Qiskit index order.
        resonators: computational resonators (indices after the qubits).
        loci: native operation name → calibrated loci.
        durations: (operation, locus) → seconds.
        fidelities: (operation, locus) → fidelity in [0, 1].
        coherence: qubit → (T1, T2) in seconds.
        lowerings: fictional (qubit, qubit) CZ → how it runs through a resonator.
        device: the quantum computer's alias, when known.
    """

    calibration_set_id: str
    qubits: list[str]
    resonators: list[str]
    loci: dict[str, list[Locus]]
    durations: dict[tuple[str, Locus], float] = field(default_factory=dict)
    fidelities: dict[tuple[str, Locus], float] = field(default_factory=dict)
    coherence: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    lowerings: dict[Locus, Lowering] = field(default_factory=dict)
    #: The quantum computer's alias, for messages (users know the device, not the set's id).
    device: str | None = None

    @classmethod
    def from_views(
        cls, dqa: DynamicQuantumArchitecture, calibration_set: ObservationSet | None = None,
        metrics: ObservationSet | None = None,
    ) -> Architecture:
        """Read the DQA and (optionally) the durations and quality metrics.

        Args:
            dqa: the dynamic quantum architecture.
            calibration_set: observations with ``gates.<op>.<impl>.<locus>.duration``.
            metrics: quality metrics (``metrics.*`` fidelities, ``characterization.*`` T1/T2).
        """
        loci = {name: [tuple(lc) for impl in gate.implementations.values() for lc in impl.loci]
                for name, gate in dqa.gates.items()}
        covered = {lc[0] for lc in loci.get("measure", [])} & {lc[0] for lc in loci.get("prx", [])}
        qubits = [q for q in dqa.qubits if q in covered]
        components = set(qubits) | set(dqa.computational_resonators)
        loci = {k: [lc for lc in v if set(lc) <= components] for k, v in loci.items()}
        arch = cls(str(dqa.calibration_set_id), qubits, list(dqa.computational_resonators), loci)
        values = {o.dut_field: o.value for s in (calibration_set, metrics) if s
                  for o in s.observations}
        for name, gate in dqa.gates.items():
            arch._read_figures(name, gate.default_implementation, values)
        for q in qubits:
            t1, t2 = (values.get(f"characterization.model.{q}.{k}_time") for k in ("t1", "t2"))
            arch.coherence[q] = (_number(t1), _number(t2))
        arch.lowerings = _fictional_cz(arch)
        return arch

    def _read_figures(self, name: str, impl: str, values: dict[str, object]) -> None:
        for locus in self.loci.get(name, []):
            joined = "__".join(locus)
            duration = _number(values.get(f"gates.{name}.{impl}.{joined}.duration"))
            if duration is not None:
                self.durations[name, locus] = duration
            prefix = _METRIC_PREFIX.get(name)
            fidelity = _number(values.get(f"{prefix}.{impl}.{joined}.fidelity")) if prefix else None
            if fidelity is not None:
                self.fidelities[name, locus] = fidelity

    @property
    def index(self) -> dict[str, int]:
        """Component name → Qiskit index (qubits first, then resonators)."""
        return {c: i for i, c in enumerate(self.qubits + self.resonators)}

    def properties(self, name: str, locus: Locus) -> InstructionProperties:
        """Duration and error of one operation on one locus (None where unknown)."""
        fidelity = self.fidelities.get((name, locus))
        return InstructionProperties(duration=self.durations.get((name, locus)),
                                     error=None if fidelity is None else 1.0 - fidelity)

    def target(self, *, with_resonators: bool = False) -> Target:
        """The Qiskit target.

        Args:
            with_resonators: include the resonators as Qiskit qubits and ``move``; without
                them (what the transpiler gets), qubit pairs sharing a resonator have a
                fictional ``cz``.
        """
        n = len(self.qubits) + (len(self.resonators) if with_resonators else 0)
        props = [QubitProperties(t1=self.coherence.get(c, (None, None))[0],
                                 t2=self.coherence.get(c, (None, None))[1])
                 for c in (self.qubits + self.resonators)[:n]]
        target = Target(num_qubits=n, qubit_properties=props)
        theta, phi = Parameter("θ"), Parameter("φ")
        target.add_instruction(RGate(theta, phi), self._on("prx", n))
        target.add_instruction(CZGate(), self._cz_properties(n, with_resonators))
        target.add_instruction(Measure(), self._on("measure", n))
        every = {(i,): None for i in range(len(self.qubits))}
        target.add_instruction(IGate(), dict(every))
        target.add_instruction(Delay(Parameter("t")), dict(every))
        if "cc_prx" in self.loci:
            target.add_instruction(Reset(), {k: None for k in self._on("cc_prx", n)})
            target.add_instruction(IfElseOp, name="if_else")
        if with_resonators and "move" in self.loci:
            target.add_instruction(MoveGate(), self._on("move", n))
        return target

    def _on(self, name: str, n: int) -> dict[tuple[int, ...], InstructionProperties | None]:
        index = self.index
        return {tuple(index[c] for c in lc): self.properties(name, lc)
                for lc in self.loci.get(name, []) if all(index[c] < n for c in lc)}

    def _cz_properties(
        self, n: int, with_resonators: bool
    ) -> dict[tuple[int, ...], InstructionProperties | None]:
        props: dict[tuple[int, ...], InstructionProperties | None] = {}
        for key, value in self._on("cz", n).items():
            props[key] = value
            props[key[::-1]] = value  # CZ is symmetric
        if not with_resonators:
            index = self.index
            for pair, low in self.lowerings.items():
                props[index[pair[0]], index[pair[1]]] = self._fictional_properties(low)
        return props

    def _fictional_properties(self, low: Lowering) -> InstructionProperties:
        move, cz = (low.mover, low.resonator), (low.other, low.resonator)
        parts = [("move", move), ("cz", cz), ("move", move)]
        durations = [self.durations.get(p) for p in parts]
        fidelities = [self.fidelities.get(p) for p in parts]
        duration = sum(d for d in durations if d is not None) if None not in durations else None
        fidelity = None
        if None not in fidelities:
            fidelity = 1.0
            for f in fidelities:
                fidelity *= float(f or 0.0)
        return InstructionProperties(duration=duration,
                                     error=None if fidelity is None else 1.0 - fidelity)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _fictional_cz(arch: Architecture) -> dict[Locus, Lowering]:
    """Qubit pairs that can interact through a resonator, and how (both orders)."""
    moves = {lc for lc in arch.loci.get("move", []) if lc[1] in arch.resonators}
    czs = {lc for lc in arch.loci.get("cz", []) if lc[1] in arch.resonators}
    found: dict[Locus, Lowering] = {}
    for mover, res in sorted(moves):
        for other, res2 in sorted(czs):
            if res2 == res and other != mover:
                low = Lowering(mover, other, res)
                found.setdefault((mover, other), low)
                found.setdefault((other, mover), low)
    return found
