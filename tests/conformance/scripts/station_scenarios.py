"""The station surface through the official ``IQMClient`` (36): artifacts and IQM's compiler.

For every quantum computer the server lists (scenario ``station_<alias>``): the chip label and
topology, the feedback groups, the settings and channel properties, the experiment
configuration under the proxy path, and IQM's standard compiler built from them, compiling a
Bell and a 3-qubit GHZ circuit, a circuit with a CZ on every calibrated locus in both orders, a
conditional reset and, on resonator devices, a MOVE-mediated CZ into playlists.
"""

from __future__ import annotations

import json
import math
import sys
import urllib.request
from typing import Any

from _harness import Context, make_client, run
from iqm.pulse import Circuit, CircuitOperation

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


def _every_cz(loci: list[tuple[str, str]]) -> Circuit:
    """A CZ on every locus as the architecture lists it, then reversed (the CZ is symmetric)."""
    ops = [CircuitOperation(name="cz", locus=p, args={}) for p in loci]
    ops += [CircuitOperation(name="cz", locus=p[::-1], args={}) for p in loci]
    qubits = tuple(dict.fromkeys(q for p in loci for q in p))
    ops.append(CircuitOperation(name="measure", locus=qubits, args={"key": "m"}))
    return Circuit(name="every_cz", instructions=tuple(ops))


def _reset(qubit: str) -> Circuit:
    """Excite, reset (measure, then a conditional π pulse), measure."""
    ops = (
        CircuitOperation(name="prx", locus=(qubit,), args={"angle": math.pi, "phase": 0.0}),
        CircuitOperation(name="reset", locus=(qubit,), args={}),
        CircuitOperation(name="measure", locus=(qubit,), args={"key": "m"}),
    )
    return Circuit(name="reset", instructions=ops)


def _move_cz(move: tuple[str, str], cz: tuple[str, str]) -> Circuit:
    """A qubit's state moved into the resonator, a CZ with another qubit there, moved back."""
    q, other = move[0], next(c for c in cz if c != move[1])
    h = {"angle": HALF_PI, "phase": HALF_PI}
    ops = (
        CircuitOperation(name="prx", locus=(q,), args=h),
        CircuitOperation(name="prx", locus=(other,), args=h),
        CircuitOperation(name="move", locus=move, args={}),
        CircuitOperation(name="cz", locus=cz, args={}),
        CircuitOperation(name="move", locus=move, args={}),
        CircuitOperation(name="measure", locus=(q, other), args={"key": "m"}),
    )
    return Circuit(name="move_cz", instructions=ops)


def _circuits(dqa: Any) -> list[Circuit]:
    gates = dqa.gates
    cz = [tuple(locus) for locus in gates["cz"].loci] if "cz" in gates else []
    qubit_cz = [p for p in cz if all(x.startswith("QB") for x in p)]
    circuits = [_reset(dqa.qubits[0])]
    if qubit_cz:
        circuits += [_ghz(*_path(cz, 2)), _ghz(*_path(cz, 3)), _every_cz(qubit_cz)]
    if "move" in gates:
        move = tuple(gates["move"].loci[0])
        circuits.append(_move_cz(move, next(p for p in cz if move[1] in p and move[0] not in p)))
    return circuits


def _station(ctx: Context, qc: str) -> dict[str, Any]:
    client = make_client(ctx, qc)
    executor = client._executor  # the client's own transport: the requests it sends are the test
    topology = client.get_chip_topology()
    compiler = client.get_standard_compiler()
    dqa = client.get_dynamic_quantum_architecture()
    out: dict[str, Any] = {
        "chip_label": client.get_chip_label(),
        "qubits": list(topology.qubits_sorted),
        "couplers": len(topology.couplers),
        "feedback_groups": [sorted(g) for g in client.get_feedback_groups()],
        "settings_children": sorted(executor.get_settings().children),
        "channels": sorted(executor.get_channel_properties()),
        "configuration": executor.get_experiment_configuration(),
        "cz_loci": len({frozenset(p) for p in dqa.gates["cz"].loci}) if "cz" in dqa.gates else 0,
        "compiled": {},
    }
    for circuit in _circuits(dqa):
        run_definition, _ = compiler.compile([circuit])
        sweep = run_definition.sweep_definition
        channels = sweep.playlist.channel_descriptions
        out["compiled"][circuit.name] = {
            "return_parameters": list(sweep.return_parameters),
            "channels": sorted(channels),
            "segments": len(sweep.playlist.segments),
            "operations": sorted(
                {type(i.operation).__name__ for c in channels.values() for i in c.instruction_table}
            ),
        }
    return out


def _scenario(qc: str) -> Any:
    return lambda ctx: _station(ctx, qc)


def _hosted(url: str) -> list[str]:
    """The aliases of the quantum computers the server lists."""
    with urllib.request.urlopen(f"{url}/api/v1/quantum-computers", timeout=30) as response:
        return [qc["alias"] for qc in json.load(response)["quantum_computers"]]


if __name__ == "__main__":
    hosted = _hosted(sys.argv[1]) if len(sys.argv) > 1 else []
    run({f"station_{qc}": _scenario(qc) for qc in hosted})
