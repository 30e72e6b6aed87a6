"""Pulse-level physics through the official ``IQMClient`` (36), as a calibration engineer uses it.

- ``circuits``: a Bell and a 3-qubit GHZ circuit compiled by ``get_standard_compiler()`` and
  run with ``submit_playlist``; counts from the client's own post-processing and from the
  server's ``measurement_counts``, next to the same circuits run as a circuit job.
- ``rabi``: a Rabi amplitude sweep: the compiled π pulse of one qubit, replayed at scaled
  amplitudes, one segment per amplitude; excited-state populations per amplitude.
- ``qiskit``: IQM's pulse-level Qiskit flow (``pulse_level_utils``): a transpiled Qiskit Bell
  circuit compiled by IQM's compiler, run as a playlist, read back as a Qiskit ``Result``.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import replace
from typing import Any

from _harness import Context, make_client, run
from iqm.pulse import Circuit, CircuitOperation

HALF_PI = math.pi / 2
QC = "star-5"
SHOTS = 2000
RABI_SHOTS = 1000
RABI_FACTORS = [round(0.05 * k, 3) for k in range(33)]  # 0 .. 1.6 of the calibrated amplitude


def _op(name: str, locus: tuple[str, ...], **args: Any) -> CircuitOperation:
    return CircuitOperation(name=name, locus=locus, args=args)


def _cnot(control: str, target: str) -> list[CircuitOperation]:
    return [
        _op("prx", (target,), angle=HALF_PI, phase=-HALF_PI),
        _op("cz", (control, target)),
        _op("prx", (target,), angle=HALF_PI, phase=HALF_PI),
    ]


def ghz(path: tuple[str, ...]) -> Circuit:
    """H on the first qubit, CNOTs along ``path``, every qubit measured under key ``m``."""
    ops = [_op("prx", (path[0],), angle=HALF_PI, phase=HALF_PI)]
    for control, target in itertools.pairwise(path):
        ops += _cnot(control, target)
    ops.append(_op("measure", path, key="m"))
    return Circuit(name=f"ghz{len(path)}", instructions=tuple(ops))


def _counts(bits: Any) -> dict[str, int]:
    return dict(Counter("".join(str(int(b)) for b in shot) for shot in bits))


def _circuits(ctx: Context) -> dict[str, Any]:
    client = make_client(ctx, QC)
    circuits = [ghz(("QB1", "QB3")), ghz(("QB1", "QB3", "QB2"))]
    compiler = client.get_standard_compiler()
    run_definition, context = compiler.compile(circuits)
    run_definition.sweep_definition.settings.set_shots(SHOTS)
    job = client.submit_playlist(run_definition, context=context)
    status = job.wait_for_completion(timeout_secs=240, polling_interval=0.2)
    results = job.result()
    pulse = [_counts(c["m"]) for c in results.circuit_measurement_results]
    server = client._executor.get_artifact_measurement_counts(job.job_id)
    reference = client.submit_circuits(circuits, shots=SHOTS)
    reference.wait_for_completion(timeout_secs=240, polling_interval=0.2)
    return {
        "status": str(status.value),
        "sweep_labels": sorted(results.sweep_results),
        "pulse_counts": pulse,
        "server_counts": [dict(c.counts) for c in server],
        "server_keys": [list(c.measurement_keys) for c in server],
        "circuit_counts": [dict(c.counts) for c in reference.result_counts()],
        "pulse_calibration_set": str(job.job_data.compilation.calibration_set_id)
        if job.job_data.compilation
        else None,
    }


def _rabi_playlist(run_definition: Any, qubit: str) -> float:
    """Replace the one segment by one segment per amplitude factor; returns the π amplitude."""
    from iqm.models.playlist import Segment
    from iqm.models.playlist.instructions import Instruction, IQPulse

    playlist = run_definition.sweep_definition.playlist
    drive = playlist.channel_descriptions[f"{qubit}__drive.awg"]
    template = playlist.segments[0]
    pulses = [
        i
        for i in template.instructions[drive.controller_name]
        if isinstance(drive.instruction_table[i].operation, IQPulse)
    ]
    assert len(pulses) == 1, "expected one drive pulse: the π pulse"
    pi = drive.instruction_table[pulses[0]]
    segments = []
    for factor in RABI_FACTORS:
        scaled = replace(
            pi.operation,
            scale_i=pi.operation.scale_i * factor,
            scale_q=pi.operation.scale_q * factor,
        )
        index = drive.add_instruction(Instruction(pi.duration_samples, scaled))
        instructions = {
            name: [index if (name == drive.controller_name and i == pulses[0]) else i for i in idx]
            for name, idx in template.instructions.items()
        }
        segments.append(Segment(instructions))
    playlist.segments[:] = segments
    return float(pi.operation.scale_i)


def _rabi(ctx: Context) -> dict[str, Any]:
    client = make_client(ctx, QC)
    qubit = "QB1"
    circuit = Circuit(
        name="x",
        instructions=(
            _op("prx", (qubit,), angle=math.pi, phase=0.0),
            _op("measure", (qubit,), key="m"),
        ),
    )
    run_definition, context = client.get_standard_compiler().compile([circuit])
    run_definition.sweep_definition.settings.set_shots(RABI_SHOTS)
    pi_amplitude = _rabi_playlist(run_definition, qubit)
    job = client.submit_playlist(run_definition, context=context)
    status = job.wait_for_completion(timeout_secs=240, polling_interval=0.2)
    sweep = job.result_sweep()
    label = f"{qubit}__m"
    data = sweep[label][0].reshape(RABI_SHOTS, len(RABI_FACTORS))  # shots x segments
    return {
        "status": str(status.value),
        "pi_amplitude": pi_amplitude,
        "factors": RABI_FACTORS,
        "excited": [float(x) for x in data.mean(axis=0)],
    }


def _qiskit(ctx: Context) -> dict[str, Any]:
    from iqm.qiskit_iqm import IQMProvider, transpile_to_IQM
    from iqm.qiskit_iqm.pulse_level_utils import qiskit_to_iqm, sweep_job_to_qiskit
    from qiskit import QuantumCircuit

    backend = IQMProvider(ctx.url, quantum_computer=QC).get_backend()
    bell = QuantumCircuit(2, 2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure([0, 1], [0, 1])
    circuits, compiler = qiskit_to_iqm(backend, transpile_to_IQM(bell, backend))
    run_definition, context = compiler.compile(circuits)
    run_definition.sweep_definition.settings.set_shots(SHOTS)
    job = backend.client.submit_playlist(run_definition, context=context)
    job.wait_for_completion(timeout_secs=240, polling_interval=0.2)
    result = sweep_job_to_qiskit(job, shots=SHOTS)
    return {"success": result.success, "counts": dict(result.get_counts())}


if __name__ == "__main__":
    run({"circuits": _circuits, "rabi": _rabi, "qiskit": _qiskit})
