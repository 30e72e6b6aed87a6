"""Qiskit circuits to native instructions, and server measurements back to Qiskit bitstrings.

Measurement keys follow the IQM convention ``<register>_<size>_<register index>_<bit>``, one
single-qubit ``measure`` per classical bit. :func:`to_bitstrings` is the adapter's only
place where bit order is decided: classical bit ``i`` of the circuit (registers concatenated
in the circuit's order) is character ``-1 - i`` of the bitstring, as in Qiskit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from qiskit.circuit import ClassicalRegister, Clbit, IfElseOp, QuantumCircuit

from qstation.adapters.qiskit.target import Architecture

#: Seconds per unit of a Qiskit delay (``dt`` is taken as 1 ns, as IQM does).
_DELAY_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9, "ps": 1e-12, "dt": 1e-9}
#: Single-qubit gates sent as prx: name → (angle, phase) from the gate's parameters.
_PRX: dict[str, Any] = {
    "r": lambda p: (p[0], p[1]), "rx": lambda p: (p[0], 0.0), "ry": lambda p: (p[0], math.pi / 2),
    "x": lambda p: (math.pi, 0.0), "y": lambda p: (math.pi, math.pi / 2),
}


def measurement_key(register: str, size: int, register_index: int, bit: int) -> str:
    """The measurement key of one classical bit."""
    return f"{register}_{size}_{register_index}_{bit}"


def parse_key(key: str) -> tuple[str, int, int, int]:
    """Inverse of :func:`measurement_key`: (register, size, register index, bit).

    Raises:
        ValueError: the key is not of the form ``<register>_<size>_<index>_<bit>``.
    """
    name, size, index, bit = key.rsplit("_", 3)
    return name, int(size), int(index), int(bit)


def to_bitstrings(
    shots_by_key: Mapping[str, Sequence[Sequence[int]]], creg_sizes: Sequence[tuple[str, int]],
    shots: int = 0,
) -> list[str]:
    """One Qiskit bitstring per shot (no spaces), from a circuit's server measurements.

    Args:
        shots_by_key: measurement key → shots → ``[bit]``.
        creg_sizes: the circuit's classical registers, in circuit order.
        shots: number of shots when nothing was measured.

    Returns:
        Bitstrings of length ``sum(sizes)``; unmeasured classical bits read 0.
    """
    offsets = np.cumsum([0] + [size for _, size in creg_sizes])
    width = int(offsets[-1])
    rows = len(next(iter(shots_by_key.values()))) if shots_by_key else shots
    bits = np.zeros((rows, width), dtype=np.uint8)
    for key, values in shots_by_key.items():
        _, _, index, bit = parse_key(key)
        column = np.asarray(values, dtype=np.uint8).reshape(rows, -1)[:, 0]
        bits[:, width - 1 - int(offsets[index]) - bit] = column
    chars = (bits + ord("0")).astype(np.uint8)
    return [row.tobytes().decode("ascii") for row in chars]


def registers_from_keys(keys: Sequence[str]) -> list[tuple[str, int]]:
    """Best-effort register layout of a circuit known only by its measurement keys."""
    found: dict[int, tuple[str, int]] = {}
    for key in keys:
        name, size, index, _ = parse_key(key)
        found[index] = (name, size)
    return [found.get(i, (f"c{i}", 0)) for i in range(max(found, default=-1) + 1)]


def creg_layout(circuit: QuantumCircuit) -> list[tuple[str, int]]:
    """The circuit's classical registers as (name, size), or one register for loose bits."""
    if circuit.cregs:
        return [(r.name, r.size) for r in circuit.cregs]
    return [("c", circuit.num_clbits)] if circuit.num_clbits else []


def to_native(circuit: QuantumCircuit, arch: Architecture) -> dict[str, Any]:
    """A transpiled, parameter-free circuit as the JSON form of a native circuit.

    Args:
        circuit: a circuit on the backend's physical qubits (``transpile`` it first).
        arch: the backend's architecture.

    Returns:
        ``{"name", "instructions", "metadata"}``; metadata records the register layout.

    Raises:
        ValueError: unbound parameters, a gate that is not native, or a classical bit
            measured twice.
    """
    if circuit.parameters:
        raise ValueError(f"circuit {circuit.name!r} has unbound parameters; bind them first")
    return {
        "name": circuit.name,
        "instructions": _Converter(circuit, arch).run(),
        "metadata": {"creg_sizes": [list(r) for r in creg_layout(circuit)]},
    }


