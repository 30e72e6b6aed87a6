"""Building and checking circuit job requests on the client, before anything is sent.

Only structure is checked here (names, arity, arguments, keys, JSON metadata); whether the
quantum computer can run a circuit is the server's decision, which it explains on refusal.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from qstation.client._errors import CircuitValidationError
from qstation.client.models import NATIVE_OPERATIONS, Circuit, Instruction
from qstation.schemas import iqm_v1 as wire
from qstation.schemas.iqm_v1 import CircuitJobRequest, QubitMapping


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
    where = f"circuit {circuit!r}, instruction {pos} ({ins.name})"
    if ins.name not in NATIVE_OPERATIONS:
        known = ", ".join(NATIVE_OPERATIONS)
        raise CircuitValidationError(f"{where}: unknown operation; native ones are {known}")
    arity, required = NATIVE_OPERATIONS[ins.name]
    if not ins.locus or len(set(ins.locus)) != len(ins.locus):
        raise CircuitValidationError(f"{where}: the locus is empty or repeats a component")
    if arity is not None and len(ins.locus) != arity:
        raise CircuitValidationError(f"{where}: acts on {arity} component(s), got {ins.locus}")
    missing = [a for a in required if a not in ins.args]
    if missing:
        raise CircuitValidationError(f"{where}: missing argument(s) {', '.join(missing)}")
    for field in ("angle", "phase", "duration"):
        value = ins.args.get(field)
        if value is not None and not (isinstance(value, int | float) and math.isfinite(value)):
            raise CircuitValidationError(f"{where}: {field} must be a finite number")
    if ins.name == "measure":
        key = ins.args["key"]
        if not isinstance(key, str) or not key or key in keys:
            raise CircuitValidationError(f"{where}: measurement key {key!r} is empty or repeated")
        keys.add(key)


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
    circuits: Iterable[Circuit | wire.Circuit | Mapping[str, Any]],
    *,
    qubit_mapping: Mapping[str, str] | Iterable[Any] | None = None,
    calibration_set_id: UUID | str | None = None,
    shots: int = 1,
    max_circuit_duration_over_t2: float | None = None,
    heralding_mode: str = "none",
    **options: Any,
) -> CircuitJobRequest:
    """A validated circuit job request.

    Raises:
        CircuitValidationError: a circuit or an option is invalid.
    """
    checked = [as_circuit(c) for c in circuits]
    if not checked:
        raise CircuitValidationError("submit at least one circuit")
    for circuit in checked:
        validate_circuit(circuit)
    if shots < 1:
        raise CircuitValidationError(f"shots must be positive, got {shots}")
    mapping = _mapping(qubit_mapping) if qubit_mapping else None
    try:
        return CircuitJobRequest(
            circuits=list(checked), qubit_mapping=mapping,
            calibration_set_id=UUID(str(calibration_set_id)) if calibration_set_id else None,
            shots=shots, max_circuit_duration_over_t2=max_circuit_duration_over_t2,
            heralding_mode=heralding_mode, **options,
        )
    except ValueError as err:
        raise CircuitValidationError(f"invalid job options: {err}") from err
