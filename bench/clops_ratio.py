"""CLOPS through the Qiskit adapter as a ratio to the same rounds simulated in this process.

Both sides bind the same transpiled QV-32 templates (``bench/clops.py``) round after round,
each round's parameters derived from the previous round's counts. The adapter side submits
through a real ``qstation serve``; the reference converts the bound circuits with the
adapter's own converter, compiles and simulates them here with the same calibration. The
ratio is what the service (HTTP, queue, worker, result formatting) leaves of CLOPS.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from qiskit import QuantumCircuit, transpile
from tests.support.servers import serve_process

from bench.clops import LAYERS, next_parameters, run_rounds, template

DEVICE = "lattice-20"


def in_process_rounds(
    templates: list[QuantumCircuit], arch: object, updates: int, shots: int
) -> float:
    """The rounds of :func:`bench.clops.run_rounds`, simulated here; returns seconds."""
    from qstation.adapters.qiskit._convert import to_native
    from qstation.qpu.calibration import generate_calibration
    from qstation.qpu.executor import Executor
    from qstation.qpu.registry import get_device
    from qstation.qpu.validate import Compiler, RawInstruction

    spec = get_device(DEVICE)
    cal = generate_calibration(spec, spec.calibration_seed)
    executor = Executor(cal)
    rng = np.random.default_rng(1)
    values = [rng.uniform(0, 2 * np.pi, t.num_parameters) for t in templates]
    started = time.perf_counter()
    for _ in range(updates):
        compiler = Compiler(spec, cal)
        counts: list[dict[str, int]] = []
        for t, v in zip(templates, values, strict=True):
            native = to_native(t.assign_parameters(v), arch)  # type: ignore[arg-type]
            raw = [RawInstruction(i["name"], i["locus"], i["args"]) for i in native["instructions"]]
            program = compiler.compile(native["name"], raw, {})
            bits = executor.run(program, shots, seed=len(counts))
            rows, n = np.unique(
                np.concatenate(list(bits.values()), axis=1), axis=0, return_counts=True
            )
            counts.append({"".join(map(str, r)): int(c) for r, c in zip(rows, n, strict=True)})
        values = [next_parameters(c, len(v)) for c, v in zip(counts, values, strict=True)]
    return time.perf_counter() - started


def clops_ratio(tmp: Path, quick: bool) -> list[tuple[str, str, str, float, str, bool]]:
    """The CLOPS rows of the request-path table: each round as one job (the target's row),
    and each round as four jobs, which the service overlaps (the client converts and
    submits the next while the worker runs the last)."""
    from qstation.adapters.qiskit import IQMProvider

    m, k, shots = (20, 3, 100) if quick else (100, 5, 100)
    batches = (m, m // 4)
    rng = np.random.default_rng(7)
    templates = [template(i, rng) for i in range(m)]
    with serve_process(tmp / "clops", (DEVICE,)) as url:
        backend = IQMProvider(url, quantum_computer=DEVICE).get_backend()
        compiled = transpile(templates, backend, optimization_level=1, seed_transpiler=3)
        for batch in batches:  # warm-up: imports, worker caches, the checker process
            run_rounds(backend, compiled, 1, shots, batch)
        in_process_rounds(compiled[:5], backend.architecture, 1, shots)
        served: dict[int, list[float]] = {b: [] for b in batches}
        local = []
        for _ in range(2):  # interleaved, so that load on the machine hits both
            for batch in batches:
                served[batch].append(run_rounds(backend, compiled, k, shots, batch))
            local.append(in_process_rounds(compiled, backend.architecture, k, shots))
    work = m * k * shots * LAYERS
    ref = work / min(local)
    rows = []
    for batch in batches:
        ours = work / min(served[batch])
        jobs = "one job" if batch == m else f"{m // batch} jobs"
        rows.append((
            f"CLOPS, {m} QV-32 templates x {k} rounds x {shots} shots on {DEVICE}, "
            f"{jobs} per round",
            f"{ours:,.0f} via Qiskit adapter",
            f"{ref:,.0f} in-process simulation",
            ours / ref,
            "≥ 0.8x" if batch == m else "(for comparison)",
            ours / ref >= 0.8,
        ))
    return rows
