"""Plain ``IQMClient`` scenarios, and errors reaching the client, run in a vendor venv.

35 builds the client with ``IQMClient(url, quantum_computer=...)``, 36 with
``IQMClient.from_url(url, quantum_computer=...)``; :func:`_harness.make_client` picks.
"""

from __future__ import annotations

import math
import time
import uuid
from collections import Counter
from typing import Any

from _harness import Context, expect_error, make_client, run, wait
from iqm.iqm_client import CircuitCompilationOptions
from iqm.pulse import Circuit, CircuitOperation
from iqm.station_control.interface import models

QC = "lattice-20"
HALF_PI = math.pi / 2


def _prx(qubit: str, angle: float, phase: float) -> CircuitOperation:
    return CircuitOperation(name="prx", locus=(qubit,), args={"angle": angle, "phase": phase})


def _cz(a: str, b: str) -> CircuitOperation:
    return CircuitOperation(name="cz", locus=(a, b), args={})


def _measure(key: str, *qubits: str) -> CircuitOperation:
    return CircuitOperation(name="measure", locus=qubits, args={"key": key})


def bell_circuit(a: str = "QB1", b: str = "QB2", name: str = "bell") -> Circuit:
    """Ry(π/2) on ``a``, then CNOT(a→b) as Ry(-π/2)·CZ·Ry(π/2) on ``b``: (|00⟩+|11⟩)/√2."""
    return Circuit(name=name, instructions=(
        _prx(a, HALF_PI, HALF_PI),
        _prx(b, HALF_PI, -HALF_PI),
        _cz(a, b),
        _prx(b, HALF_PI, HALF_PI),
        _measure("m", a, b),
    ))


def flip_circuit() -> Circuit:
    """X on QB1 only; two measurement keys: ``x`` (QB1) reads 1, ``z`` (QB2) reads 0."""
    return Circuit(name="flip", instructions=(
        _prx("QB1", math.pi, 0.0),
        _measure("x", "QB1"),
        _measure("z", "QB2"),
    ))


