"""Cirq scenarios (``iqm.cirq_iqm.IQMSampler``) against a qstation server, run in a vendor venv."""

from __future__ import annotations

from collections import Counter
from typing import Any

import cirq
from _harness import Context, run
from iqm.cirq_iqm.iqm_sampler import IQMSampler

SHOTS = 2000


def _sample(ctx: Context, qc: str, circuit: cirq.Circuit) -> dict[str, Any]:
    """Decompose and route ``circuit`` for the device, run it, count bitstrings per key."""
    sampler = IQMSampler(ctx.url, quantum_computer=qc)
    device = sampler.device
    decomposed = device.decompose_circuit(circuit)
    routed, initial_mapping, _ = device.route_circuit(decomposed)
    # Routing may add SWAPs, which are not native: decompose once more.
    native = device.decompose_circuit(routed)
    device.validate_circuit(native)
    result = sampler.run(native, repetitions=SHOTS)
    counts = {
        key: dict(Counter("".join(str(int(b)) for b in row) for row in bits))
        for key, bits in result.measurements.items()
    }
    shapes = {key: list(bits.shape) for key, bits in result.measurements.items()}
    metadata = getattr(result, "metadata", None)
    return {
        "counts": counts,
        "shapes": shapes,
        "shots": SHOTS,
        "device_qubits": len(device.qubits),
        "mapping": {str(k): str(v) for k, v in initial_mapping.items()},
        "job_id": str(getattr(metadata, "job_id", None)),
        "calibration_set_id": str(getattr(metadata, "calibration_set_id", None)),
    }


def _bell() -> cirq.Circuit:
    q0, q1 = cirq.NamedQubit("a"), cirq.NamedQubit("b")
    return cirq.Circuit(cirq.H(q0), cirq.CNOT(q0, q1), cirq.measure(q0, q1, key="m"))


def bell(ctx: Context) -> dict[str, Any]:
    return _sample(ctx, "lattice-20", _bell())


def bell_star5(ctx: Context) -> dict[str, Any]:
    return _sample(ctx, "star-5", _bell())


def flips(ctx: Context) -> dict[str, Any]:
    """Two measurement keys; X on the first qubit only: key ``x`` reads 1, key ``z`` reads 0."""
    a, b = cirq.NamedQubit("a"), cirq.NamedQubit("b")
    circuit = cirq.Circuit(cirq.X(a), cirq.measure(a, key="x"), cirq.measure(b, key="z"))
    return _sample(ctx, "lattice-20", circuit)


if __name__ == "__main__":
    run({"bell": bell, "bell_star5": bell_star5, "flips": flips})
