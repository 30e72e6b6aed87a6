"""Building and checking circuit job requests on the client, before anything is sent.

Only structure is checked here (names, arity, arguments, keys, JSON metadata); whether the
quantum computer can run a circuit is the server's decision, which it explains on refusal.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

import orjson

from qstation import heap
from qstation.client._errors import CircuitValidationError
from qstation.client.models import NATIVE_OPERATIONS, Circuit, Instruction
from qstation.schemas import iqm_v1 as wire
from qstation.schemas.iqm_v1 import CircuitJobOptions, CircuitJobRequest, QubitMapping


def as_circuit(circuit: Circuit | wire.Circuit | Mapping[str, Any]) -> Circuit:
    """The SDK form of a circuit given as a model or a JSON-like dict.

    Raises:
        CircuitValidationError: it does not parse as a circuit.
    """
    if isinstance(circuit, Circuit):
        return circuit
    data = circuit.model_dump() if isinstance(circuit, wire.Circuit) else circuit
    try:
        return Circuit.model_validate(data)
    except ValueError as err:
        raise CircuitValidationError(f"not a valid circuit: {err}") from err


def _check_instruction(circuit: str, pos: int, ins: Instruction, keys: set[str]) -> None:
    problem = _instruction_problem(ins, keys)
    if problem is not None:
        raise CircuitValidationError(f"circuit {circuit!r}, instruction {pos} ({ins.name}): "
                                     f"{problem}")


def _instruction_problem(ins: Instruction, keys: set[str]) -> str | None:
    """What is wrong with one instruction, or None (the message is only built on failure)."""
    name, locus, args = ins.name, ins.locus, ins.args
    if name == "prx" and len(locus) == 1:  # most instructions: one test of each rule
        angle, phase = args.get("angle"), args.get("phase")
        if (type(angle) is float and type(phase) is float and math.isfinite(angle + phase)
                and "duration" not in args):
            return None
    if name not in NATIVE_OPERATIONS:
        return f"unknown operation; native ones are {', '.join(NATIVE_OPERATIONS)}"
    arity, required = NATIVE_OPERATIONS[name]
    if not locus or len(set(locus)) != len(locus):
        return "the locus is empty or repeats a component"
    if arity is not None and len(locus) != arity:
        return f"acts on {arity} component(s), got {locus}"
    missing = [a for a in required if a not in args]
    if missing:
        return f"missing argument(s) {', '.join(missing)}"
    for field in ("angle", "phase", "duration"):
        value = args.get(field)
        if value is not None and not (isinstance(value, int | float) and math.isfinite(value)):
            return f"{field} must be a finite number"
    if name == "measure":
        key = args["key"]
        if not isinstance(key, str) or not key or key in keys:
            return f"measurement key {key!r} is empty or repeated"
        keys.add(key)
    return None


def validate_circuit(circuit: Circuit) -> None:
    """Check a circuit's structure.

    Raises:
        CircuitValidationError: with the circuit, the instruction and the reason.
    """
    keys: set[str] = set()
    for pos, ins in enumerate(circuit.instructions):
        _check_instruction(circuit.name, pos, ins, keys)
    if circuit.metadata is not None:
        try:
            json.dumps(circuit.metadata, allow_nan=True)
        except (TypeError, ValueError) as err:
            raise CircuitValidationError(
                f"circuit {circuit.name!r}: metadata is not JSON-serializable ({err}); "
                "convert it with qstation.client.util.to_json_dict"
            ) from err


def _mapping(value: Mapping[str, str] | Iterable[Any]) -> list[QubitMapping]:
    # A {logical: physical} dict, or the wire's list of {logical_name, physical_name}.
    if isinstance(value, Mapping):
        return [QubitMapping(logical_name=k, physical_name=v) for k, v in value.items()]
    try:
        return [QubitMapping.model_validate(item) for item in value]
    except ValueError as err:
        raise CircuitValidationError(f"invalid qubit_mapping: {err}") from err


def build_request(
    circuits: Iterable[Circuit | wire.Circuit | Mapping[str, Any]], **options: Any,
) -> CircuitJobRequest:
    """A validated circuit job request.

    ``options``: ``qubit_mapping`` ({logical: physical} or the wire's list of pairs),
    ``calibration_set_id``, ``shots``, ``max_circuit_duration_over_t2``, ``heralding_mode``
    and any further field of :class:`~qstation.schemas.iqm_v1.CircuitJobOptions`.

    Raises:
        CircuitValidationError: a circuit or an option is invalid.
    """
    with heap.paused():  # a large job is tens of thousands of models, none of them garbage
        checked = [as_circuit(c) for c in circuits]
    if not checked:
        raise CircuitValidationError("submit at least one circuit")
    for circuit in checked:
        validate_circuit(circuit)
    fields = _option_fields(**options)
    try:
        return CircuitJobRequest(circuits=checked, **fields)
    except ValueError as err:  # pydantic's, for an option
        raise CircuitValidationError(f"invalid job options: {err}") from err


def json_request_body(circuits: Sequence[Mapping[str, Any]], **options: Any) -> bytes:
    """The JSON body of a circuit job whose circuits are in their wire form already, as a
    converter writes them (the Qiskit adapter's): its options are validated here, its
    circuits only by the server. No model is built for them: for 10^4 instructions that
    would cost tens of milliseconds, only to write the same JSON.

    Raises:
        CircuitValidationError: no circuits, or an invalid option.
    """
    if not circuits:
        raise CircuitValidationError("submit at least one circuit")
    try:
        fields = CircuitJobOptions(**_option_fields(**options)).model_dump(mode="json")
    except ValueError as err:
        raise CircuitValidationError(f"invalid job options: {err}") from err
    return orjson.dumps({"circuits": circuits, **fields})


def _option_fields(
    *,
    qubit_mapping: Mapping[str, str] | Iterable[Any] | None = None,
    calibration_set_id: UUID | str | None = None,
    shots: int = 1,
    max_circuit_duration_over_t2: float | None = None,
    heralding_mode: str = "none",
    **options: Any,
) -> dict[str, Any]:
    """The request's option fields, as the wire models take them (see :func:`build_request`)."""
    if shots < 1:
        raise CircuitValidationError(f"shots must be positive, got {shots}")
    try:
        cal = UUID(str(calibration_set_id)) if calibration_set_id else None
    except ValueError as err:
        raise CircuitValidationError(f"invalid job options: {err}") from err
    return {
        "qubit_mapping": _mapping(qubit_mapping) if qubit_mapping else None,
        "calibration_set_id": cal,
        "shots": shots, "max_circuit_duration_over_t2": max_circuit_duration_over_t2,
        "heralding_mode": heralding_mode, **options,
    }
