"""IQM's pulse-level Qiskit flow (``iqm.qiskit_iqm.pulse_level_utils``, 36) against qstation.

For every quantum computer the server lists: a Qiskit GHZ circuit, transpiled for the backend,
converted with ``qiskit_to_iqm`` and compiled by the compiler it returns; and the same circuit,
untranspiled, through ``get_qiskit_compiler`` (Qiskit transpilation and MOVE routing as compiler
stages). Each reports the compiled playlist's channels and return parameters. The second
playlist is then submitted with the client's ``submit_playlist`` and its results read back as
a Qiskit ``Result`` (``sweep_job_to_qiskit``); a playlist the twin cannot play (a MOVE's flux
pulse on a qubit) reports the client's error instead.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from typing import Any

from _harness import Context, describe_error, run

SHOTS = 500


def _ghz(n: int) -> Any:
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(n, name=f"ghz{n}")
    circuit.h(0)
    for target in range(1, n):
        circuit.cx(0, target)
    circuit.measure_all()
    return circuit


def _summary(run_definition: Any) -> dict[str, Any]:
    sweep = run_definition.sweep_definition
    return {
        "return_parameters": sorted(sweep.return_parameters),
        "channels": sorted(sweep.playlist.channel_descriptions),
        "segments": len(sweep.playlist.segments),
    }


def _flow(ctx: Context, qc: str) -> dict[str, Any]:
    from iqm.qiskit_iqm import IQMProvider
    from iqm.qiskit_iqm.pulse_level_utils import get_qiskit_compiler, qiskit_to_iqm
    from qiskit import transpile

    backend = IQMProvider(ctx.url, quantum_computer=qc).get_backend()
    ghz = _ghz(3)
    circuits, compiler = qiskit_to_iqm(backend, transpile(ghz, backend, seed_transpiler=1))
    converted, _ = compiler.compile(circuits)
    qiskit_compiler = get_qiskit_compiler(backend)
    direct, context = qiskit_compiler.compile([ghz])
    return {
        "qubits": backend.num_qubits,
        "qiskit_to_iqm": _summary(converted),
        "qiskit_compiler": _summary(direct),
        "instructions": sorted({op.name for c in circuits for op in c.instructions}),
        "run": _run(backend, direct, context),
    }


def _run(backend: Any, run_definition: Any, context: dict[str, Any]) -> dict[str, Any]:
    from iqm.qiskit_iqm.pulse_level_utils import sweep_job_to_qiskit

    run_definition.sweep_definition.settings.set_shots(SHOTS)
    try:
        job = backend.client.submit_playlist(run_definition, context=context)
        job.wait_for_completion(timeout_secs=240, polling_interval=0.2)
        result = sweep_job_to_qiskit(job, shots=SHOTS)
    except Exception as err:  # the test side asserts on what the client raised
        return {"raised": True, **describe_error(err)}
    if not result.success:
        errors = [str(getattr(e, "message", e)) for e in job.job_data.errors]
        return {"raised": False, "success": False, "status": str(job.status), "errors": errors}
    return {"raised": False, "success": True, "counts": dict(result.get_counts())}


def _hosted(url: str) -> list[str]:
    """The aliases of the quantum computers the server lists."""
    with urllib.request.urlopen(f"{url}/api/v1/quantum-computers", timeout=30) as response:
        return [qc["alias"] for qc in json.load(response)["quantum_computers"]]


def _scenario(qc: str) -> Any:
    return lambda ctx: _flow(ctx, qc)


if __name__ == "__main__":
    hosted = _hosted(sys.argv[1]) if len(sys.argv) > 1 else []
    run({f"pulse_qiskit_{qc}": _scenario(qc) for qc in hosted})
