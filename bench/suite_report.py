"""IQM's open benchmark suite and qiskit-experiments against the twins, next to the calibration.

Usage: ``python -m bench.suite_report [--url http://127.0.0.1:8000]``. Runs the scenarios of
``tests/conformance/scripts/benchmark_suite.py`` (``iqm-benchmarks`` 3.0.0 and
qiskit-experiments, unmodified, in their cached venv, through the official client) against a
server hosting ``star-5`` and ``lattice-20`` (started here without ``--url``; a given server
needs its duration guard off, ``QSTATION_MAX_CIRCUIT_DURATION_OVER_T2=0``) and prints each
figure with its error bar beside the published value. A few minutes of CPU;
``tests/conformance/test_benchmark_suite.py`` asserts the same comparisons.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conformance.runner import SCRIPTS_DIR, script_env
from tests.conformance.venvs import SUITE_REQUIREMENTS, SUITE_VENV, ensure_named_venv
from tests.support.servers import serve_process

SCENARIOS = ("coherence_t1", "coherence_t2_echo", "clifford_rb", "interleaved_rb",
             "qiskit_experiments")
Row = tuple[str, str, str, dict[str, Any], float]


def published(url: str, qc: str) -> dict[str, float]:
    """The default calibration set's observations of ``qc``, by IQM field name."""
    with httpx.Client(base_url=url, timeout=30) as http:
        body = http.get(f"/api/v1/calibration-sets/{qc}/default/metrics").json()
    return {o["dut_field"]: float(o["value"]) for o in body["observations"]}


def run_suite(url: str) -> dict[str, Any]:
    """Each scenario's result (the script's JSON report), run in the suite's venv."""
    python = ensure_named_venv(SUITE_VENV, SUITE_REQUIREMENTS) / "bin" / "python"
    done = subprocess.run(
        [str(python), str(SCRIPTS_DIR / "benchmark_suite.py"), url, *SCENARIOS],
        cwd=SCRIPTS_DIR, env=script_env(), capture_output=True, timeout=3600, check=False,
    )
    lines = done.stdout.decode(errors="replace").strip().splitlines()
    if not lines:
        sys.exit(f"the benchmark script gave no report:\n{done.stderr.decode()[-3000:]}")
    scenarios: dict[str, Any] = json.loads(lines[-1])["scenarios"]
    return {name: s["result"] for name, s in scenarios.items() if s["ok"]}


def _qubit(index: str) -> str:
    return "QB" + str(int(index.strip("[]")) + 1)


def rows(results: dict[str, Any], star: dict[str, float], lattice: dict[str, float]) -> list[Row]:
    """(benchmark, figure, locus, measured, published) for every comparable figure."""
    out: list[Row] = []
    for scenario, name, field in (("coherence_t1", "T1", "t1_time"),
                                  ("coherence_t2_echo", "T2_echo", "t2_echo_time")):
        for obs in sorted(results.get(scenario, []), key=lambda o: str(o["qubits"])):
            if obs["name"] == name:
                q = _qubit(obs["qubits"])
                out.append(("coherence", name, q, obs,
                            star[f"characterization.model.{q}.{field}"]))
    for obs in results.get("clifford_rb", []):
        if obs["name"] == "average_native_gate_fidelity":
            q = _qubit(obs["qubits"])
            out.append(("Clifford RB", "prx fidelity", q, obs,
                        star[f"metrics.rb.prx.drag_gaussian.{q}.fidelity"]))
    # The interleaved estimate comes first (IQM lists the interleaved fit before the reference).
    irb = results.get("interleaved_rb", [])
    cz = [o for o in irb if o["name"] == "average_gate_fidelity_CZGate"]
    if cz:
        out.append(("interleaved RB", "cz fidelity", "QB1-QB2", cz[0],
                    lattice["metrics.irb.cz.tgss.QB1__QB2.fidelity"]))
    qe = results.get("qiskit_experiments", {})
    for key, field in (("T1.T1", "t1_time"), ("T2Ramsey.T2star", "t2_time"),
                       ("T2Hahn.T2", "t2_echo_time")):
        if key in qe:
            out.append(("qiskit-experiments", key, "QB1", qe[key],
                        star[f"characterization.model.QB1.{field}"]))
    if "StandardRB.EPG_r" in qe:
        out.append(("qiskit-experiments", "StandardRB EPG_r", "QB1", qe["StandardRB.EPG_r"],
                    1 - star["metrics.rb.prx.drag_gaussian.QB1.fidelity"]))
    return out


def _fmt(value: float, seconds: bool) -> str:
    return f"{value * 1e6:.2f} µs" if seconds else f"{value:.5f}"


def print_table(table: list[Row]) -> None:
    """The rows as a Markdown table, with each difference in the figure's own error bars."""
    print("| benchmark | figure | locus | measured ± error | published | difference in errors |")
    print("|---|---|---|---|---|---|")
    for bench, figure, locus, obs, expected in table:
        sigma = obs.get("uncertainty") or 0.0
        z = f"{(obs['value'] - expected) / sigma:+.1f}" if sigma else "-"
        seconds = figure.startswith("T")  # coherence times
        print(f"| {bench} | {figure} | {locus} | {_fmt(obs['value'], seconds)} ± "
              f"{_fmt(sigma, seconds)} | {_fmt(expected, seconds)} | {z} |")


@contextlib.contextmanager
def _server(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory() as tmp, serve_process(
        Path(tmp) / "data", ("lattice-20", "star-5"),
        env={"QSTATION_MAX_CIRCUIT_DURATION_OVER_T2": "0"},
    ) as started:
        yield started


def report_suite(url: str | None) -> None:
    """Run the suite against ``url`` (or a server started here) and print the table."""
    with _server(url) as served:
        results = run_suite(served)
        table = rows(results, published(served, "star-5"), published(served, "lattice-20"))
    print_table(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="a running qstation server")
    report_suite(parser.parse_args().url)


if __name__ == "__main__":
    main()
