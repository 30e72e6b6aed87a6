"""Cirq circuits to native instructions, and server measurements back to Cirq arrays.

A Cirq measurement becomes one ``measure`` on all its qubits with the Cirq key, so the
server returns, per key, shots of bits in the measurement's qubit order.
:func:`to_cirq_measurements` is the adapter's only place where bit order is decided: column
``j`` of a key's array is qubit ``j`` of that measurement, with its invert mask applied.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import cirq
import numpy as np

from qstation.adapters.cirq.device import IQMDevice

#: Measurement key → bits to flip (the gate's ``full_invert_mask``).
Inversions = dict[str, tuple[bool, ...]]


def to_cirq_measurements(
    shots_by_key: Mapping[str, Sequence[Sequence[int]]], inversions: Inversions | None = None,
) -> dict[str, np.ndarray]:
    """Cirq measurement arrays from one circuit's server measurements.

    Args:
        shots_by_key: measurement key → shots → bits in the measurement's qubit order.
        inversions: per key, which bits the measurement gate inverts.

    Returns:
        Key → ``int8`` array of shape (shots, qubits of the measurement).
    """
    out: dict[str, np.ndarray] = {}
    for key, shots in shots_by_key.items():
        width = len(shots[0]) if len(shots) else len((inversions or {}).get(key, ()))
        bits = np.asarray(shots, dtype=np.int8).reshape(len(shots), width)
        mask = (inversions or {}).get(key)
        if mask and any(mask):
            bits = bits ^ np.asarray(mask, dtype=np.int8)
        out[key] = bits
    return out


def to_native(
    circuit: cirq.AbstractCircuit, device: IQMDevice, name: str = "circuit"
) -> tuple[dict[str, Any], Inversions]:
    """A resolved, native circuit as the JSON form of a native circuit.

    Z rotations are tracked virtually: they shift the phase of later ``prx`` gates, pass
    through CZ and vanish at measurements.

    Returns:
        The circuit's JSON form and the invert masks of its measurements.

    Raises:
        ValueError: unresolved parameters or an operation the device does not support.
    """
    if cirq.is_parameterized(circuit):
        raise ValueError("resolve the circuit's parameters before running it")
    converter = _Converter(device)
    for op in circuit.all_operations():
        device.validate_operation(op)
        converter.emit(op)
    native = {"name": name, "instructions": converter.out, "metadata": {}}
    return native, converter.inversions


class _Converter:
    def __init__(self, device: IQMDevice) -> None:
        self.device = device
        self.z: dict[str, float] = {}
        self.out: list[dict[str, Any]] = []
        self.inversions: Inversions = {}

    def add(self, name: str, locus: list[str], **args: Any) -> None:
        self.out.append({"name": name, "locus": locus, "args": args})

    def emit(self, op: cirq.Operation) -> None:
        gate = op.gate
        names = [str(q) for q in op.qubits]
        if isinstance(gate, cirq.MeasurementGate):
            key = cirq.measurement_key_name(op)
            self.inversions[key] = gate.full_invert_mask()
            self.add("measure", names, key=key)
            for q in names:
                self.z.pop(q, None)
        elif isinstance(gate, cirq.ZPowGate):
            self.z[names[0]] = self.z.get(names[0], 0.0) + math.pi * float(gate.exponent)
        elif isinstance(gate, cirq.PhasedXPowGate | cirq.XPowGate | cirq.YPowGate):
            self.add_prx(gate, names[0])
        elif isinstance(gate, cirq.CZPowGate):
            self.add_cz(names)
        elif isinstance(gate, cirq.ResetChannel):
            self.add("reset", names)
            self.z.pop(names[0], None)

    def add_prx(self, gate: cirq.Gate, qubit: str) -> None:
        if isinstance(gate, cirq.PhasedXPowGate):
            exponent, phase = float(gate.exponent), math.pi * float(gate.phase_exponent)
        else:
            exponent = float(gate.exponent)  # type: ignore[attr-defined]
            phase = 0.0 if isinstance(gate, cirq.XPowGate) else math.pi / 2
        # R(θ, φ) after a pending RZ(λ) equals RZ(λ) · R(θ, φ - λ): the Z moves on.
        self.add("prx", [qubit], angle=math.pi * exponent, phase=phase - self.z.get(qubit, 0.0))

    def add_cz(self, names: list[str]) -> None:
        if frozenset(names) in self.device.couplings:
            self.add("cz", names)
            return
        low = self.device.lowerings[names[0], names[1]]
        self.add("move", [low.mover, low.resonator])
        self.add("cz", [low.other, low.resonator])
        self.add("move", [low.mover, low.resonator])
