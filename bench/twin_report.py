"""Characterise a digital twin through the public HTTP API and compare with its calibration.

Usage: ``python bench/twin_report.py [--url http://127.0.0.1:8000] [--qc star-5]``. Without
``--url`` an in-process app (with a worker) on a temporary database is used. Prints, per
qubit: T1 (excite, delay sweep, fit), T2* (Ramsey with a phase-advance detuning, fit),
T2-echo (Hahn echo, fit),
readout assignment errors p01/p10 and the prx error from randomized benchmarking, plus the cz
error from interleaved two-qubit RB on one coupler, each next to the published value.
With ``--suite`` it runs IQM's own benchmark suite and qiskit-experiments instead
(:mod:`bench.suite_report`).

The experiments are plain functions of an HTTP client, so ``tests/e2e/test_twin_fidelity.py``
runs the same code against the test app.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import curve_fit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.rb import clifford_1q_sequence, interleaved_cz_sequence

PI = math.pi


def prx(q: str, angle: float, phase: float = 0.0) -> dict[str, Any]:
    return {"name": "prx", "locus": [q], "args": {"angle": angle, "phase": phase}}


def delay(q: str, t: float) -> dict[str, Any]:
    return {"name": "delay", "locus": [q], "args": {"duration": t}}


def measure(*qs: str) -> dict[str, Any]:
    return {"name": "measure", "locus": list(qs), "args": {"key": "m"}}


def run(client: Any, qc: str, circuits: list[list[dict[str, Any]]], shots: int
        ) -> list[dict[str, int]]:
    """Submit one job of ``circuits``; the counts of each (bitstrings of key ``m``)."""
    body = {
        "circuits": [{"name": f"c{i}", "instructions": c, "metadata": {}}
                     for i, c in enumerate(circuits)],
        "shots": shots,
        "max_circuit_duration_over_t2": 0.0,  # the sweeps outlast T2 on purpose
    }
    reply = client.post(f"/api/v1/jobs/{qc}/circuit?use_timeslot=false", json=body)
    assert reply.status_code == 200, reply.text
    job_id = reply.json()["id"]
    done = client.get(f"/qstation/v1/jobs/{job_id}/wait", params={"timeout": 120}).json()
    assert done["status"] == "completed", done
    counts = client.get(f"/api/v1/jobs/{job_id}/artifacts/measurement_counts").json()
    return [c["counts"] for c in counts]


def p_one(counts: dict[str, int]) -> float:
    """P(read 1) of a one-qubit measurement."""
    return counts.get("1", 0) / max(sum(counts.values()), 1)


def published(client: Any, qc: str) -> dict[str, float]:
    """Observation name -> value of the default quality metric set."""
    metrics = client.get(f"/api/v1/calibration-sets/{qc}/default/metrics").json()
    return {o["dut_field"]: float(o["value"]) for o in metrics["observations"]}


def metric(values: dict[str, float], prefix: str, suffix: str) -> float:
    """The one published value whose name starts with ``prefix`` and ends with ``suffix``."""
    return next(v for k, v in values.items() if k.startswith(prefix) and k.endswith(suffix))


def prx_fidelity(values: dict[str, float], q: str) -> float:
    return metric(values, "metrics.rb.prx.", f".{q}.fidelity")


def readout(client: Any, qc: str, q: str, prx_error: float, shots: int = 100_000
            ) -> tuple[float, float]:
    """(p01, p10); the π pulse's own error (the RB figure) is taken out of p10."""
    zero, one = run(client, qc, [[measure(q)], [prx(q, PI), measure(q)]], shots)
    p01 = p_one(zero)
    return p01, (1 - p_one(one) - prx_error * (1 - p01)) / (1 - prx_error)


def t1(client: Any, qc: str, q: str, shots: int = 20_000) -> float:
    """Excite, wait, read: fit A·exp(-t/T1) + B."""
    times = np.array([0.0, 5, 10, 20, 35, 50, 70, 100]) * 1e-6
    counts = run(client, qc, [[prx(q, PI), delay(q, float(t)), measure(q)] for t in times],
                 shots)
    p = np.array([p_one(c) for c in counts])
    (_, tau, _), _ = curve_fit(lambda t, a, tau, b: a * np.exp(-t / tau) + b, times, p,
                               p0=(0.9, 40e-6, 0.02))
    return float(tau)


