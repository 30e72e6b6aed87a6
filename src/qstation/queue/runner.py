"""Running one circuit job on the twin: payload in, result artifacts out.

This is synchronous, CPU-bound code: workers call it in a thread so their event loop keeps
heart-beating. Cancellation is checked at every circuit boundary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import orjson

from qstation import heap
from qstation.qpu.calibration import CalibrationData
from qstation.qpu.device import DeviceSpec
from qstation.qpu.executor import Executor
from qstation.qpu.validate import CircuitValidationError, Compiler
from qstation.queue.claim import Claimed
from qstation.queue.stages import Stages
from qstation.schemas.iqm_v1 import load_accepted_job


class JobCancelled(Exception):
    """Cancellation was requested between circuits."""


class JobFailed(Exception):
    """The job cannot complete; ``code`` is the IQM ``error_code``."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Outcome:
    """Serialised artifacts of a completed job."""

    measurements: str
    counts: str
    messages: list[str] = field(default_factory=list)
    stages: list[tuple[str, float]] = field(default_factory=list)  # IQM stage marks
    sweep_results: bytes | None = None  # run jobs: serialized IQM sweep results


def circuit_seed(job_id: str, index: int) -> int:
    """Seed of one circuit: a re-run of a reclaimed job gives the same results."""
    digest = hashlib.blake2b(f"{job_id}/{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def counts_of(keys: list[str], bits: dict[str, np.ndarray]) -> dict[str, int]:
    """Counts of bitstrings joining each key's bits in ``keys`` order."""
    table = np.concatenate([bits[k] for k in keys], axis=1).astype(np.uint8) + ord("0")
    if table.shape[0] == 0:
        return {}
    rows = np.ascontiguousarray(table).view(f"S{table.shape[1]}").ravel()
    values, counts = np.unique(rows, return_counts=True)
    return {v.decode(): int(c) for v, c in zip(values, counts, strict=True)}


# A job's requests, programs and shots are tens of thousands of containers, none of them
# garbage until the job ends: collecting meanwhile only walks them again and again.
@heap.paused()
def run_circuit_job(
    job_id: str,
    payload: str,
    spec: DeviceSpec,
    calibration: CalibrationData,
    executor: Executor,
    should_stop: Callable[[], bool],
    on_progress: Callable[[int], None] = lambda _: None,
) -> Outcome:
    """Run every circuit of a job and return its artifacts.

    Raises:
        JobCancelled: cancellation was requested at a circuit boundary.
        JobFailed: a circuit cannot run, or heralding discarded every shot.
    """
    stages = Stages()
    stages.mark("execution_started")
    job = load_accepted_job(payload)
    request = job.options
    compiler = Compiler(spec, calibration, move_gate_validation=request.move_gate_validation)
    mapping = request.mapping()
    measurements: list[dict[str, np.ndarray]] = []
    counts: list[dict[str, object]] = []
    for index, circuit in enumerate(job.circuits):
        if should_stop():
            raise JobCancelled
        try:
            # The server compiled the job against this calibration set before accepting it.
            program = compiler.compile(
                circuit["name"], job.instructions(circuit), mapping, checked=True
            )
        except CircuitValidationError as err:
            raise JobFailed(str(err), "CIRCUIT_VALIDATION_FAILED") from err
        bits = executor.run(
            program,
            request.shots,
            seed=circuit_seed(job_id, index),
            heralding=request.heralding_mode,
            active_reset_cycles=request.active_reset_cycles,
        )
        keys = [key for key, _ in program.measurements]
        if request.heralding_mode == "zeros" and bits[keys[0]].shape[0] == 0:
            raise JobFailed(
                f"circuit {program.name!r}: heralding discarded all {request.shots} shots",
                "HERALDING_NO_SHOTS",
            )
        measurements.append(bits)
        counts.append({"measurement_keys": keys, "counts": counts_of(keys, bits)})
        on_progress(index + 1)
    stages.end_execution()
    outcome = Outcome(
        measurements=orjson.dumps(measurements, option=orjson.OPT_SERIALIZE_NUMPY).decode(),
        counts=orjson.dumps(counts).decode(),
        stages=stages.marks,
    )
    stages.mark("post_processing_ended")
    return outcome


#: Circuit jobs at most this large (payload bytes, shots) run on the worker's event loop:
#: done in well under a millisecond, less than the hand-off to a thread.
_SMALL_PAYLOAD = 2 << 10
_SMALL_SHOTS = 1000


def runs_inline(claimed: Claimed) -> bool:
    """Whether a worker runs the job on its event loop (a small circuit job)."""
    return (
        claimed.type != "run"
        and len(claimed.payload) <= _SMALL_PAYLOAD
        and claimed.shots <= _SMALL_SHOTS
    )


def job_error(message: str, code: str) -> dict[str, object]:
    """A failed job's error entry, as the worker records it."""
    return {"message": message, "error_code": code, "source": "qstation-worker"}
