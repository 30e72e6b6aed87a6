"""IQM's open benchmark suite and qiskit-experiments, unmodified, agree with the calibration.

``scripts/benchmark_suite.py`` runs in its own cached venv (``iqm-benchmarks`` 3.0.0 with the
official ``iqm-client[qiskit]`` 36, and ``qiskit-experiments``) against a real ``qstation
serve`` with small sizes. Each figure is compared with the published calibration set within
the benchmark's own error bar (3 sigma), widened where a fit's error bar is known to be
optimistic (RB fits report only the fit's error, not the sequence-to-sequence spread).
"""

from __future__ import annotations

import math
import statistics
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conformance.runner import ScenarioRunner
from tests.conformance.venvs import (
    SUITE_REQUIREMENTS,
    SUITE_VENV,
    ClientVenv,
    VenvUnavailable,
    ensure_named_venv,
    named_build_log,
)
from tests.support.servers import serve_process

pytestmark = [pytest.mark.conformance, pytest.mark.slow, pytest.mark.timeout(1200)]

VENV, REQUIREMENTS = SUITE_VENV, SUITE_REQUIREMENTS
SCRIPT = "benchmark_suite"


@pytest.fixture(scope="module")
def bench_venv() -> ClientVenv:
    try:
        path = ensure_named_venv(VENV, REQUIREMENTS)
    except VenvUnavailable as err:
        pytest.skip(str(err))
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
        log = named_build_log(VENV)
        pytest.fail(f"building {VENV} failed: {err}\n{log.read_text()[-4000:]}", pytrace=False)
    return ClientVenv("36.0.0", path)


@pytest.fixture(scope="module")
def bench_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("bench-serve") / "data"
    env = {"QSTATION_MAX_CIRCUIT_DURATION_OVER_T2": "0"}
    with serve_process(data, ("lattice-20", "star-5"), env=env) as url:
        yield url


@pytest.fixture(scope="module")
def runner(bench_url: str, tmp_path_factory: pytest.TempPathFactory) -> ScenarioRunner:
    return ScenarioRunner(bench_url, tmp_path_factory.mktemp("bench-logs"), timeout_s=900)


def published(url: str, qc: str) -> dict[str, float]:
    with httpx.Client(base_url=url, timeout=30) as http:
        body = http.get(f"/api/v1/calibration-sets/{qc}/default/metrics").json()
    return {o["dut_field"]: float(o["value"]) for o in body["observations"]}


def by_qubits(observations: list[dict[str, Any]], name: str) -> dict[str, dict[str, Any]]:
    return {o["qubits"]: o for o in observations if o["name"] == name}


def close(
    measured: dict[str, Any], expected: float, floor: float = 0.0, sigmas: float = 3
) -> bool:
    """Within ``sigmas`` of the benchmark's standard errors (or ``floor``, if larger)."""
    bound = max(sigmas * (measured["uncertainty"] or 0), floor)
    return abs(measured["value"] - expected) <= bound


def prx_polarization(values: dict[str, float], qubit: str) -> float:
    """The polarization a published prx fidelity leaves per gate on ``qubit``: 2F - 1."""
    return 2 * values[f"metrics.rb.prx.drag_gaussian.{qubit}.fidelity"] - 1


def cz_polarization(values: dict[str, float], a: str, b: str) -> float:
    """The polarization a published CZ fidelity leaves per gate on ``a``-``b``: (4F - 1)/3."""
    a, b = sorted((a, b), key=lambda q: int(q[2:]))
    return (4 * values[f"metrics.irb.cz.tgss.{a}__{b}.fidelity"] - 1) / 3


def test_coherence_benchmark_recovers_t1_and_t2_echo(
    runner: ScenarioRunner, bench_venv: ClientVenv, bench_url: str
) -> None:
    values = published(bench_url, "star-5")
    # T1's shots are independent: its fit errors hold (twelve runs: each qubit within 5.2 %,
    # mean ratios 0.978-1.011), and the mean is held within 5 %.
    # An echo's shots share their delay's detuning draws; at three of its fit's errors, five
    # comparisons failed about one run in thirty by chance alone (a CI run read QB3 at 3.1
    # errors low; 36 runs here at 24 delays, largest 3.03 of 180). Four errors or 10 % per
    # qubit, and the mean ratio within 12 % (36 runs: 0.905-1.037): an echo that did not
    # refocus would read T2*, 25-50 % below.
    for scenario, name, field, sigmas, mean_bound in (
        ("coherence_t1", "T1", "t1_time", 3, 0.05),
        ("coherence_t2_echo", "T2_echo", "t2_echo_time", 4, 0.12),
    ):
        found = by_qubits(runner.scenario(bench_venv, SCRIPT, scenario), name)
        print(name, {k: (v["value"], v["uncertainty"]) for k, v in found.items()})
        assert len(found) == 5
        _each_qubit_and_the_mean(found, values, field, sigmas, mean_bound)