def t2_ramsey(client: Any, qc: str, q: str, shots: int = 20_000) -> float:
    """Ramsey with a virtual detuning (the second pulse's phase advances by 2π·f·t).

    The second π/2 maps only the transverse Bloch components onto the readout axis, so T1's
    population recovery does not enter: P1 = B + A·exp(-t/T2)·cos(2π f t + φ0).
    """
    f = 0.2e6
    times = np.linspace(0.0, 45e-6, 31)
    circuits = [[prx(q, PI / 2), delay(q, float(t)), prx(q, PI / 2, 2 * PI * f * float(t)),
                 measure(q)] for t in times]
    p = np.array([p_one(c) for c in run(client, qc, circuits, shots)])

    def model(t: np.ndarray, a: float, tau: float, b: float, phi: float) -> np.ndarray:
        return b + a * np.exp(-t / tau) * np.cos(2 * PI * f * t + phi)

    (_, tau, _, _), _ = curve_fit(model, times, p, p0=(0.5, 20e-6, 0.5, 0.0))
    return float(tau)


def t2_echo(client: Any, qc: str, q: str, shots: int = 20_000) -> float:
    """Hahn echo: π/2, wait t/2, π, wait t/2, π/2; fit P1 = B - A·exp(-t/T2echo).

    The π pulse refocuses any detuning that stays constant during a shot (low-frequency
    noise), so this decays with the echo time, not with the Ramsey time T2*. The last π/2
    maps only the transverse components onto the readout axis (T1's recovery does not enter).
    """
    times = np.linspace(0.0, 80e-6, 21)
    circuits = [[prx(q, PI / 2), delay(q, float(t) / 2), prx(q, PI), delay(q, float(t) / 2),
                 prx(q, PI / 2), measure(q)] for t in times]
    p = np.array([p_one(c) for c in run(client, qc, circuits, shots)])
    (_, tau, _), _ = curve_fit(lambda t, a, tau, b: b - a * np.exp(-t / tau), times, p,
                               p0=(0.5, 30e-6, 0.5))
    return float(tau)


def _fit_decay(lengths: np.ndarray, survival: np.ndarray) -> float:
    (_, p, _), _ = curve_fit(lambda m, a, p, b: a * p**m + b, lengths, survival,
                             p0=(0.5, 0.99, 0.5), bounds=([0, 0, 0], [1, 1, 1]))
    return float(p)


def rb_prx(client: Any, qc: str, q: str, seed: int = 1, shots: int = 2000, per_length: int = 16
           ) -> float:
    """Error per prx from single-qubit Clifford RB (Cliffords compiled to prx).

    Sixteen sequences per length: the shots of one circuit share its detuning draws, so more
    sequences, not only more shots, narrow the estimate (on star-5's QB1, 8 x 1000 spread it
    by 6.7 % of the error between runs, 16 x 2000 by 4.0 %).
    """
    rng = np.random.default_rng(seed)
    lengths = np.array([1, 50, 150, 300, 500])
    circuits, n_prx = [], []
    for m in lengths:
        for _ in range(per_length):
            seq = clifford_1q_sequence(int(m), rng)
            circuits.append([prx(q, a, ph) for a, ph in seq] + [measure(q)])
            n_prx.append(len(seq) / (m + 1))
    counts = run(client, qc, circuits, shots)
    survival = np.array([1 - p_one(c) for c in counts]).reshape(len(lengths), -1).mean(axis=1)
    p = _fit_decay(lengths, survival)
    return (1 - p) / 2 / float(np.mean(n_prx))


