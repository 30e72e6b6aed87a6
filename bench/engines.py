"""Benchmark qstation's engines against qiskit-aer and qsim (when installed), same process.

Usage: ``python bench/engines.py [--quick]``. Times are medians of a few repeats after one
warm-up; ``ratio`` = qstation time / reference time (below 1 means qstation is faster).
Sizes whose predicted time exceeds the per-row budget are skipped and listed as such.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from qstation.qpu.calibration import CalibrationData, generate_calibration
from qstation.qpu.circuits import Op, Program
from qstation.qpu.executor import Executor
from qstation.qpu.registry import get_device

QUICK = "--quick" in sys.argv
BUDGET_S = 8.0 if QUICK else 30.0
HALF_PI = math.pi / 2


def timeit(fn: Callable[[], object], repeats: int = 3) -> float:
    """Median wall time of ``fn`` after one warm-up (fewer repeats for slow calls)."""
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    if first > BUDGET_S / 4:
        return first
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def ghz(n: int) -> Program:
    ops = [Op("prx", (0,), HALF_PI, HALF_PI)]
    for q in range(1, n):
        ops += [Op("prx", (q,), HALF_PI, HALF_PI), Op("cz", (q - 1, q)),
                Op("prx", (q,), -HALF_PI, HALF_PI)]
    ops.append(Op("measure", tuple(range(n)), key="m"))
    return Program("ghz", [f"QB{i + 1}" for i in range(n)], ops, [("m", tuple(range(n)))])


def layered(names: list[str], couplers: list[tuple[int, int]], depth: int, seed: int,
            clifford: bool = False) -> Program:
    """Random prx on every qubit, then cz on a random matching of ``couplers``, per layer."""
    rng = np.random.default_rng(seed)
    n = len(names)
    ops: list[Op] = []
    for _ in range(depth):
        for q in range(n):
            if clifford:
                a, p = rng.integers(1, 4) * HALF_PI, rng.integers(0, 4) * HALF_PI
            else:
                a, p = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
            ops.append(Op("prx", (q,), float(a), float(p)))
        used: set[int] = set()
        for k in rng.permutation(len(couplers)):
            a, b = couplers[k]
            if a not in used and b not in used:
                used |= {a, b}
                ops.append(Op("cz", (a, b)))
    ops.append(Op("measure", tuple(range(n)), key="m"))
    return Program("layered", names, ops, [("m", tuple(range(n)))])


def line(n: int, depth: int, seed: int, clifford: bool = False) -> Program:
    return layered([f"QB{i + 1}" for i in range(n)], [(i, i + 1) for i in range(n - 1)],
                   depth, seed, clifford)


def lattice(depth: int, seed: int, device: str = "lattice-20") -> Program:
    spec = get_device(device)
    index = {q: i for i, q in enumerate(spec.qubits)}
    couplers = [(index[a], index[b]) for a, b in spec.couplers]
    return layered(list(spec.qubits), couplers, depth, seed)


# ---------------------------------------------------------------- qiskit-aer reference


def aer_clifford_prx(qc, q: int, angle: float, phase: float) -> None:  # type: ignore[no-untyped-def]
    """prx at quarter turns in gate names Aer's stabilizer method accepts."""
    rz = (None, qc.s, qc.z, qc.sdg)
    rx = (None, qc.sx, qc.x, qc.sxdg)
    t, p = round(angle / HALF_PI) % 4, round(phase / HALF_PI) % 4
    for gate in (rz[(-p) % 4], rx[t], rz[p]):  # RZ(φ)·RX(θ)·RZ(-φ), rightmost first
        if gate is not None and t:
            gate(q)


def aer_circuit(prog: Program, clifford: bool = False):  # type: ignore[no-untyped-def]
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(prog.n, prog.n)
    for op in prog.ops:
        if op.name == "prx" and clifford:
            aer_clifford_prx(qc, op.qubits[0], op.angle, op.phase)
        elif op.name == "prx":
            qc.r(op.angle, op.phase, op.qubits[0])
        elif op.name == "cz":
            qc.cz(*op.qubits)
        elif op.name == "measure":
            qc.measure(list(op.qubits), list(op.qubits))
    return qc


