"""Qiskit scenarios (``iqm.qiskit_iqm``) against a qstation server, run in a vendor venv."""

from __future__ import annotations

import time
import uuid
from typing import Any

from _harness import Context, expect_error, run
from iqm.qiskit_iqm import IQMProvider
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile

SHOTS = 2000


def _backend(ctx: Context, qc: str = "lattice-20", **kwargs: Any) -> Any:
    return IQMProvider(ctx.url, quantum_computer=qc).get_backend(**kwargs)


def _execute(backend: Any, circuit: QuantumCircuit, shots: int = SHOTS) -> dict[str, Any]:
    tqc = transpile(circuit, backend, optimization_level=3, seed_transpiler=7)
    job = backend.run(tqc, shots=shots)
    result = job.result()
    return {
        "job_id": job.job_id(),
        "status": job.status().name,
        "success": result.success,
        "counts": dict(result.get_counts()),
        "shots": shots,
    }


def _bell() -> QuantumCircuit:
    qc = QuantumCircuit(2, 2, name="bell")
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    return qc


def _ghz(n: int) -> QuantumCircuit:
    qc = QuantumCircuit(n, n, name=f"ghz{n}")
    qc.h(0)
    for i in range(n - 1):
        qc.cx(i, i + 1)
    qc.measure(range(n), range(n))
    return qc


def bell(ctx: Context) -> dict[str, Any]:
    backend = _backend(ctx)
    out = _execute(backend, _bell())
    out.update(backend_name=backend.name, num_qubits=backend.num_qubits)
    return out


def ghz5(ctx: Context) -> dict[str, Any]:
    return _execute(_backend(ctx), _ghz(5))


def gapped_measure(ctx: Context) -> dict[str, Any]:
    """Five qubits, only qubits 0 and 3 measured (into a 2-bit register); 1 and 3 flipped."""
    qc = QuantumCircuit(5, 2, name="gaps")
    qc.x(1)
    qc.x(3)
    qc.measure(0, 0)
    qc.measure(3, 1)
    return _execute(_backend(ctx), qc)


def two_registers(ctx: Context) -> dict[str, Any]:
    """Register ``a`` (1 bit) gets qubit 0 = 1; register ``b`` (2 bits) gets qubits 1 = 0, 2 = 1."""
    q = QuantumRegister(3, "q")
    a = ClassicalRegister(1, "a")
    b = ClassicalRegister(2, "b")
    qc = QuantumCircuit(q, a, b, name="two_registers")
    qc.x(q[0])
    qc.x(q[2])
    qc.measure(q[0], a[0])
    qc.measure(q[1], b[0])
    qc.measure(q[2], b[1])
    return _execute(_backend(ctx), qc)


def retrieve(ctx: Context) -> dict[str, Any]:
    """A job retrieved by id from a fresh backend yields the same counts."""
    first = _execute(_backend(ctx), _bell(), shots=500)
    backend = _backend(ctx)
    job = backend.retrieve_job(first["job_id"])
    counts = dict(job.result().get_counts())
    return {"original": first, "retrieved_counts": counts, "retrieved_status": job.status().name,
            "retrieved_job_id": job.job_id()}


def retrieve_unknown(ctx: Context) -> dict[str, Any]:
    backend = _backend(ctx)
    error: dict[str, Any] = expect_error(lambda: backend.retrieve_job(str(uuid.uuid4())).result())
    return error


def unknown_quantum_computer(ctx: Context) -> dict[str, Any]:
    error: dict[str, Any] = expect_error(lambda: _backend(ctx, "no-such-qc"))
    return error


def explicit_calibration_set(ctx: Context) -> dict[str, Any]:
    """``get_backend(calibration_set_id=...)`` with the current default set's id runs jobs."""
    default = _backend(ctx)
    cal_id = default.client.get_dynamic_quantum_architecture().calibration_set_id
    backend = _backend(ctx, calibration_set_id=cal_id)
    out = _execute(backend, _bell(), shots=500)
    out["calibration_set_id"] = str(cal_id)
    return out


def unknown_calibration_set(ctx: Context) -> dict[str, Any]:
    error: dict[str, Any] = expect_error(
        lambda: _backend(ctx, calibration_set_id=uuid.uuid4()))
    return error


def metrics(ctx: Context) -> dict[str, Any]:
    """``use_metrics=True``: the transpilation target carries gate and readout error rates."""
    backend = _backend(ctx, use_metrics=True)
    target = backend.target
    errors: dict[str, list[float | None]] = {}
    durations: dict[str, list[float | None]] = {}
    for name in ("r", "cz", "measure"):
        if name not in target.operation_names:
            continue
        props = [p for p in target[name].values() if p is not None]
        errors[name] = [p.error for p in props]
        durations[name] = [p.duration for p in props]
    t1 = [getattr(p, "t1", None) for p in (target.qubit_properties or [])]
    run_out = _execute(backend, _bell(), shots=500)
    return {"operation_names": sorted(target.operation_names), "errors": errors,
            "durations": durations, "t1": t1, "num_qubits": backend.num_qubits, "run": run_out}


def star5(ctx: Context) -> dict[str, Any]:
    backend = _backend(ctx, "star-5")
    qc = QuantumCircuit(2, 2, name="bell_star")
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    out = _execute(backend, qc)
    out.update(backend_name=backend.name, num_qubits=backend.num_qubits)
    return out


def resonator6(ctx: Context) -> dict[str, Any]:
    """A computational-resonator device: the adapter routes CZ through MOVE gates."""
    backend = _backend(ctx, "resonator-6")
    out = _execute(backend, _ghz(3))
    out.update(backend_name=backend.name, num_qubits=backend.num_qubits)
    return out


def cancel(ctx: Context) -> dict[str, Any]:
    """``job.cancel()`` answers True, and a terminal job keeps a terminal status."""
    backend = _backend(ctx)
    qc = _bell()
    job = backend.run(transpile(qc, backend), shots=100)
    cancelled = job.cancel()
    status = None
    for _ in range(200):
        status = job.status()
        if status.name in ("DONE", "CANCELLED", "ERROR"):
            break
        time.sleep(0.1)
    return {"cancel_returned": cancelled, "status": getattr(status, "name", None)}


if __name__ == "__main__":
    run({
        "bell": bell,
        "ghz5": ghz5,
        "gapped_measure": gapped_measure,
        "two_registers": two_registers,
        "retrieve": retrieve,
        "retrieve_unknown": retrieve_unknown,
        "unknown_quantum_computer": unknown_quantum_computer,
        "explicit_calibration_set": explicit_calibration_set,
        "unknown_calibration_set": unknown_calibration_set,
        "metrics": metrics,
        "star5": star5,
        "resonator6": resonator6,
        "cancel": cancel,
    })
