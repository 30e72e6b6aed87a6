"""Circuit validation against a device and calibration set, and compilation to :class:`Program`.

Every rule a real server enforces before queuing lives here, so a job that is accepted can run.
Errors name the circuit and the offending instruction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from qstation.qpu.calibration import CalibrationData
from qstation.qpu.circuits import Op, Program
from qstation.qpu.device import DeviceSpec
from qstation.qpu.durations import circuit_components

# Old names still accepted from lenient clients: name -> current name.
_LEGACY = {"phased_rx": "prx", "measurement": "measure"}
_NEEDS_CALIBRATION = {"prx", "cz", "move", "measure", "cc_prx"}
_TWO_COMPONENT = {"cz", "move"}


class CircuitValidationError(ValueError):
    """A circuit cannot run on the device; the message says which circuit and why."""


#: An instruction on physical components, checked or lowered: ``(name, locus, args)``.
PhysicalOp = tuple[str, tuple[str, ...], Mapping[str, Any]]
#: An instruction as received, ``(name, locus, args)``: a :class:`RawInstruction` or a tuple.
Received = tuple[str, Sequence[str], Mapping[str, Any]]


class RawInstruction(NamedTuple):
    """An instruction as received: ``name``, ``locus`` (component names) and ``args``.

    A tuple, so that a plain ``(name, locus, args)`` tuple serves as well: a worker reading a
    stored job hands the compiler its instructions without building an object for each.
    """

    name: str
    locus: Sequence[str]
    args: Mapping[str, Any]


@dataclass
class _State:
    circuit: str
    keys: set[str]
    feedback: dict[str, set[str]]
    measured: set[str]
    moved: dict[str, str]  # resonator -> qubit whose state it holds


class Compiler:
    """Validates circuits for one device and calibration set and compiles them."""

    def __init__(
        self,
        spec: DeviceSpec,
        calibration: CalibrationData,
        *,
        move_gate_validation: str = "strict",
    ) -> None:
        self.spec = spec
        self.calibration = calibration
        self.move_gate_validation = move_gate_validation
        self._index = {c: i for i, c in enumerate(spec.components)}
        self._pairs = {frozenset(c) for c in spec.couplers}
        self._resonators = frozenset(spec.computational_resonators)
        self._mid_circuit = bool(spec.extra.get("mid_circuit_measurement", True))
        # (gate, locus) -> usable; a compiler checks the same few loci thousands of times.
        self._calibrated: dict[tuple[str, tuple[str, ...]], bool] = {}

    def compile(
        self, name: str, instructions: Iterable[Received], mapping: Mapping[str, str],
        *, checked: bool = False,
    ) -> Program:
        """Validate one circuit and return it as a :class:`Program`.

        Args:
            name: the circuit's name, for messages.
            instructions: its instructions as received.
            mapping: logical to physical component names (empty: the loci are physical).
            checked: the circuit has passed these rules against this device and calibration
                set already (a queued job, checked before it was accepted): only lower it.

        Raises:
            CircuitValidationError: the circuit breaks a rule of the device.
        """
        if checked:
            return self._program(name, self._physical_ops(name, instructions, mapping, None))
        return self._program(name, self.check(name, instructions, mapping))

    def check(
        self, name: str, instructions: Iterable[Received], mapping: Mapping[str, str]
    ) -> list[PhysicalOp]:
        """Validate one circuit without lowering it: its instructions as ``(name, physical
        locus, args)``, current names and argument forms (what the duration rule reads).

        Raises:
            CircuitValidationError: the circuit breaks a rule of the device.
        """
        state = _State(name, set(), {}, set(), {})
        ops = self._physical_ops(name, instructions, mapping, state)
        if not state.keys:
            raise CircuitValidationError(f"circuit {name!r} has no measurements")
        if state.moved:
            raise CircuitValidationError(
                f"circuit {name!r} ends with a qubit state still moved into a resonator"
            )
        return ops

    def _physical_ops(
        self, name: str, instructions: Iterable[Received], mapping: Mapping[str, str],
        state: _State | None,
    ) -> list[PhysicalOp]:
        """The instructions on physical components; each checked when ``state`` is given."""
        ops: list[PhysicalOp] = []
        index = self._index
        for pos, (raw_name, raw_locus, raw_args) in enumerate(instructions):
            op_name = _LEGACY.get(raw_name, raw_name)
            locus = tuple(raw_locus)
            if mapping or not all(c in index for c in locus):
                locus = tuple(self._physical(mapping, c, name, pos) for c in raw_locus)
            args = self._args(op_name, raw_args, raw_name, name, pos)
            if state is not None:
                self._check(state, op_name, locus, args, pos)
            ops.append((op_name, locus, args))
        return ops

    def _fail(self, state: _State, pos: int, op: str, why: str) -> CircuitValidationError:
        return CircuitValidationError(f"circuit {state.circuit!r}, instruction {pos} ({op}): {why}")

    def _physical(self, mapping: Mapping[str, str], comp: str, circuit: str, pos: int) -> str:
        phys = mapping.get(comp, comp) if mapping else comp
        if mapping and comp not in mapping:
            raise CircuitValidationError(
                f"circuit {circuit!r}, instruction {pos}: {comp!r} is not in the qubit mapping"
            )
        if phys not in self._index:
            qubits = self.spec.qubits
            size = f"; the device has {len(qubits)} qubits ({qubits[0]}..{qubits[-1]})"
            raise CircuitValidationError(
                f"circuit {circuit!r}, instruction {pos}: unknown component {phys!r} "
                f"on {self.spec.name}{size if qubits else ''}"
            )
        return phys

    @staticmethod
    def _args(
        op: str, args: Mapping[str, Any], raw_name: str, circuit: str, pos: int
    ) -> Mapping[str, Any]:
        # Read only, never kept past the compile: no copy.
        if raw_name == "phased_rx":  # legacy form: angles in full turns
            args = {
                "angle": 2 * math.pi * float(args.get("angle_t", 0.0)),
                "phase": 2 * math.pi * float(args.get("phase_t", 0.0)),
            }
        for field in ("angle", "phase", "duration"):
            if field in args and not _finite(args[field]):
                raise CircuitValidationError(
                    f"circuit {circuit!r}, instruction {pos} ({op}): "
                    f"{field} must be a finite number"
                )
        return args

    def _check(
        self, st: _State, op: str, locus: tuple[str, ...], args: Mapping[str, Any], pos: int
    ) -> None:
        if op not in ("prx", "cz", "move", "measure", "reset", "barrier", "delay", "cc_prx"):
            raise self._fail(st, pos, op, "not a native instruction of this quantum computer")
        if not locus or len(set(locus)) != len(locus):
            raise self._fail(st, pos, op, f"locus {list(locus)} is empty or repeats a component")
        self._check_locus(st, op, locus, pos)
        self._check_move_rules(st, op, locus, pos)
        if not self._mid_circuit and op != "barrier" and st.measured.intersection(locus):
            raise self._fail(st, pos, op, "qubit used after its measurement")
        if op in ("prx", "cc_prx"):
            for field in ("angle", "phase"):
                if field not in args:
                    raise self._fail(st, pos, op, f"missing argument {field!r}")
        if op == "measure":
            self._check_measure(st, locus, args, pos)
        elif op == "cc_prx":
            fkey, fq = args.get("feedback_key"), args.get("feedback_qubit")
            if fkey not in st.feedback or fq not in st.feedback[fkey]:
                raise self._fail(
                    st, pos, op, f"no earlier measure of {fq!r} with feedback_key {fkey!r}"
                )
        elif op == "delay" and float(args.get("duration", -1.0)) < 0:
            raise self._fail(st, pos, op, "delay needs a non-negative 'duration' in seconds")

    def _check_locus(self, st: _State, op: str, locus: tuple[str, ...], pos: int) -> None:
        resonators = self._resonators
        if op in ("prx", "cc_prx") and (len(locus) != 1 or locus[0] in resonators):
            raise self._fail(st, pos, op, "acts on exactly one qubit")
        if op in _TWO_COMPONENT:
            if len(locus) != 2 or frozenset(locus) not in self._pairs:
                raise self._fail(st, pos, op, f"{list(locus)} is not a coupled pair")
            if op == "move" and (locus[0] in resonators or locus[1] not in resonators):
                raise self._fail(st, pos, op, "locus must be (qubit, resonator)")
        if op == "measure" and resonators.intersection(locus):
            raise self._fail(st, pos, op, "resonators cannot be measured")
        if op in _NEEDS_CALIBRATION and op not in self.spec.gates:
            raise self._fail(st, pos, op, f"not a native gate of {self.spec.name}")
        if op in _NEEDS_CALIBRATION:
            cal = self.calibration
            loci = [locus] if op in _TWO_COMPONENT else [(c,) for c in locus]
            gate = "prx" if op == "cc_prx" else op
            for loc in loci:
                usable = self._calibrated.get((gate, loc))
                if usable is None:
                    usable = cal.is_calibrated(gate, loc) and cal.is_calibrated(gate, loc[::-1])
                    self._calibrated[gate, loc] = usable
                if not usable:
                    raise self._fail(st, pos, op, f"not calibrated on {list(loc)}")

    def _check_move_rules(self, st: _State, op: str, locus: tuple[str, ...], pos: int) -> None:
        if op == "move":
            qubit, res = locus
            holder = st.moved.get(res)
            if holder is None:
                st.moved[res] = qubit
            elif holder == qubit:
                del st.moved[res]
            else:
                raise self._fail(st, pos, op, f"{res} already holds the state of {holder}")
            return
        if self.move_gate_validation == "none" or op in ("barrier", "delay"):
            return
        allowed = ("prx",) if self.move_gate_validation == "allow_prx" else ()
        for res, qubit in st.moved.items():
            if qubit in locus and op not in allowed:
                raise self._fail(st, pos, op, f"{qubit} is in use: its state is moved to {res}")

    def _check_measure(
        self, st: _State, locus: tuple[str, ...], args: Mapping[str, Any], pos: int
    ) -> None:
        key = args.get("key")
        if not isinstance(key, str) or not key:
            raise self._fail(st, pos, "measure", "needs a non-empty string 'key'")
        if key in st.keys:
            raise self._fail(st, pos, "measure", f"measurement key {key!r} is repeated")
        st.keys.add(key)
        fkey = args.get("feedback_key")
        if fkey is not None:
            if fkey in st.feedback:
                raise self._fail(st, pos, "measure", f"feedback key {fkey!r} is repeated")
            st.feedback[fkey] = set(locus)
        st.measured.update(locus)

    def _program(self, name: str, ops: list[PhysicalOp]) -> Program:
        comps = sorted(circuit_components(ops), key=self._index.__getitem__)
        local = {c: i for i, c in enumerate(comps)}
        program = Program(name=name, components=comps, ops=[])
        for op, locus, args in ops:
            qubits = tuple(local[c] for c in locus if c in local)
            if not qubits:
                continue
            program.ops.append(_make_op(op, qubits, args, local))
            if op == "measure":
                program.measurements.append((str(args["key"]), qubits))
        return program


def _make_op(
    op: str, qubits: tuple[int, ...], args: Mapping[str, Any], local: dict[str, int]
) -> Op:
    # The two gates nearly every circuit is made of, without the general case's lookups.
    if op == "prx":
        return Op(op, qubits, float(args["angle"]), float(args["phase"]))
    if op == "cz":
        return Op(op, qubits)
    fq = args.get("feedback_qubit")
    return Op(
        name=op,
        qubits=qubits,
        angle=float(args.get("angle", 0.0)),
        phase=float(args.get("phase", 0.0)),
        key=args.get("key"),
        feedback_key=args.get("feedback_key"),
        feedback_qubit=local.get(fq) if isinstance(fq, str) else None,
        duration=float(args.get("duration", 0.0)),
    )


def _finite(value: object) -> bool:
    if type(value) is float:
        return math.isfinite(value)
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
