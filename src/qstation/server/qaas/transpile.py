"""OpenQASM 2 circuits → the device's native gates and topology → IQM circuit JSON.

QaaS clients send OpenQASM 2 (Qibo's ``Circuit.to_qasm()``). Qiskit parses it
(:func:`qiskit.qasm2.loads`) and transpiles it against a :class:`~qiskit.transpiler.Target`
built from the device's calibrated loci: ``prx`` as Qiskit's ``r``, ``cz`` and ``measure``
(plus ``reset``). The result is lowered to the IQM circuit-job form, so the same validator
and worker run it as any IQM job. On resonator devices a qubit-qubit ``cz`` is virtual: it is
lowered to ``move(b, R) · cz(a, R) · move(b, R)``, as IQM's own transpiler does.

Each classical bit that is measured gets the key of its last ``measure``; the result
bitstring lists measured bits in Qiskit's clbit order (registers as declared, then index).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

from qiskit import QuantumCircuit, qasm2, transpile
from qiskit.circuit import Measure, Parameter, Reset
from qiskit.circuit.library import CZGate, RGate
from qiskit.exceptions import QiskitError
from qiskit.quantum_info import Statevector
from qiskit.transpiler import InstructionProperties, Target

from qstation.qpu.calibration import CalibrationData
from qstation.qpu.device import DeviceSpec

#: The ideal final state is computed for circuits of at most this many qubits.
MAX_STATE_QUBITS = 10
_DELAY_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12}
_targets: dict[str, _DeviceTarget] = {}
_targets_lock = threading.Lock()


class TranspileError(ValueError):
    """A circuit cannot be parsed or mapped onto the device; the message says why."""


@dataclass(frozen=True)
class LoweredCircuit:
    """One circuit ready for the IQM job payload, with how to read its results back."""

    circuit: dict[str, Any]
    bit_keys: list[str]
    registers: dict[str, list[int]]
    final_state: dict[str, str] | None = None
    final_state_probabilities: dict[str, float] | None = None


@dataclass
class _DeviceTarget:
    target: Target
    names: list[str]
    #: For resonator devices: virtual pair (a, b) -> (cz qubit, moved qubit, resonator).
    virtual_cz: dict[tuple[int, int], tuple[str, str, str]] = field(default_factory=dict)


def _usable_qubits(spec: DeviceSpec, cal: CalibrationData) -> list[int]:
    return [
        i
        for i, q in enumerate(spec.qubits)
        if cal.is_calibrated("prx", (q,)) and cal.is_calibrated("measure", (q,))
    ]


def _calibrated(cal: CalibrationData, gate: str, locus: tuple[str, str]) -> bool:
    return cal.is_calibrated(gate, locus) and cal.is_calibrated(gate, locus[::-1])


def _pairs(spec: DeviceSpec, cal: CalibrationData, usable: set[int]) -> _DeviceTarget:
    out = _DeviceTarget(Target(num_qubits=len(spec.qubits)), list(spec.qubits))
    index = {q: i for i, q in enumerate(spec.qubits)}
    resonators = set(spec.computational_resonators)
    cz_props: dict[tuple[int, ...], InstructionProperties | None] = {}
    for a, b in spec.couplers:
        if a in resonators or b in resonators or "cz" not in spec.gates:
            continue
        i, j = index[a], index[b]
        if i in usable and j in usable and _calibrated(cal, "cz", (a, b)):
            err = 1.0 - cal.pair_fidelity("cz", (a, b))
            cz_props[(i, j)] = cz_props[(j, i)] = InstructionProperties(error=err)
    for res in spec.computational_resonators:
        linked = [q for q, r in spec.couplers if r == res and index.get(q) in usable]
        for a in linked:
            for b in linked:
                if a == b or (index[a], index[b]) in cz_props:
                    continue
                if _calibrated(cal, "cz", (a, res)) and _calibrated(cal, "move", (b, res)):
                    pair = (index[a], index[b])
                    out.virtual_cz[pair] = out.virtual_cz[pair[::-1]] = (a, b, res)
                    cz_props[pair] = cz_props[pair[::-1]] = None
    if cz_props:
        out.target.add_instruction(CZGate(), cz_props)
    return out


def device_target(spec: DeviceSpec, cal: CalibrationData, cache_key: str | None = None) -> Any:
    """The Qiskit target of ``spec`` under calibration ``cal`` (cached by ``cache_key``)."""
    if cache_key is not None:
        with _targets_lock:
            if cache_key in _targets:
                return _targets[cache_key]
    usable = _usable_qubits(spec, cal)
    built = _pairs(spec, cal, set(usable))
    theta, phi = Parameter("theta"), Parameter("phi")
    props = {
        (i,): InstructionProperties(error=1.0 - cal.qubits[spec.qubits[i]].prx_fidelity)
        for i in usable
    }
    built.target.add_instruction(RGate(theta, phi), props)
    readout = {
        (i,): InstructionProperties(
            error=(cal.qubits[spec.qubits[i]].readout_p01 + cal.qubits[spec.qubits[i]].readout_p10)
            / 2
        )
        for i in usable
    }
    built.target.add_instruction(Measure(), readout)
    built.target.add_instruction(Reset(), {(i,): None for i in usable})
    if cache_key is not None:
        with _targets_lock:
            _targets[cache_key] = built
    return built


def parse_qasm(text: str, index: int) -> QuantumCircuit:
    """Parse one OpenQASM 2 program.

    Raises:
        TranspileError: not OpenQASM 2, or a syntax error.
    """
    if "OPENQASM 3" in text:
        raise TranspileError(f"circuit {index}: only OpenQASM 2.0 is accepted")
    try:
        return qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    except QiskitError as err:
        raise TranspileError(f"circuit {index}: invalid OpenQASM 2: {err}") from err


def lower_qasm(
    text: str, index: int, spec: DeviceSpec, cal: CalibrationData, cache_key: str | None = None
) -> LoweredCircuit:
    """Parse, transpile and lower one circuit for ``spec``.

    Raises:
        TranspileError: the circuit cannot be parsed, has no measurement, or does not fit.
    """
    logical = parse_qasm(text, index)
    if not any(i.operation.name == "measure" for i in logical.data):
        raise TranspileError(
            f"circuit {index} has no measurements: a quantum computer returns only measured "
            f"bits (with Qibo, add gates.M(...))"
        )
    built = device_target(spec, cal, cache_key)
    try:
        physical = transpile(
            logical, target=built.target, optimization_level=1, seed_transpiler=1234
        )
    except (QiskitError, ValueError) as err:
        raise TranspileError(f"circuit {index} cannot run on {spec.name}: {err}") from err
    instructions, last_key = _lower(physical, built, index)
    bit_keys, registers = _bit_layout(logical, last_key)
    state, probs = _final_state(logical)
    return LoweredCircuit(
        circuit={"name": f"circuit-{index}", "instructions": instructions},
        bit_keys=bit_keys,
        registers=registers,
        final_state=state,
        final_state_probabilities=probs,
    )


def _lower(
    qc: QuantumCircuit, built: _DeviceTarget, index: int
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    names = built.names
    out: list[dict[str, Any]] = []
    last_key: dict[int, str] = {}
    for pos, inst in enumerate(qc.data):
        op = inst.operation
        qubits = [qc.find_bit(q).index for q in inst.qubits]
        locus = [names[q] for q in qubits]
        if op.name == "r":
            angle, phase = (float(p) for p in op.params)
            out.append({"name": "prx", "locus": locus, "args": {"angle": angle, "phase": phase}})
        elif op.name == "cz":
            out.extend(_cz(built, (qubits[0], qubits[1])))
        elif op.name == "measure":
            clbit = qc.find_bit(inst.clbits[0]).index
            key = f"m{pos}_c{clbit}"
            last_key[clbit] = key
            out.append({"name": "measure", "locus": locus, "args": {"key": key}})
        elif op.name in ("barrier", "reset"):
            out.append({"name": op.name, "locus": locus, "args": {}})
        elif op.name == "delay" and op.unit in _DELAY_UNITS:
            seconds = float(op.duration) * _DELAY_UNITS[op.unit]
            out.append({"name": "delay", "locus": locus, "args": {"duration": seconds}})
        else:
            raise TranspileError(
                f"circuit {index}: operation {op.name!r} cannot run on this device "
                f"(classically controlled gates are not supported)"
            )
    return out, last_key


def _cz(built: _DeviceTarget, pair: tuple[int, int]) -> list[dict[str, Any]]:
    if pair not in built.virtual_cz:
        return [{"name": "cz", "locus": [built.names[q] for q in pair], "args": {}}]
    a, b, res = built.virtual_cz[pair]
    move = {"name": "move", "locus": [b, res], "args": {}}
    return [move, {"name": "cz", "locus": [a, res], "args": {}}, dict(move)]


def _bit_layout(
    qc: QuantumCircuit, last_key: dict[int, str]
) -> tuple[list[str], dict[str, list[int]]]:
    measured = [i for i in range(qc.num_clbits) if i in last_key]
    position = {clbit: pos for pos, clbit in enumerate(measured)}
    registers: dict[str, list[int]] = {}
    for creg in qc.cregs:
        bits = [position[qc.find_bit(b).index] for b in creg if qc.find_bit(b).index in position]
        if bits:
            registers[creg.name] = bits
    return [last_key[i] for i in measured], registers


def _final_state(qc: QuantumCircuit) -> tuple[dict[str, str] | None, dict[str, float] | None]:
    if qc.num_qubits > MAX_STATE_QUBITS:
        return None, None
    unitary = qc.remove_final_measurements(inplace=False)
    if any(i.operation.name in ("measure", "reset") for i in unitary.data):
        return None, None  # mid-circuit measurement: no single final state
    try:
        amplitudes = Statevector(unitary).data
    except QiskitError:
        return None, None
    n = qc.num_qubits
    state: dict[str, str] = {}
    probs: dict[str, float] = {}
    for i, amp in enumerate(amplitudes):
        p = float(abs(amp) ** 2)
        if p > 1e-12 and math.isfinite(p):
            key = format(i, f"0{n}b")[::-1]  # qubit 0 leftmost
            state[key] = str(complex(amp))
            probs[key] = p
    return state, probs