def test_coherence_benchmark_on_a_whole_20_qubit_chip_recovers_t2_echo(
    runner: ScenarioRunner, bench_venv: ClientVenv, bench_url: str
) -> None:
    # Every qubit's echo in one 20-qubit circuit: each qubit must still refocus its
    # low-frequency noise (T2-echo, not T2*) and relax towards |0>.
    values = published(bench_url, "lattice-20")
    found = by_qubits(runner.scenario(bench_venv, SCRIPT, "coherence_t2_echo_wide"), "T2_echo")
    assert len(found) == 20
    # Twenty comparisons in one run: at three of the fit's errors, one run in twenty fails by
    # chance alone (with 12 delays, one CI run did at 3.8 errors, and one of 35 runs here at
    # 4.3; with 24, the largest of 240 readings was 2.6). Four errors, or 10 %: an echo that
    # did not refocus would read T2*, 25-50 % below. The chip as a whole reads its published
    # echo times (twelve runs: mean ratios 0.982-1.026), held within 6 %.
    _each_qubit_and_the_mean(found, values, "t2_echo_time", sigmas=4, mean_bound=0.06)


def _each_qubit_and_the_mean(
    found: dict[str, dict[str, Any]], values: dict[str, float], field: str, sigmas: float,
    mean_bound: float,
) -> None:
    """Each qubit's coherence time within ``sigmas`` of its fit's errors or 10 % of the
    published ``field``, and the mean of measured/published within ``mean_bound`` of 1."""
    ratios = []
    for index, obs in found.items():
        q = f"QB{int(index.strip('[]')) + 1}"
        expected = values[f"characterization.model.{q}.{field}"]
        ratios.append(obs["value"] / expected)
        assert close(obs, expected, floor=0.10 * expected, sigmas=sigmas), (q, field, obs)
    assert abs(statistics.mean(ratios) - 1) <= mean_bound, (field, ratios)


def test_ghz_fidelity_matches_the_cz_fidelities(
    runner: ScenarioRunner, bench_venv: ClientVenv, bench_url: str
) -> None:
    values = published(bench_url, "lattice-20")
    # QB1..QB4 span exactly three couplers; readout error is mitigated by the benchmark. The
    # GHZ figure also pays about ten single-qubit gates, dephasing during the circuit and the
    # mitigation's own error: a few percent below the cz product.
    edges = ("QB1__QB2", "QB1__QB4", "QB3__QB4")
    predicted = math.prod(
        1 - 1.25 * (1 - values[f"metrics.irb.cz.tgss.{e}.fidelity"]) for e in edges
    )
    (obs,) = by_qubits(runner.scenario(bench_venv, SCRIPT, "ghz"), "fidelity").values()
    assert predicted - 0.08 <= obs["value"] <= min(predicted + 0.02, 1.0), (obs, predicted)


def test_clops_completes_with_its_timing_breakdown(
    runner: ScenarioRunner, bench_venv: ClientVenv
) -> None:
    out = runner.scenario(bench_venv, SCRIPT, "clops")
    (clops_v,) = by_qubits(out["observations"], "clops_v").values()
    assert clops_v["value"] > 0
    assert out["times"], "CLOPS reported no timing breakdown"
    assert all(v >= 0 for v in out["times"].values())


def test_quantum_volume_heavy_outputs(runner: ScenarioRunner, bench_venv: ClientVenv) -> None:
    out = runner.scenario(bench_venv, SCRIPT, "quantum_volume")
    (hop,) = by_qubits(out, "average_heavy_output_probability").values()
    # Three qubits of a good twin: clearly above the 2/3 threshold, below the ideal ~0.85.
    assert 2 / 3 < hop["value"] < 0.9


def test_clifford_rb_matches_the_prx_fidelity(
    runner: ScenarioRunner, bench_venv: ClientVenv, bench_url: str
) -> None:
    values = published(bench_url, "star-5")
    found = by_qubits(
        runner.scenario(bench_venv, SCRIPT, "clifford_rb"), "average_native_gate_fidelity"
    )
    assert set(found) == {"[0]", "[1]"}
    print("clifford RB:", {k: (v["value"], v["uncertainty"]) for k, v in found.items()})
    for index, obs in found.items():
        q = f"QB{int(index.strip('[]')) + 1}"
        expected = values[f"metrics.rb.prx.drag_gaussian.{q}.fidelity"]
        assert close(obs, expected, floor=0.25 * (1 - expected)), (q, obs, expected)


