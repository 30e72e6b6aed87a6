"""The checks of a circuit submission: decoding, validation, limits and compilation.

They are one pure function of the body, the limits and a calibration set, so they run
anywhere. Ordinary bodies are checked on a thread. The largest ones (up to the 16 MiB
payload limit, 2x10^5 instructions and more) are checked in a separate checker process:
on a thread, the validator holds the interpreter lock for a whole pass over the body, and
the garbage collector's full sweeps over the millions of objects the check creates pause
every thread, so the event loop would stall for tenths of a second at a time.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from qstation import heap
from qstation.qpu.durations import circuit_components, circuit_duration
from qstation.qpu.validate import CircuitValidationError, Compiler, PhysicalOp
from qstation.schemas.iqm_v1 import CircuitJobRequest
from qstation.server.devices.service import Calibration
from qstation.server.errors import BadRequest

#: Bodies from this size on are checked in the checker process.
LARGE_BODY = 1 << 20


@dataclass(frozen=True)
class Limits:
    """The server's limits on one circuit job."""

    max_shots: int
    max_circuits: int
    #: The server's default for ``max_circuit_duration_over_t2`` (0 turns the rule off).
    duration_over_t2: float


@dataclass(frozen=True)
class Checked:
    """What storing a checked submission needs, and when its stages ended."""

    shots: int
    n_circuits: int
    #: The calibration set the job asks for: ``"default"`` or a set's id.
    calibration_ref: str
    #: The id of the set the circuits were compiled against; None when not compiled yet
    #: (the set given to the check was not the one the job asks for).
    compiled_with: str | None
    validated_at: float
    compiled_at: float | None


@dataclass(frozen=True)
class Refusal:
    """A check's verdict against a submission, as plain data that crosses processes."""

    message: str
    error_code: str

    def error(self) -> BadRequest:
        """The client error this refusal stands for."""
        return BadRequest(self.message, error_code=self.error_code)


def parse_body(body: bytes) -> Any:
    """Decode a JSON body; bare NaN/Infinity tokens (sent by IQM clients) are accepted."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as err:
            raise BadRequest(f"malformed JSON body: {err}", error_code="MALFORMED_JSON") from err
        except RecursionError:  # nested deeper than the parser recurses
            raise BadRequest("malformed JSON body: nested too deeply",
                             error_code="MALFORMED_JSON") from None


def check(body: bytes, limits: Limits, cal: Calibration | None) -> Checked | Refusal:
    """Check a circuit submission; compile it against ``cal`` when that is the set it asks for.

    Refusals are returned rather than raised, so that they cross a process boundary whole.
    """
    try:
        with heap.paused():
            return _check(body, limits, cal)
    except BadRequest as err:
        return Refusal(err.message, err.error_code)


def _check(body: bytes, limits: Limits, cal: Calibration | None) -> Checked:
    request = _parse_request(body)
    _check_limits(request, limits)
    validated_at = time.time()
    ref = str(request.calibration_set_id) if request.calibration_set_id else "default"
    if cal is None or ref not in ("default", cal.id):
        return Checked(request.shots, len(request.circuits), ref, None, validated_at, None)
    _compile(request, cal, limits)
    return Checked(request.shots, len(request.circuits), ref, cal.id, validated_at, time.time())


def _parse_request(body: bytes) -> CircuitJobRequest:
    # pydantic's own JSON parser validates as it reads, twice as fast as building the
    # Python objects first; bodies it cannot read go through the lenient decoder.
    try:
        return CircuitJobRequest.model_validate_json(body)
    except ValidationError as err:
        if not any(e["type"] == "json_invalid" for e in err.errors()):
            raise _invalid(err) from err
    data = parse_body(body)
    try:
        return CircuitJobRequest.model_validate(data)
    except ValidationError as err:
        raise _invalid(err) from err


def _invalid(err: ValidationError) -> BadRequest:
    return BadRequest(f"invalid circuit job: {pydantic_message(err)}", error_code="INVALID_REQUEST")


def _check_limits(request: CircuitJobRequest, limits: Limits) -> None:
    if not 0 < request.shots <= limits.max_shots:
        raise BadRequest(f"shots must be between 1 and {limits.max_shots}, got {request.shots}",
                         error_code="INVALID_SHOTS")
    if len(request.circuits) > limits.max_circuits:
        raise BadRequest(
            f"a job holds at most {limits.max_circuits} circuits, got {len(request.circuits)}",
            error_code="TOO_MANY_CIRCUITS",
        )


def _compile(request: CircuitJobRequest, cal: Calibration, limits: Limits) -> None:
    """Check each circuit against the chip, its calibration set and the duration rule (IQM's
    compilation stage; the worker lowers the circuits when it runs them)."""
    compiler = Compiler(cal.spec, cal.data, move_gate_validation=request.move_gate_validation)
    mapping = request.mapping()
    ratio = request.max_circuit_duration_over_t2
    if ratio is None:
        ratio = limits.duration_over_t2
    for circuit in request.circuits:
        raw = ((i.name, i.locus, i.args) for i in circuit.instructions)
        try:
            ops = compiler.check(circuit.name, raw, mapping)
        except CircuitValidationError as err:
            raise BadRequest(str(err), error_code="CIRCUIT_VALIDATION_FAILED") from err
        if ratio > 0:
            _check_duration(circuit.name, ops, cal, ratio)


def _check_duration(name: str, ops: list[PhysicalOp], cal: Calibration, ratio: float) -> None:
    qubits = circuit_components(ops) & cal.data.qubits.keys()
    if not qubits:
        return
    t2 = min(cal.data.qubits[q].t2 for q in qubits)
    duration = circuit_duration(ops, cal.data)
    if duration > ratio * t2:
        raise BadRequest(
            f"circuit {name!r} lasts {duration * 1e6:.3f} µs, over "
            f"max_circuit_duration_over_t2={ratio} times the shortest T2 of its qubits "
            f"({t2 * 1e6:.3f} µs)",
            error_code="CIRCUIT_TOO_LONG",
        )


def pydantic_message(err: ValidationError) -> str:
    """The first few validation errors of ``err``, one line."""
    parts = []
    for e in err.errors()[:5]:
        loc = ".".join(str(p) for p in e["loc"])
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)