def _json(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    return value


def _counts(measurements: dict[str, list[list[int]]], key: str) -> dict[str, int]:
    return dict(Counter("".join(str(b) for b in shot) for shot in measurements[key]))


def _status(job: Any) -> str:
    return str(getattr(job.status, "value", job.status))


def _unvalidated_submit(client: Any, circuits: list[Circuit], shots: int, **params: Any) -> Any:
    """Submit bypassing the client's own circuit validation (the server must judge alone)."""
    if hasattr(client, "submit_circuit_job"):  # 36
        definition = models.CircuitJobDefinition(circuits=circuits, shots=shots, **params)
        return client.submit_circuit_job(definition)
    return client.submit_run_request(models.RunRequest(circuits=circuits, shots=shots, **params))


def submit_and_wait(ctx: Context) -> dict[str, Any]:
    """A batch of two circuits: status, measurements, counts and the echoed payload."""
    client = make_client(ctx, QC)
    job = client.submit_circuits([bell_circuit(), flip_circuit()], shots=1000)
    job_id = job.job_id
    initial = _status(job)
    final = wait(job)
    measurements = client.get_job_measurements(job_id)
    counts = client.get_job_measurement_counts(job_id)
    fetched = client.get_job(job_id)
    circuits, parameters = _payload(fetched)
    return {
        "job_id": str(job_id),
        "initial_status": initial,
        "final_status": final,
        "fetched_status": _status(fetched),
        "n_results": len(measurements),
        "bell_counts": _counts(measurements[0], "m"),
        "flip_x_counts": _counts(measurements[1], "x"),
        "flip_z_counts": _counts(measurements[1], "z"),
        "rows": {key: len(shots) for key, shots in measurements[0].items()},
        "measurement_counts": _json(counts),
        "job_result_len": len(job.result() or []),
        "payload_circuit_names": [c["name"] if isinstance(c, dict) else c.name
                                  for c in circuits],
        "payload_shots": parameters["shots"],
    }


def _payload(job: Any) -> tuple[list[Any], dict[str, Any]]:
    payload = job.payload()
    if isinstance(payload, tuple):  # 35: (circuits, CircuitJobParameters)
        circuits, params = payload
        return list(circuits), {"shots": params.shots}
    return list(payload.circuits), {"shots": payload.shots}  # 36: CircuitJobDefinition


def calibration(ctx: Context) -> dict[str, Any]:
    """Architectures, the calibration set and its quality metrics, health and about."""
    client = make_client(ctx, QC)
    dqa = client.get_dynamic_quantum_architecture()
    by_id = client.get_dynamic_quantum_architecture(dqa.calibration_set_id)
    sqa = client.get_static_quantum_architecture()
    cal = client.get_calibration_set()
    cal_by_id = client.get_calibration_set(dqa.calibration_set_id)
    metrics = client.get_quality_metric_set()
    finder = client.get_calibration_quality_metrics()
    return {
        "dqa_calibration_set_id": str(dqa.calibration_set_id),
        "dqa_by_id_same": by_id.calibration_set_id == dqa.calibration_set_id,
        "dqa_qubits": list(dqa.qubits),
        "dqa_gates": sorted(dqa.gates),
        "sqa_qubits": len(sqa.qubits),
        "sqa_connectivity": len(sqa.connectivity),
        "calibration_set_id": str(cal.observation_set_id),
        "calibration_set_by_id": str(cal_by_id.observation_set_id),
        "calibration_observations": len(cal.observations),
        "metrics_type": str(getattr(metrics.observation_set_type, "value",
                                    metrics.observation_set_type)),
        "metrics_describes": str(metrics.describes_id),
        "metrics_observations": len(metrics.observations),
        "metric_fields": sorted({o.dut_field.split(".")[0] for o in metrics.observations}),
        "finder_type": type(finder).__name__,
        "health": _json(client.get_health()),
        "about_keys": sorted(client.get_about()),
    }


def _big_job(client: Any, qubits: list[str], n_circuits: int) -> Any:
    """A job that keeps the quantum computer busy for a while (many noisy 8-qubit circuits)."""
    dqa = client.get_dynamic_quantum_architecture()
    gate = dqa.gates["cz"]
    loci = [tuple(locus) for locus in gate.implementations[gate.default_implementation].loci
            if set(locus) <= set(qubits)]
    instructions: list[CircuitOperation] = []
    for layer in range(20):
        instructions += [_prx(q, 0.3 + 0.1 * layer, 0.2 * layer) for q in qubits]
        instructions += [_cz(a, b) for a, b in loci]
    instructions.append(_measure("m", *qubits))
    circuits = [Circuit(name=f"big{i}", instructions=tuple(instructions))
                for i in range(n_circuits)]
    options = CircuitCompilationOptions(max_circuit_duration_over_t2=0.0)
    return client.submit_circuits(circuits, shots=2000, options=options)


def _poll(client: Any, job_id: Any, until: set[str], timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    status = _status(client.get_job(job_id))
    while status not in until and time.monotonic() < deadline:
        time.sleep(0.1)
        status = _status(client.get_job(job_id))
    return status


def cancel(ctx: Context) -> dict[str, Any]:
    """A second job waits behind a big one; cancelling it (and then the big one) sticks."""
    client = make_client(ctx, QC)
    dqa = client.get_dynamic_quantum_architecture()
    big = _big_job(client, list(dqa.qubits[:8]), n_circuits=200)
    try:
        big_started = _poll(client, big.job_id, {"processing", "completed", "failed"})
        small = client.submit_circuits([bell_circuit()], shots=100)
        small_before = _status(client.get_job(small.job_id))
        client.cancel_job(small.job_id)
        small_after = _poll(client, small.job_id, {"cancelled", "completed", "failed"})
        big_at_cancel = _status(client.get_job(big.job_id))
    finally:
        client.cancel_job(big.job_id)
    started = time.monotonic()
    big_final = _poll(client, big.job_id, {"cancelled", "completed", "failed"})
    big_stop_s = time.monotonic() - started
    client.cancel_job(small.job_id)  # cancelling a terminal job succeeds and changes nothing
    return {
        "big_started": big_started,
        "small_before_cancel": small_before,
        "small_final": small_after,
        "small_final_again": _status(client.get_job(small.job_id)),
        "big_at_cancel": big_at_cancel,
        "big_final": big_final,
        "big_stop_seconds": round(big_stop_s, 3),
        "small_result": expect_error(lambda: client.get_job_measurements(small.job_id)),
    }


def delete(ctx: Context) -> dict[str, Any]:
    """A deleted job is gone: fetching it raises the not-found error."""
    client = make_client(ctx, QC)
    job = client.submit_circuits([bell_circuit()], shots=100)
    final = wait(job)
    client.delete_job(job.job_id)
    return {
        "final_status": final,
        "get_after_delete": expect_error(lambda: client.get_job(job.job_id)),
        "measurements_after_delete": expect_error(
            lambda: client.get_job_measurements(job.job_id)),
    }


def unknown_quantum_computer(ctx: Context) -> dict[str, Any]:
    """An alias the server does not host is refused on the client side."""
    error: dict[str, Any] = expect_error(lambda: make_client(ctx, "no-such-qc"))
    return error


def uncoupled_cz(ctx: Context) -> dict[str, Any]:
    """CZ on an uncoupled pair: the client refuses it, and so does the server (400)."""
    client = make_client(ctx, QC)
    circuit = Circuit(name="bad_cz", instructions=(_cz("QB1", "QB3"), _measure("m", "QB1", "QB3")))
    return {
        "client_side": expect_error(lambda: client.submit_circuits([circuit], shots=10)),
        "server_side": expect_error(lambda: _unvalidated_submit(client, [circuit], 10)),
    }


def unknown_job(ctx: Context) -> dict[str, Any]:
    client = make_client(ctx, QC)
    missing = uuid.uuid4()
    return {
        "get_job": expect_error(lambda: client.get_job(missing)),
        "cancel_job": expect_error(lambda: client.cancel_job(missing)),
        "delete_job": expect_error(lambda: client.delete_job(missing)),
        "measurements": expect_error(lambda: client.get_job_measurements(missing)),
    }


def unknown_calibration_set(ctx: Context) -> dict[str, Any]:
    client = make_client(ctx, QC)
    missing = uuid.uuid4()
    return {
        "calibration_set": expect_error(lambda: client.get_calibration_set(missing)),
        "dqa": expect_error(lambda: client.get_dynamic_quantum_architecture(missing)),
        "metrics": expect_error(lambda: client.get_quality_metric_set(missing)),
        "submit": expect_error(lambda: _unvalidated_submit(
            client, [bell_circuit()], 10, calibration_set_id=missing)),
    }


if __name__ == "__main__":
    run({
        "submit_and_wait": submit_and_wait,
        "calibration": calibration,
        "cancel": cancel,
        "delete": delete,
        "unknown_quantum_computer": unknown_quantum_computer,
        "uncoupled_cz": uncoupled_cz,
        "unknown_job": unknown_job,
        "unknown_calibration_set": unknown_calibration_set,
    })