def test_interleaved_rb_and_eplg_match_the_cz_fidelities(
    runner: ScenarioRunner, bench_venv: ClientVenv, bench_url: str
) -> None:
    values = published(bench_url, "lattice-20")
    irb = runner.scenario(bench_venv, SCRIPT, "interleaved_rb")
    # The interleaved estimate comes first (IQM lists the interleaved fit before the reference).
    cz = next(o for o in irb if o["name"] == "average_gate_fidelity_CZGate")
    expected = values["metrics.irb.cz.tgss.QB1__QB2.fidelity"]
    # Eight runs at these sizes read 0.9916-0.9928 (mean 0.9923) against a published 0.9927:
    # the fit's free offset moves the estimate by more than its reported error.
    assert close(cz, expected, floor=0.3 * (1 - expected)), (cz, expected)
    # EPLG: direct RB on each pair of the chain QB1-QB2-QB5-QB4, QB1-QB2 and QB5-QB4 side by
    # side, then QB2-QB5. A layer is a random single-qubit Clifford on each qubit (1.625 native
    # r gates on average, as in mirror RB) and a CZ; the suite reports 1 - 15/16 (1 - p) per
    # pair, p the decay of the polarization.
    eplg = runner.scenario(bench_venv, SCRIPT, "eplg")
    pairs = by_qubits(eplg, "average_gate_fidelity")
    predicted = {pair: _direct_rb_fidelity(values, pair) for pair in ((0, 1), (1, 4), (4, 3))}
    print("EPLG:", eplg, "predicted", predicted)
    for pair, expected in predicted.items():
        measured = pairs[str(pair)]["value"]
        # Sixteen runs read 0.54 of the error low at worst (QB5-QB4) and 0.19 high: the pairs
        # played side by side also idle at the barriers while the other pair's Clifford
        # finishes, which the prediction leaves out.
        error = 1 - expected
        assert expected - 0.75 * error <= measured <= expected + 0.35 * error, (
            pair, measured, expected)
    # The error per layered gate: sixteen runs read 0.0120-0.0146 against 0.0118.
    (per_layer,) = by_qubits(eplg, "eplg").values()
    expected_eplg = 1 - math.prod(predicted.values()) ** (1 / len(predicted))
    assert abs(per_layer["value"] - expected_eplg) <= 0.4 * expected_eplg, (
        per_layer, expected_eplg)


def _direct_rb_fidelity(values: dict[str, float], pair: tuple[int, int]) -> float:
    """The fidelity EPLG's direct RB should report for one layer on ``pair`` (0-based)."""
    a, b = (f"QB{q + 1}" for q in pair)
    single = (prx_polarization(values, a) * prx_polarization(values, b)) ** 1.625
    return 1 - (1 - single * cz_polarization(values, a, b)) * 15 / 16


def test_qiskit_experiments_through_the_official_adapter(
    runner: ScenarioRunner, bench_venv: ClientVenv, bench_url: str
) -> None:
    values = published(bench_url, "star-5")
    out = runner.scenario(bench_venv, SCRIPT, "qiskit_experiments")
    print("qiskit-experiments:", {k: v for k, v in out.items() if isinstance(v, dict)})
    for key, field in (
        ("T1.T1", "t1_time"),
        ("T2Ramsey.T2star", "t2_time"),
        ("T2Hahn.T2", "t2_echo_time"),
    ):
        expected = values[f"characterization.model.QB1.{field}"]
        assert close(out[key], expected, floor=0.10 * expected), (key, out[key], expected)
    assert not any(key.endswith(".errors") for key in out), out
    # StandardRB's error per native gate against the published prx fidelity. Fourteen runs
    # at these sizes read 0.945-1.077 of it with fit errors of about 3 %: RB fits report only
    # the fit's error, so 15 % of the infidelity is allowed besides.
    infidelity = 1 - values["metrics.rb.prx.drag_gaussian.QB1.fidelity"]
    assert close(out["StandardRB.EPG_r"], infidelity, floor=0.15 * infidelity), (
        out["StandardRB.EPG_r"], infidelity)


def test_mirror_rb_matches_the_gate_fidelities(
    runner: ScenarioRunner, bench_venv: ClientVenv, bench_url: str
) -> None:
    values = published(bench_url, "lattice-20")
    out = runner.scenario(bench_venv, SCRIPT, "mirror_rb")
    # A mirror layer on QB1-QB2: a random single-qubit Clifford on each qubit (1.625 native
    # r gates on average over the 24), a random Pauli (0.75 r gates; the suite does not merge
    # single-qubit gates) and, at the suite's 2-qubit gate density of 0.25, a CZ in a quarter
    # of the layers. The fit's unit of depth is a layer and its mirror image: two layers.
    # Polarisation per gate: 2F-1 for one qubit, (4F-1)/3 for two.
    gates_per_qubit = 1.625 + 0.75
    single = (prx_polarization(values, "QB1") * prx_polarization(values, "QB2")) ** gates_per_qubit
    cz = cz_polarization(values, "QB1", "QB2")
    predicted = (single * (0.75 + 0.25 * cz)) ** 2
    depths = sorted(out["polarizations"], key=int)
    polarizations = [out["polarizations"][d] for d in depths]
    assert polarizations[0] > polarizations[-1] > 0.3, out  # it decays, and not to noise
    # The decay per layer pair from a straight line through log(polarization): the suite's
    # own fit of the same four points moved between 0.965 and 0.997 over seven runs whose
    # polarizations agreed within 0.04, while the line gave 0.978-0.982.
    line = statistics.linear_regression([int(d) / 2 for d in depths],
                                        [math.log(p) for p in polarizations])
    decay = math.exp(line.slope)
    print("mirror RB:", out, "decay", decay, "predicted", predicted)
    # The gate count per layer is the model's soft spot: a third of the error is allowed.
    assert abs(decay - predicted) <= 0.35 * (1 - predicted), (decay, predicted)
