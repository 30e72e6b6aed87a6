"""The official Qiskit adapter (``iqm.qiskit_iqm``) against ``qstation serve``.

Scenarios live in ``scripts/qiskit_scenarios.py`` and run in each client version's own venv.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance.checks import assert_bell, assert_dominant, assert_ghz, total
from tests.conformance.runner import ScenarioRunner
from tests.conformance.venvs import ClientVenv

pytestmark = [pytest.mark.conformance, pytest.mark.timeout(900)]


def qiskit(scenarios: ScenarioRunner, venv: ClientVenv, name: str) -> Any:
    return scenarios.scenario(venv, "qiskit_scenarios", name)


def assert_done(out: dict[str, Any]) -> None:
    assert out["status"] == "DONE", out
    assert out["success"] is True, out


def test_bell_on_lattice(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    out = qiskit(scenarios, client_venv, "bell")
    assert out["backend_name"] == "lattice-20"
    assert out["num_qubits"] == 20
    assert_done(out)
    assert_bell(out["counts"], out["shots"])


def test_ghz5(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    out = qiskit(scenarios, client_venv, "ghz5")
    assert_done(out)
    assert_ghz(out["counts"], 5, out["shots"])


def test_measuring_a_subset_of_qubits(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    """Qubits 0 and 3 of 5 measured into a 2-bit register (1 and 3 flipped): reads ``10``."""
    out = qiskit(scenarios, client_venv, "gapped_measure")
    assert_done(out)
    assert all(len(k) == 2 for k in out["counts"]), out["counts"]
    assert_dominant(out["counts"], "10", out["shots"])


def test_two_classical_registers(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    """Registers ``b`` (2 bits: 1, 0) and ``a`` (1 bit: 1) print as ``"10 1"``."""
    out = qiskit(scenarios, client_venv, "two_registers")
    assert_done(out)
    assert all(len(k.split(" ")) == 2 for k in out["counts"]), out["counts"]
    assert_dominant(out["counts"], "10 1", out["shots"], floor=0.85)


def test_retrieve_job(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    out = qiskit(scenarios, client_venv, "retrieve")
    assert out["retrieved_job_id"] == out["original"]["job_id"]
    assert out["retrieved_status"] == "DONE"
    assert out["retrieved_counts"] == out["original"]["counts"]
    assert_bell(out["retrieved_counts"], 500)


def test_explicit_calibration_set(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    out = qiskit(scenarios, client_venv, "explicit_calibration_set")
    assert_done(out)
    assert_bell(out["counts"], 500)


def test_backend_with_metrics(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    """``get_backend(use_metrics=True)``: every r, cz and measure carries an error rate."""
    out = qiskit(scenarios, client_venv, "metrics")
    assert {"r", "cz", "measure"} <= set(out["operation_names"])
    assert len(out["errors"]["r"]) == out["num_qubits"] == 20
    assert len(out["errors"]["measure"]) == 20
    assert len(out["errors"]["cz"]) > 0
    for name, errors in out["errors"].items():
        assert all(e is not None and 0 < e < 0.2 for e in errors), (name, errors)
    for name, durations in out["durations"].items():
        assert all(d is not None and 0 < d < 1e-5 for d in durations), (name, durations)
    assert all(t1 is not None and 1e-6 < t1 < 1e-2 for t1 in out["t1"]), out["t1"]
    assert_done(out["run"])
    assert_bell(out["run"]["counts"], 500)


def test_star5(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    out = qiskit(scenarios, client_venv, "star5")
    assert (out["backend_name"], out["num_qubits"]) == ("star-5", 5)
    assert_done(out)
    assert_bell(out["counts"], out["shots"])


def test_resonator6(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    """A computational-resonator device: the adapter routes the CZs through MOVE gates."""
    out = qiskit(scenarios, client_venv, "resonator6")
    assert out["backend_name"] == "resonator-6"
    assert_done(out)
    assert_ghz(out["counts"], 3, out["shots"])


def test_job_cancel(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    out = qiskit(scenarios, client_venv, "cancel")
    assert out["cancel_returned"] is True
    assert out["status"] in ("CANCELLED", "DONE"), out


def test_counts_total_matches_shots(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    for name in ("bell", "ghz5", "gapped_measure", "two_registers", "star5", "resonator6"):
        out = qiskit(scenarios, client_venv, name)
        assert total(out["counts"]) == out["shots"], name