def aer_noise(cal: CalibrationData, names: list[str]):  # type: ignore[no-untyped-def]
    from qiskit_aer.noise import (
        NoiseModel,
        ReadoutError,
        depolarizing_error,
        thermal_relaxation_error,
    )

    model = NoiseModel()
    d = cal.durations
    for i, name in enumerate(names):
        q = cal.qubits[name]
        t2 = min(q.t2, 2 * q.t1)
        err = depolarizing_error(2 * (1 - q.prx_fidelity), 1).compose(
            thermal_relaxation_error(q.t1, t2, d["prx"]))
        model.add_quantum_error(err, ["r"], [i])
        model.add_readout_error(ReadoutError([[1 - q.readout_p01, q.readout_p01],
                                              [q.readout_p10, 1 - q.readout_p10]]), [i])
    for key, fid in cal.pairs.items():
        gate, _, locus = key.partition(":")
        a, b = locus.split(",")
        if gate != "cz" or a not in names or b not in names:
            continue
        ia, ib = names.index(a), names.index(b)
        qa, qb = cal.qubits[a], cal.qubits[b]
        relax = thermal_relaxation_error(qa.t1, min(qa.t2, 2 * qa.t1), d["cz"]).expand(
            thermal_relaxation_error(qb.t1, min(qb.t2, 2 * qb.t1), d["cz"]))
        err = depolarizing_error(min(4 / 3 * (1 - fid), 1), 2).compose(relax)
        model.add_quantum_error(err, ["cz"], [ia, ib])
    return model


def aer_run(progs: list[Program], shots: int, method: str, noise=None) -> float:  # type: ignore[no-untyped-def]
    from qiskit_aer import AerSimulator

    sim = AerSimulator(method=method, noise_model=noise)
    circs = [aer_circuit(p, clifford=method == "stabilizer") for p in progs]
    return timeit(lambda: sim.run(circs, shots=shots).result())


# ---------------------------------------------------------------- qsim reference


def qsim_run(progs: list[Program], shots: int) -> float | None:
    """qsim run directly (conversion from our instruction list included), or None."""
    try:
        import cirq
        import qsimcirq
    except ImportError:
        return None
    sim = qsimcirq.QSimSimulator(qsimcirq.QSimOptions(cpu_threads=0))

    def go() -> None:
        for prog in progs:
            qs = cirq.LineQubit.range(prog.n)
            ops = []
            for op in prog.ops:
                if op.name == "prx":
                    ops.append(cirq.PhasedXPowGate(phase_exponent=op.phase / math.pi,
                                                   exponent=op.angle / math.pi)(qs[op.qubits[0]]))
                elif op.name == "cz":
                    ops.append(cirq.CZ(qs[op.qubits[0]], qs[op.qubits[1]]))
                elif op.name == "measure":
                    ops.append(cirq.measure(*(qs[q] for q in op.qubits), key="m"))
            sim.run(cirq.Circuit(ops), repetitions=shots)

    return timeit(go)


# ---------------------------------------------------------------- table


def fmt(t: float | None) -> str:
    if t is None:
        return "skip"
    return f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s"


def row(label: str, ours: float | None, ref: float | None, note: str = "",
        qsim: float | None = None) -> None:
    """One table row; ``ratio`` is ours over the fastest reference measured."""
    refs = [r for r in (ref, qsim) if r]
    best = min(refs) if refs else None
    ratio = f"{ours / best:.2f}" if ours and best else "-"
    print(f"| {label:<42} | {fmt(ours):>10} | {fmt(ref):>10} | {fmt(qsim):>10} | {ratio:>6} "
          f"| {note}")


