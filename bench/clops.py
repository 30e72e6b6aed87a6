"""CLOPS (circuit layer operations per second), measured the IBM way, through our Qiskit adapter.

    .venv/bin/python -m bench.clops [--templates 100] [--updates 10] [--shots 100] [--batch 100]

M parametrized QV-32 templates (5 qubits, 5 layers of random-pair SU(4) blocks) are
transpiled once for ``lattice-20``; then K rounds each bind fresh parameters to every
template, run them, and derive the next round's parameters from the measured counts (the
feedback loop CLOPS asks for). CLOPS = M x K x S x D / elapsed, with D = log2(QV) = 5 layers;
elapsed covers binding, conversion, submission, queueing, simulation and result retrieval of
all K rounds, against a real ``qstation serve`` (one worker, noise on) on this machine.
Templates of a round run ``--batch`` per job (they are independent; rounds are sequential).
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

import numpy as np
from qiskit import QuantumCircuit, transpile
from qiskit.circuit import ParameterVector
from tests.support.servers import serve_process

from qstation.adapters.qiskit import IQMBackendBase, IQMProvider

QUBITS = LAYERS = 5  # QV-32
PUBLISHED = [("IQM Garnet (published)", 2_600), ("IBM Heron r2 (published)", 210_000)]


def template(index: int, rng: np.random.Generator) -> QuantumCircuit:
    """One QV-32 template in native gates, as CLOPS templates are: each layer pairs the
    qubits at random; each pair gets a parametrized SU(4) block of ``r`` gates around three
    CZs (24 angles per block)."""
    per_block = 24
    params = ParameterVector(f"t{index}", LAYERS * (QUBITS // 2) * per_block)
    qc = QuantumCircuit(QUBITS, QUBITS, name=f"qv32-{index}")
    it = iter(params)
    for _ in range(LAYERS):
        order = rng.permutation(QUBITS)
        for a, b in zip(order[0::2], order[1::2], strict=False):
            pair = (int(a), int(b))
            for step in range(4):
                for q in pair:
                    qc.r(next(it), next(it), q)
                    if step in (0, 3):
                        qc.r(next(it), next(it), q)
                if step < 3:
                    qc.cz(*pair)
    qc.measure(range(QUBITS), range(QUBITS))
    return qc


def next_parameters(counts: dict[str, int], size: int) -> np.ndarray:
    """Parameters of the next round, derived from this round's results."""
    digest = hashlib.sha256(repr(sorted(counts.items())).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little")).uniform(0, 2 * np.pi, size)


def run_rounds(backend: IQMBackendBase, templates: list[QuantumCircuit], updates: int,
               shots: int, batch: int) -> float:
    """Run the K rounds; returns the elapsed seconds."""
    rng = np.random.default_rng(1)
    values = [rng.uniform(0, 2 * np.pi, t.num_parameters) for t in templates]
    started = time.perf_counter()
    for _ in range(updates):
        bound = [t.assign_parameters(v) for t, v in zip(templates, values, strict=True)]
        jobs = [backend.run(bound[i:i + batch], shots=shots)
                for i in range(0, len(bound), batch)]
        counts = [c for job in jobs for c in _as_list(job.result(timeout=600).get_counts())]
        values = [next_parameters(c, len(v)) for c, v in zip(counts, values, strict=True)]
    return time.perf_counter() - started


def _as_list(counts: object) -> list[dict[str, int]]:
    return counts if isinstance(counts, list) else [counts]  # type: ignore[list-item,return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templates", type=int, default=100)
    parser.add_argument("--updates", type=int, default=10)
    parser.add_argument("--shots", type=int, default=100)
    parser.add_argument("--batch", type=int, default=100, help="templates per job")
    parser.add_argument("--device", default="lattice-20")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    templates = [template(i, rng) for i in range(args.templates)]
    with tempfile.TemporaryDirectory() as tmp, serve_process(Path(tmp) / "data",
                                                             (args.device,)) as url:
        backend = IQMProvider(url, quantum_computer=args.device).get_backend()
        t0 = time.perf_counter()
        compiled = transpile(templates, backend, optimization_level=1, seed_transpiler=3)
        transpile_s = time.perf_counter() - t0
        backend.run(compiled[0].assign_parameters(np.zeros(compiled[0].num_parameters)),
                    shots=args.shots).result(timeout=120)  # warm-up: worker caches, imports
        elapsed = run_rounds(backend, compiled, args.updates, args.shots, args.batch)
    work = args.templates * args.updates * args.shots * LAYERS
    clops = work / elapsed
    print(f"\nCLOPS on {args.device}: M={args.templates} templates x K={args.updates} updates x "
          f"S={args.shots} shots x D={LAYERS} layers = {work:,} layer-shots in {elapsed:.2f} s "
          f"(template transpilation, once: {transpile_s:.2f} s; batch {args.batch})\n")
    print(f"| {'system':<40} | {'CLOPS':>9} |\n|{'-' * 42}|{'-' * 11}|")
    label = f"qstation {args.device} via Qiskit adapter (here)"
    for name, value in [(label, round(clops)), *PUBLISHED]:
        print(f"| {name:<40} | {value:>9,} |")
    with_transpile = work / (elapsed + transpile_s)
    print(f"\nIncluding the one-off template transpilation: {with_transpile:,.0f} CLOPS")


if __name__ == "__main__":
    main()
