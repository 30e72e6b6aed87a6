"""Job results as Qiskit :class:`~qiskit.result.Result` objects."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from qiskit.result import Result

from qstation.adapters.qiskit._convert import registers_from_keys, to_bitstrings
from qstation.client import CircuitMeasurements, RunResult
from qstation.schemas.iqm_v1 import CircuitJobRequest


@dataclass(frozen=True)
class Experiment:
    """What formatting one circuit's results needs to know about the circuit.

    Attributes:
        name: the circuit's name.
        creg_sizes: its classical registers as (name, size), in circuit order.
        metadata: the Qiskit circuit's metadata (kept in this process only).
    """

    name: str
    creg_sizes: list[tuple[str, int]]
    metadata: dict[str, Any] = field(default_factory=dict)


def experiments_from_request(request: CircuitJobRequest) -> list[Experiment]:
    """The experiments of a submitted job, read back from its payload.

    The adapter records each circuit's register layout in the circuit metadata; for
    circuits submitted otherwise the layout is inferred from the measurement keys.
    """
    found = []
    for circuit in request.circuits:
        if isinstance(circuit, str):  # QIR: no layout to recover
            found.append(Experiment("qir", []))
            continue
        sizes = (circuit.metadata or {}).get("creg_sizes")
        if sizes is None:
            keys = [str(i.args["key"]) for i in circuit.instructions if i.name == "measure"]
            sizes = registers_from_keys(keys)
        found.append(Experiment(circuit.name, [(str(n), int(s)) for n, s in sizes]))
    return found


def to_qiskit_result(
    run: RunResult, experiments: list[Experiment], *, backend_name: str, backend_version: str,
    calibration_set_id: str | None = None,
) -> Result:
    """A completed job's Qiskit result: counts and memory per circuit, job metadata.

    Args:
        run: the completed job's result.
        experiments: the submitted circuits, in order.
        backend_name: reported as the result's backend.
        backend_version: reported as the result's backend version.
        calibration_set_id: reported when the job does not say which set it ran with.
    """
    used = run.metadata.calibration_set_id
    cal = str(used) if used else calibration_set_id
    timeline = [e.model_dump(mode="json") for e in run.metadata.timeline]
    shots = run.metadata.request.shots if run.metadata.request else 0
    results = [
        _experiment(measurements, experiment, shots, cal)
        for measurements, experiment in zip(run.measurements or [], experiments, strict=False)
    ]
    finished = run.metadata.timeline[-1].timestamp if run.metadata.timeline else None
    return Result.from_dict({
        "backend_name": backend_name, "backend_version": backend_version,
        "job_id": str(run.job_id), "success": True, "status": run.status.value,
        "date": (finished or datetime.now(UTC)).isoformat(), "results": results,
        "calibration_set_id": cal, "timeline": timeline,
        "timestamps": {e["status"]: e["timestamp"] for e in timeline},
    })


def _experiment(
    measurements: CircuitMeasurements, experiment: Experiment, shots: int, cal: str | None,
) -> dict[str, Any]:
    memory = to_bitstrings(measurements, experiment.creg_sizes, shots)
    return {
        "shots": len(memory), "success": True, "meas_level": 2,
        "data": {"counts": dict(Counter(memory)), "memory": memory},
        "header": {
            "name": experiment.name, "metadata": experiment.metadata,
            "creg_sizes": [list(r) for r in experiment.creg_sizes],
            "memory_slots": sum(size for _, size in experiment.creg_sizes),
        },
        "calibration_set_id": cal,
    }
