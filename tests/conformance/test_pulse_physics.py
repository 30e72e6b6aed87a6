"""Pulse-level runs through the unmodified official ``iqm-client`` 36 agree with the twin.

- Bell and 3-qubit GHZ circuits compiled by IQM's standard compiler and run as playlists give
  counts that agree with the same circuits run as a circuit job on the same calibration set,
  within shot noise (total variation distance under a bound built from the binomial standard
  deviations of both samples).
- A Rabi amplitude sweep finds the calibration set's π amplitude within 2 %.
- IQM's pulse-level Qiskit flow runs a Bell circuit end to end.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.conformance.runner import ScenarioRunner
from tests.conformance.venvs import ClientVenv

pytestmark = [pytest.mark.conformance, pytest.mark.slow, pytest.mark.timeout(900)]
SCRIPT = "pulse_scenarios"


def _only_36(client_venv: ClientVenv) -> None:
    if client_venv.version.startswith("35."):
        pytest.skip("iqm-client 35 has no pulse-level surface")


def tvd(p: dict[str, int], q: dict[str, int]) -> float:
    """Total variation distance of two count dictionaries."""
    n, m = sum(p.values()), sum(q.values())
    keys = set(p) | set(q)
    return 0.5 * sum(abs(p.get(k, 0) / n - q.get(k, 0) / m) for k in keys)


def tvd_bound(p: dict[str, int], q: dict[str, int], z: float = 4.0) -> float:
    """What shot noise alone lets the distance reach: ``z`` standard deviations of each
    outcome's difference of frequencies, summed (a union bound, so conservative)."""
    n, m = sum(p.values()), sum(q.values())
    total = 0.0
    for k in set(p) | set(q):
        pooled = (p.get(k, 0) + q.get(k, 0)) / (n + m)
        total += z * math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / m))
    return 0.5 * total


def test_compiled_circuits_agree_with_the_circuit_path(
    scenarios: ScenarioRunner, client_venv: ClientVenv
) -> None:
    _only_36(client_venv)
    out = scenarios.scenario(client_venv, SCRIPT, "circuits")
    assert out["status"] == "completed"
    assert out["sweep_labels"] == ["QB1__m", "QB2__m", "QB3__m"]
    # The server's counts are the client's own post-processing of the same shots.
    assert out["server_keys"] == [["m"], ["m"]]
    assert out["server_counts"] == out["pulse_counts"]
    for pulse, circuit, correlated in zip(
        out["pulse_counts"], out["circuit_counts"], (("00", "11"), ("000", "111")), strict=True
    ):
        assert sum(pulse.values()) == sum(circuit.values()) == 2000
        assert sum(pulse.get(k, 0) for k in correlated) / 2000 > 0.75  # it is entangled
        assert tvd(pulse, circuit) <= tvd_bound(pulse, circuit), (pulse, circuit)


def test_rabi_sweep_finds_the_pi_amplitude(
    scenarios: ScenarioRunner, client_venv: ClientVenv
) -> None:
    _only_36(client_venv)
    from scipy.optimize import curve_fit

    out = scenarios.scenario(client_venv, SCRIPT, "rabi")
    assert out["status"] == "completed"
    factors, excited = np.asarray(out["factors"]), np.asarray(out["excited"])

    def rabi(f: np.ndarray, offset: float, contrast: float, f_pi: float) -> np.ndarray:
        return offset - contrast * np.cos(np.pi * f / f_pi)

    (_offset, contrast, f_pi), _ = curve_fit(rabi, factors, excited, p0=(0.5, 0.5, 1.0))
    assert contrast > 0.35  # a real oscillation, not noise
    # The fitted π amplitude is within 2 % of the calibrated one the compiler used.
    assert abs(f_pi - 1.0) < 0.02, f_pi * out["pi_amplitude"]


def test_pulse_level_qiskit_flow_runs_a_bell_circuit(
    scenarios: ScenarioRunner, client_venv: ClientVenv
) -> None:
    _only_36(client_venv)
    out = scenarios.scenario(client_venv, SCRIPT, "qiskit")
    assert out["success"]
    counts = out["counts"]
    assert sum(counts.values()) == 2000
    assert (counts.get("00", 0) + counts.get("11", 0)) / 2000 > 0.75