def irb_cz(client: Any, qc: str, pair: tuple[str, str], seed: int = 2, shots: int = 1000,
           sequences: int = 30, lengths: tuple[int, ...] = (1, 8, 16, 24)) -> float:
    """Error of cz on ``pair`` from interleaved two-qubit Clifford RB.

    The estimate is a ratio of two decays, so its noise is mostly the sequence-to-sequence
    spread: the reference and interleaved runs share their random Cliffords (the spread
    cancels in the ratio). Both fits share one asymptote, measured rather than fitted: the
    probability of reading ``00`` from the fully mixed state, the average over the four basis
    states. Readout errors move it off 1/4; fixed at 1/4 the estimate spread twice as widely
    over sequence seeds, and fitted freely on sequences this short it wanders. Lengths stay
    short enough for the twin's Markovian path (longer ones mix in its quasi-static noise).
    """
    from bench.rb import two_qubit_cliffords

    rng = np.random.default_rng(seed)
    lengths_ = np.array(lengths)
    group = len(two_qubit_cliffords())
    picks = [[rng.integers(group, size=int(m)).tolist() for _ in range(sequences)]
             for m in lengths_]
    basis = [[*(prx(q, PI) for q, flip in zip(pair, bits, strict=True) if flip),
              measure(*pair)] for bits in ((0, 0), (0, 1), (1, 0), (1, 1))]
    floor = float(np.mean([c.get("00", 0) / max(sum(c.values()), 1)
                           for c in run(client, qc, basis, 100_000)]))
    decays = []
    for interleave in (False, True):
        circuits = [[*_two_qubit(interleaved_cz_sequence(int(m), pk, interleave), pair),
                     measure(*pair)]
                    for m, row in zip(lengths_, picks, strict=True) for pk in row]
        counts = run(client, qc, circuits, shots)
        surv = np.array([c.get("00", 0) / max(sum(c.values()), 1) for c in counts])
        (_, p), _ = curve_fit(lambda m, a, p: a * p**m + floor, lengths_,
                              surv.reshape(len(lengths_), -1).mean(1), p0=(0.7, 0.97))
        decays.append(float(p))
    return 3 / 4 * (1 - decays[1] / decays[0])


def _two_qubit(seq: list[tuple[Any, ...]], pair: tuple[str, str]) -> list[dict[str, Any]]:
    out = []
    for op in seq:
        if op[0] == "cz":
            out.append({"name": "cz", "locus": list(pair), "args": {}})
        else:
            _, which, angle, phase = op
            out.append(prx(pair[which], angle, phase))
    return out


def report(client: Any, qc: str) -> None:
    """Print calibrated vs measured for every qubit of ``qc`` and one coupler."""
    values = published(client, qc)
    qubits = sorted({k.split(".")[2] for k in values if k.endswith(".t1_time")})
    print(f"| {qc} qubit | T1 cal / meas (µs) | T2* cal / meas (µs) | T2-echo cal / meas (µs) "
          "| p01 cal / meas | p10 cal / meas | prx error cal / RB |")
    print("|---|---|---|---|---|---|---|")
    for q in qubits:
        prx_err_cal = 1 - prx_fidelity(values, q)
        err = rb_prx(client, qc, q)
        p01, p10 = readout(client, qc, q, err)
        cal01 = metric(values, "metrics.ssro.", f".{q}.error_0_to_1")
        cal10 = metric(values, "metrics.ssro.", f".{q}.error_1_to_0")
        print(f"| {q} | {values[f'characterization.model.{q}.t1_time'] * 1e6:.1f} / "
              f"{t1(client, qc, q) * 1e6:.1f} | "
              f"{values[f'characterization.model.{q}.t2_time'] * 1e6:.1f} / "
              f"{t2_ramsey(client, qc, q) * 1e6:.1f} | "
              f"{values[f'characterization.model.{q}.t2_echo_time'] * 1e6:.1f} / "
              f"{t2_echo(client, qc, q) * 1e6:.1f} | {cal01:.4f} / {p01:.4f} | "
              f"{cal10:.4f} / {p10:.4f} | {prx_err_cal:.5f} / {err:.5f} |")
    cz = next((k for k in values if k.startswith("metrics.irb.cz")), None)
    if cz is not None:
        pair = tuple(cz.split(".")[3].split("__"))
        assert len(pair) == 2
        print(f"\ncz {pair[0]}-{pair[1]}: error calibrated {1 - values[cz]:.4f}, "
              f"interleaved RB {irb_cz(client, qc, (pair[0], pair[1])):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="a running qstation server")
    parser.add_argument("--qc", default="star-5")
    parser.add_argument("--suite", action="store_true",
                        help="IQM's benchmark suite and qiskit-experiments instead "
                             "(bench/suite_report.py; star-5 and lattice-20)")
    args = parser.parse_args()
    if args.suite:
        from bench.suite_report import report_suite

        report_suite(args.url)
        return
    if args.url:
        import httpx

        with httpx.Client(base_url=args.url, timeout=300) as client:
            report(client, args.qc)
        return
    import tempfile

    from fastapi.testclient import TestClient
    from tests.support.servers import InProcessWorker

    from qstation.server.app import create_app
    from qstation.server.config import Settings
    from qstation.store import migrate

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), qc=[args.qc])
        migrate.upgrade(settings.resolved_database_url())
        with TestClient(create_app(settings)) as client, InProcessWorker(
            settings.resolved_database_url(), settings.notify_dir
        ):
            report(client, args.qc)


if __name__ == "__main__":
    main()
