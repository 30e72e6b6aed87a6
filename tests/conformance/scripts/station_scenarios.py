"""The station surface through the official ``IQMClient`` (36): artifacts and IQM's compiler.

For every hosted quantum computer: the chip label and topology, the feedback groups, the
settings and channel properties, the experiment configuration under the proxy path, and IQM's
standard compiler built from them, compiling a Bell and a 3-qubit GHZ circuit into playlists.
"""

from __future__ import annotations

import math
from typing import Any

from _harness import Context, make_client, run
from iqm.pulse import Circuit, CircuitOperation

DEVICES = ("star-5", "lattice-20", "lattice-54", "resonator-6")
HALF_PI = math.pi / 2


def _cnot(target: str, pair: tuple[str, str]) -> list[CircuitOperation]:
    """CNOT onto ``target`` as H·CZ·H; the CZ is symmetric, ``pair`` is the calibrated locus."""
    return [
        CircuitOperation(name="prx", locus=(target,), args={"angle": HALF_PI, "phase": -HALF_PI}),
        CircuitOperation(name="cz", locus=pair, args={}),
        CircuitOperation(name="prx", locus=(target,), args={"angle": HALF_PI, "phase": HALF_PI}),
    ]


def _ghz(path: list[str], pairs: list[tuple[str, str]]) -> Circuit:
    h = {"angle": HALF_PI, "phase": HALF_PI}
    ops = [CircuitOperation(name="prx", locus=(path[0],), args=h)]
    for target, pair in zip(path[1:], pairs, strict=True):
        ops += _cnot(target, pair)
    ops.append(CircuitOperation(name="measure", locus=tuple(path), args={"key": "m"}))
    return Circuit(name=f"ghz{len(path)}", instructions=tuple(ops))


def _path(cz_loci: list[tuple[str, str]], length: int) -> tuple[list[str], list[tuple[str, str]]]:
    """A path of ``length`` qubits along calibrated CZ loci (qubits only)."""
    loci = [p for p in cz_loci if all(x.startswith("QB") for x in p)]
    a, b = loci[0]
    path, pairs = [a, b], [loci[0]]
    while len(path) < length:
        end = path[-1]
        pair = next(p for p in loci if end in p and not set(p) <= set(path))
        path.append(pair[0] if pair[1] == end else pair[1])
        pairs.append(pair)
    return path, pairs


def _station(ctx: Context, qc: str) -> dict[str, Any]:
    client = make_client(ctx, qc)
    executor = client._executor  # the client's own transport: the requests it sends are the test
    topology = client.get_chip_topology()
    compiler = client.get_standard_compiler()
    dqa = client.get_dynamic_quantum_architecture()
    cz = [tuple(locus) for locus in dqa.gates["cz"].loci] if "cz" in dqa.gates else []
    out: dict[str, Any] = {
        "chip_label": client.get_chip_label(),
        "qubits": list(topology.qubits_sorted),
        "couplers": len(topology.couplers),
        "feedback_groups": [sorted(g) for g in client.get_feedback_groups()],
        "settings_children": sorted(executor.get_settings().children),
        "channels": sorted(executor.get_channel_properties()),
        "configuration": executor.get_experiment_configuration(),
        "compiled": {},
    }
    circuits = []
    if any(all(x.startswith("QB") for x in p) for p in cz):
        path, pairs = _path(cz, 2)
        circuits.append(_ghz(path, pairs))
        path, pairs = _path(cz, 3)
        circuits.append(_ghz(path, pairs))
    for circuit in circuits:
        run_definition, _ = compiler.compile([circuit])
        sweep = run_definition.sweep_definition
        out["compiled"][circuit.name] = {
            "return_parameters": list(sweep.return_parameters),
            "channels": sorted(sweep.playlist.channel_descriptions),
            "segments": len(sweep.playlist.segments),
        }
    return out


def _scenario(qc: str) -> Any:
    return lambda ctx: _station(ctx, qc)


if __name__ == "__main__":
    run({f"station_{qc}": _scenario(qc) for qc in DEVICES})
