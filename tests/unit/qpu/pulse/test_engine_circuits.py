"""Circuits compiled by IQM's compiler give, on the pulse engine, the circuit path's counts.

Both paths run the same calibration set: the circuit path through its noise model, the pulse
path through IQM's compiler (prx as DRAG pulses, cz as flux pulses, readout as integrated IQ
points). Their count distributions agree to within shot noise plus a small model difference.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from iqm.pulse import Circuit
from iqm.pulse import CircuitOperation as Op

from qstation.qpu.calibration import generate_calibration
from qstation.qpu.circuits import Op as SimOp
from qstation.qpu.circuits import Program
from qstation.qpu.device import DeviceSpec
from qstation.qpu.executor import Executor
from qstation.qpu.pulse.compiler import standard_compiler
from qstation.qpu.pulse.engine import simulate_playlist
from qstation.qpu.pulse.observations import channel_config
from qstation.qpu.pulse.twin import pulse_twin

CATALOG = Path(__file__).parents[4] / "src" / "qstation" / "qpu" / "catalog"
HALF_PI = math.pi / 2
SHOTS = 8000


def _ghz_ops(qubits: list[str]) -> list[tuple[str, tuple[str, ...], float, float]]:
    ops = [("prx", (qubits[0],), HALF_PI, HALF_PI)]
    for a, b in itertools.pairwise(qubits):
        ops += [
            ("prx", (b,), HALF_PI, -HALF_PI),
            ("cz", (a, b), 0.0, 0.0),
            ("prx", (b,), HALF_PI, HALF_PI),
        ]
    return ops


def _tvd(a: Counter[str], b: Counter[str]) -> float:
    na, nb = sum(a.values()), sum(b.values())
    return 0.5 * sum(abs(a[k] / na - b[k] / nb) for k in set(a) | set(b))


@pytest.mark.parametrize("qubits", [["QB1", "QB3"], ["QB1", "QB3", "QB2"]], ids=["bell", "ghz3"])
def test_compiled_circuit_agrees_with_the_circuit_path(qubits: list[str]) -> None:
    spec = DeviceSpec.from_file(CATALOG / "star-5.json")
    cal = generate_calibration(spec, spec.calibration_seed)
    ops = _ghz_ops(qubits)
    # Pulse path: IQM's compiler, then the engine.
    circuit = Circuit(
        name="ghz",
        instructions=(
            *(
                Op(name=n, locus=loc, args={"angle": a, "phase": p} if n == "prx" else {})
                for n, loc, a, p in ops
            ),
            Op(name="measure", locus=tuple(qubits), args={"key": "m"}),
        ),
    )
    run, _ = standard_compiler(spec, cal).compile([circuit])
    sweep = run.sweep_definition
    twin = pulse_twin(spec, cal)
    config = replace(channel_config(sweep.settings, twin), shots=SHOTS)
    bits = simulate_playlist(twin, sweep.playlist, config, np.random.default_rng(11))
    columns = np.stack([bits[f"{q}__m"][0] for q in qubits], axis=1)
    pulse = Counter("".join(map(str, row)) for row in columns)
    # Circuit path: the same gates on the noise model of the same calibration set.
    index = {q: i for i, q in enumerate(qubits)}
    sim_ops = [SimOp(n, tuple(index[q] for q in loc), a, p) for n, loc, a, p in ops]
    sim_ops.append(SimOp("measure", tuple(range(len(qubits))), key="m"))
    program = Program("ghz", list(qubits), sim_ops, [("m", tuple(range(len(qubits))))])
    shots = Executor(cal).run(program, SHOTS, seed=12)["m"]
    circuit_counts = Counter("".join(map(str, row)) for row in shots)
    # Ideal: half all-zeros, half all-ones.
    assert pulse["0" * len(qubits)] + pulse["1" * len(qubits)] > 0.85 * SHOTS
    # Two independent samples of the same distribution over k outcomes differ in TVD by about
    # sqrt(k / (2 pi n)) per sample; allow three times that for both, plus 1 % for the
    # difference between a gate-level noise model and pulse-level physics.
    k = 2 ** len(qubits)
    bound = 3 * 2 * math.sqrt(k / (2 * math.pi * SHOTS)) + 0.01
    assert _tvd(pulse, circuit_counts) < bound, (pulse, circuit_counts)