def main() -> None:
    print("command: " + " ".join([Path(sys.executable).name, *sys.argv]))
    print("| case | qstation | qiskit-aer | qsim | ratio vs fastest | qstation engine / note")
    print("|---|---|---|---|---|---")
    ideal = Executor(None)
    cal = generate_calibration(get_device("lattice-54"), seed=1)
    noisy = Executor(cal)
    for n in (5, 10, 15, 20, 24):
        p = ghz(n)
        ours = timeit(lambda p=p: ideal.run(p, 1000, seed=1))
        sv = Executor(None, engine="statevector")
        ours_sv = timeit(lambda p=p, sv=sv: sv.run(p, 1000, seed=1)) if n <= 22 else None
        ref = aer_run([p], 1000, "statevector") if n <= 24 else None
        row(f"GHZ n={n} ideal 1000 shots", ours, ref, ideal.engine_for(p)
            + (f"; statevector engine {fmt(ours_sv)}" if ours_sv else ""),
            qsim_run([p], 1000))
    print("| GHZ n=25..28 | skip | skip | skip | - | skipped: >30 s each on 2 cores")
    for depth, sizes in ((20, (5, 12, 16, 20, 22, 24)), (100, (5, 12, 16, 20))):
        for n in sizes:
            p = line(n, depth, seed=n)
            ours = timeit(lambda p=p: ideal.run(p, 1000, seed=1))
            ref = aer_run([p], 1000, "statevector") if n <= 22 else None
            row(f"random n={n} d{depth} ideal 1000 shots", ours, ref, ideal.engine_for(p),
                qsim_run([p], 1000))
    for n in (5, 8, 12):
        p = line(n, 20, seed=n)
        names = p.components
        ours = timeit(lambda p=p: noisy.run(p, 1000, seed=1))
        ref = aer_run([p], 1000, "automatic", aer_noise(cal, names)) if n <= 8 else None
        row(f"random n={n} d20 noisy 1000 shots", ours, ref, noisy.engine_for(p))
    lcal = generate_calibration(get_device("lattice-20"), seed=1)
    lnoisy = Executor(lcal)
    for depth in (5, 20):
        p = lattice(depth, seed=depth)
        ours = timeit(lambda p=p: lnoisy.run(p, 1000, seed=1), repeats=1)
        row(f"lattice-20 d{depth} noisy 1000 shots", ours, None,
            lnoisy.engine_for(p) + "; Aer ~950 s, qsim trajectories ~60 s (research)")
    small = [line(5, 20, seed=s) for s in range(1000)]
    t_ideal = timeit(lambda: [ideal.run(p, 100, seed=1) for p in small], repeats=1)
    ref = aer_run(small[:100], 100, "statevector")
    qs = qsim_run(small[:100], 100)
    row("1000 x 5q d20 100 shots ideal", t_ideal, ref * 10 if ref else None,
        ideal.engine_for(small[0]) + "; references: 100 circuits, x10",
        qs * 10 if qs else None)
    t_noisy = timeit(lambda: [noisy.run(p, 100, seed=1) for p in small], repeats=1)
    ref = aer_run(small[:100], 100, "density_matrix", aer_noise(cal, small[0].components))
    row("1000 x 5q d20 100 shots noisy", t_noisy, ref * 10 if ref else None,
        f"{noisy.engine_for(small[0])}; {1000 / t_noisy:.0f} circuits/s; Aer: 100 batched, x10")
    bell = ghz(2)
    ours = timeit(lambda: noisy.run(bell, 1000, seed=1), repeats=20)
    ref = aer_run([bell], 1000, "density_matrix", aer_noise(cal, bell.components))
    row("noisy Bell 1000 shots", ours, ref, noisy.engine_for(bell))
    for depth in (20, 100):
        p = line(54, depth, seed=depth, clifford=True)
        ours = timeit(lambda p=p: noisy.run(p, 1000, seed=1))
        ref = aer_run([p], 1000, "stabilizer")
        row(f"54q Clifford d{depth} noisy 1000 shots", ours, ref,
            noisy.engine_for(p) + "; Aer stabilizer run ideal (noisy ~70 s)")
    p = ghz(54)
    row("54q GHZ noisy 1000 shots", timeit(lambda: noisy.run(p, 1000, seed=1)),
        aer_run([p], 1000, "stabilizer"), noisy.engine_for(p) + "; Aer ideal")
    try:
        import qsimcirq  # noqa: F401
    except ImportError:
        print("qsim (qsimcirq) is not installed: its column shows 'skip'.")


if __name__ == "__main__":
    main()
