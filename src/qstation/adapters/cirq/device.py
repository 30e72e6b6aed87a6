"""A :class:`cirq.Device` built from a calibration set's dynamic quantum architecture.

Device qubits are :class:`cirq.NamedQubit` s named as on the chip (``QB1`` ...), in the DQA's
order. Native operations are ``PhasedXPowGate`` (and ``X``/``Y`` powers) for ``prx``, ``CZ``,
measurements and resets; ``Z`` powers are allowed too, as the conversion tracks them
virtually. On resonator devices, qubit pairs that share a resonator count as connected: the
conversion lowers their CZ to ``move · cz · move``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cirq
import networkx as nx

from qstation.schemas.iqm_v1 import DynamicQuantumArchitecture

_ONE_QUBIT = (cirq.PhasedXPowGate, cirq.XPowGate, cirq.YPowGate, cirq.ZPowGate,
              cirq.IdentityGate, cirq.ResetChannel)


@dataclass(frozen=True)
class Lowering:
    """A CZ between two qubits through a resonator: ``move(mover) cz(other) move(mover)``."""

    mover: str
    other: str
    resonator: str


class IQMDevice(cirq.Device):
    """The qubits, connectivity and native gates of a qstation quantum computer.

    Args:
        dqa: the dynamic quantum architecture of the calibration set in use.
    """

    def __init__(self, dqa: DynamicQuantumArchitecture) -> None:
        self.calibration_set_id = str(dqa.calibration_set_id)
        loci = {name: [tuple(lc) for impl in gate.implementations.values() for lc in impl.loci]
                for name, gate in dqa.gates.items()}
        usable = {lc[0] for lc in loci.get("prx", [])} & {lc[0] for lc in loci.get("measure", [])}
        self.qubit_names = [q for q in dqa.qubits if q in usable]
        self.qubits = [cirq.NamedQubit(q) for q in self.qubit_names]
        resonators = set(dqa.computational_resonators)
        self.couplings = {frozenset(lc) for lc in loci.get("cz", []) if set(lc) <= usable}
        self.lowerings: dict[tuple[str, str], Lowering] = {}
        moves = [lc for lc in loci.get("move", []) if lc[1] in resonators and lc[0] in usable]
        for mover, res in moves:
            for other, res2 in loci.get("cz", []):
                if res2 == res and other != mover and other in usable:
                    low = Lowering(mover, other, res)
                    self.lowerings.setdefault((mover, other), low)
                    self.lowerings.setdefault((other, mover), low)
        edges = {frozenset(p) for p in self.lowerings} | self.couplings
        self.graph = nx.Graph()
        self.graph.add_nodes_from(self.qubits)
        self.graph.add_edges_from(tuple(cirq.NamedQubit(q) for q in e) for e in edges)
        self._metadata = cirq.DeviceMetadata(self.qubits, self.graph)

    @property
    def metadata(self) -> cirq.DeviceMetadata:
        """Qubits and their connectivity graph."""
        return self._metadata

    def validate_operation(self, operation: cirq.Operation) -> None:
        """Check that an operation is native and on connected device qubits.

        Raises:
            ValueError: it is not (the message says why).
        """
        gate = operation.gate
        unknown = [q for q in operation.qubits if q not in self.graph]
        if unknown:
            raise ValueError(f"{operation}: qubits {unknown} are not on the device")
        if isinstance(gate, cirq.MeasurementGate):
            return
        if isinstance(gate, _ONE_QUBIT) and len(operation.qubits) == 1:
            return
        if isinstance(gate, cirq.CZPowGate) and abs(abs(float(gate.exponent)) - 1) < 1e-9:
            a, b = operation.qubits
            if not self.graph.has_edge(a, b):
                raise ValueError(f"{operation}: {a} and {b} are not coupled; route the circuit")
            return
        raise ValueError(f"{operation} is not native; decompose the circuit first")

    def decompose_circuit(self, circuit: cirq.AbstractCircuit) -> cirq.Circuit:
        """Rewrite into native gates: CZ, PhasedX and virtual Z (qubits unchanged)."""
        native = cirq.optimize_for_target_gateset(circuit, gateset=cirq.CZTargetGateset())
        native = cirq.merge_single_qubit_gates_to_phased_x_and_z(native)
        native = cirq.eject_phased_paulis(native)
        native = cirq.eject_z(native, eject_parameterized=True)
        native = cirq.drop_negligible_operations(native)
        return cirq.drop_empty_moments(native)

    def route_circuit(
        self, circuit: cirq.AbstractCircuit
    ) -> tuple[cirq.Circuit, dict[cirq.Qid, cirq.Qid], dict[cirq.Qid, cirq.Qid]]:
        """Place and route a circuit on the device's connectivity with Cirq's ``RouteCQC``.

        Returns:
            The routed circuit (with SWAPs), the initial mapping (logical → physical) and
            the final mapping.
        """
        router = cirq.RouteCQC(self.graph)
        routed, initial, final = router.route_circuit(
            cirq.Circuit(circuit), initial_mapper=cirq.LineInitialMapper(self.graph))
        return cirq.Circuit(routed), dict(initial), dict(final)

    def compile(self, circuit: cirq.AbstractCircuit) -> cirq.Circuit:
        """Decompose, route and decompose again: a circuit this device runs as it is."""
        if all(q in self.graph for q in circuit.all_qubits()) and _validates(self, circuit):
            return cirq.Circuit(circuit)
        routed, _, _ = self.route_circuit(self.decompose_circuit(circuit))
        return self.decompose_circuit(routed)

    def __repr__(self) -> str:
        return f"IQMDevice(qubits={len(self.qubits)}, calibration_set={self.calibration_set_id})"


def _validates(device: IQMDevice, circuit: cirq.AbstractCircuit) -> bool:
    try:
        for op in circuit.all_operations():
            device.validate_operation(op)
    except ValueError:
        return False
    return True