class _Converter:
    def __init__(self, circuit: QuantumCircuit, arch: Architecture) -> None:
        self.circuit = circuit
        self.arch = arch
        self.names = arch.qubits + arch.resonators
        self.cz = {frozenset(lc) for lc in arch.loci.get("cz", [])}
        self.out: list[dict[str, Any]] = []
        self.measured: dict[Clbit, tuple[int, str]] = {}  # clbit → (instruction, qubit)
        registers = creg_layout(circuit)
        self.reg_index = {name: i for i, (name, _) in enumerate(registers)}

    def run(self) -> list[dict[str, Any]]:
        for ins in self.circuit.data:
            locus = [self.names[self.circuit.find_bit(q).index] for q in ins.qubits]
            self.emit(ins.operation, locus, ins.clbits)
        return self.out

    def emit(self, op: Any, locus: list[str], clbits: Sequence[Clbit]) -> None:
        name = op.name
        if name in _PRX:
            angle, phase = _PRX[name]([float(p) for p in op.params])
            self.add("prx", locus, angle=angle, phase=phase)
        elif name == "cz":
            self.add_cz(locus)
        elif name == "move":
            self.add("move", locus)
        elif name == "measure":
            self.add_measure(locus[0], clbits[0])
        elif name in ("reset", "barrier"):
            self.add(name, locus)
        elif name == "delay":
            self.add("delay", locus, duration=float(op.duration) * _DELAY_UNITS[op.unit])
        elif name == "if_else":
            self.add_conditional(op, locus)
        elif name != "id":
            where = self.arch.device or "this quantum computer"
            raise ValueError(f"{name!r} is not native to {where} (calibration set "
                             f"{self.arch.calibration_set_id}); transpile the circuit for "
                             "this backend first")

    def add(self, name: str, locus: list[str], **args: Any) -> None:
        self.out.append({"name": name, "locus": locus, "args": args})

    def add_cz(self, locus: list[str]) -> None:
        if frozenset(locus) in self.cz:
            self.add("cz", locus)
            return
        low = self.arch.lowerings.get((locus[0], locus[1]))
        if low is None:
            raise ValueError(f"no cz between {locus[0]} and {locus[1]}; route the circuit first")
        self.add("move", [low.mover, low.resonator])
        self.add("cz", [low.other, low.resonator])
        self.add("move", [low.mover, low.resonator])

    def add_measure(self, qubit: str, clbit: Clbit) -> None:
        if clbit in self.measured:
            raise ValueError(f"circuit {self.circuit.name!r} measures a classical bit twice")
        key = self.key_of(clbit)
        self.measured[clbit] = (len(self.out), qubit)
        self.add("measure", [qubit], key=key)

    def key_of(self, clbit: Clbit) -> str:
        where = self.circuit.find_bit(clbit)
        if where.registers:
            register, bit = where.registers[0]
            return measurement_key(register.name, register.size,
                                   self.reg_index[register.name], bit)
        return measurement_key("c", self.circuit.num_clbits, 0, where.index)

    def add_conditional(self, op: IfElseOp, locus: list[str]) -> None:
        target, value = op.condition
        if isinstance(target, ClassicalRegister):
            if target.size != 1:
                raise ValueError("if_else supports a condition on a single classical bit")
            target = target[0]
        body = op.blocks[0]
        if len(op.blocks) > 1 and op.blocks[1] is not None and op.blocks[1].data:
            raise ValueError("if_else with an else branch is not supported")
        if int(value) != 1 or not isinstance(target, Clbit) or target not in self.measured:
            raise ValueError("if_else must test ==1 on a bit measured earlier in the circuit")
        position, source = self.measured[target]
        feedback = self.out[position]["args"].setdefault("feedback_key", f"fb_{position}")
        for inner in body.data:
            name = inner.operation.name
            if name not in _PRX:
                raise ValueError(f"only prx-like gates may be conditioned, not {name!r}")
            qubit = locus[body.find_bit(inner.qubits[0]).index]
            angle, phase = _PRX[name]([float(p) for p in inner.operation.params])
            self.add("cc_prx", [qubit], angle=angle, phase=phase, feedback_qubit=source,
                     feedback_key=feedback)
