"""The official Cirq adapter (``iqm.cirq_iqm.IQMSampler``) against ``qstation serve``.

Scenarios live in ``scripts/cirq_scenarios.py``: each circuit is decomposed with
``device.decompose_circuit``, routed with ``device.route_circuit`` and run with ``sampler.run``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance.checks import assert_bell, assert_dominant
from tests.conformance.runner import ScenarioRunner
from tests.conformance.venvs import ClientVenv

pytestmark = [pytest.mark.conformance, pytest.mark.timeout(900)]


def cirq(scenarios: ScenarioRunner, venv: ClientVenv, name: str) -> Any:
    return scenarios.scenario(venv, "cirq_scenarios", name)


@pytest.mark.parametrize(("scenario", "qubits"), [("bell", 20), ("bell_star5", 5)])
def test_bell(scenarios: ScenarioRunner, client_venv: ClientVenv, scenario: str,
              qubits: int) -> None:
    out = cirq(scenarios, client_venv, scenario)
    assert out["device_qubits"] == qubits
    assert out["shapes"] == {"m": [out["shots"], 2]}
    assert_bell(out["counts"]["m"], out["shots"])
    assert out["job_id"] not in ("None", "")
    assert out["calibration_set_id"] not in ("None", "")


def test_two_measurement_keys(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    out = cirq(scenarios, client_venv, "flips")
    assert out["shapes"] == {"x": [out["shots"], 1], "z": [out["shots"], 1]}
    assert_dominant(out["counts"]["x"], "1", out["shots"])
    assert_dominant(out["counts"]["z"], "0", out["shots"])
