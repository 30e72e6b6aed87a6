"""Errors reach the official clients as the right exception classes.

Client-side refusals (configuration, circuit validation) and server answers (400, 404), which
the clients map from the HTTP status and the IQM error body.
"""

from __future__ import annotations

import pytest

from tests.conformance.checks import assert_raised
from tests.conformance.runner import ScenarioRunner
from tests.conformance.venvs import ClientVenv

pytestmark = [pytest.mark.conformance, pytest.mark.timeout(900)]

CLIENT_CONFIG = "iqm.station_control.client.authentication"


def test_unknown_quantum_computer(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    from_client = scenarios.scenario(client_venv, "client_scenarios", "unknown_quantum_computer")
    assert_raised(from_client, "ClientConfigurationError", CLIENT_CONFIG)
    assert "lattice-20" in from_client["message"]  # the client lists the hosted aliases
    from_qiskit = scenarios.scenario(client_venv, "qiskit_scenarios", "unknown_quantum_computer")
    assert_raised(from_qiskit, "ClientConfigurationError", CLIENT_CONFIG)


def test_cz_on_uncoupled_pair(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    out = scenarios.scenario(client_venv, "client_scenarios", "uncoupled_cz")
    assert_raised(out["client_side"], "CircuitValidationError")
    # With the client's validation bypassed the server answers 400 itself.
    assert_raised(out["server_side"], "InvalidOperationError")
    assert out["server_side"]["error_code"] == "CIRCUIT_VALIDATION_FAILED"
    assert "QB1" in out["server_side"]["message"]


def test_unknown_job(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    out = scenarios.scenario(client_venv, "client_scenarios", "unknown_job")
    for call in ("get_job", "cancel_job", "delete_job", "measurements"):
        assert_raised(out[call], "NotFoundError")
        assert out[call]["error_code"], call
    retrieved = scenarios.scenario(client_venv, "qiskit_scenarios", "retrieve_unknown")
    assert_raised(retrieved, "NotFoundError")


def test_unknown_calibration_set(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    out = scenarios.scenario(client_venv, "client_scenarios", "unknown_calibration_set")
    for call in ("calibration_set", "dqa", "metrics", "submit"):
        assert_raised(out[call], "NotFoundError")
        assert out[call]["error_code"] == "CALIBRATION_SET_NOT_FOUND", call
    backend = scenarios.scenario(client_venv, "qiskit_scenarios", "unknown_calibration_set")
    assert_raised(backend, "NotFoundError")
