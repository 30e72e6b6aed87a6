"""The official ``IQMClient`` against ``qstation serve``: jobs, results, calibration, cancel.

35 builds the client with ``IQMClient(url, quantum_computer=...)``, 36 with
``IQMClient.from_url(...)``. Scenarios live in ``scripts/client_scenarios.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance.checks import assert_bell, assert_dominant, assert_raised
from tests.conformance.runner import ScenarioRunner
from tests.conformance.venvs import ClientVenv

pytestmark = [pytest.mark.conformance, pytest.mark.timeout(900)]


def client(scenarios: ScenarioRunner, venv: ClientVenv, name: str) -> Any:
    return scenarios.scenario(venv, "client_scenarios", name)


def test_submit_wait_and_results(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    out = client(scenarios, client_venv, "submit_and_wait")
    assert out["initial_status"] in ("waiting", "processing", "completed")
    assert out["final_status"] == out["fetched_status"] == "completed"
    assert out["n_results"] == out["job_result_len"] == 2
    assert out["rows"] == {"m": 1000}
    assert_bell(out["bell_counts"], 1000)
    assert_dominant(out["flip_x_counts"], "1", 1000)
    assert_dominant(out["flip_z_counts"], "0", 1000)
    bell, flip = out["measurement_counts"]
    assert bell["measurement_keys"] == ["m"]
    assert bell["counts"] == out["bell_counts"]  # the server's histogram matches the raw shots
    assert flip["measurement_keys"] == ["x", "z"]
    assert sum(flip["counts"].values()) == 1000
    assert_dominant(flip["counts"], "10", 1000, floor=0.85)
    assert out["payload_circuit_names"] == ["bell", "flip"]
    assert out["payload_shots"] == 1000


def test_calibration_and_metrics(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    out = client(scenarios, client_venv, "calibration")
    cal_id = out["dqa_calibration_set_id"]
    assert out["dqa_by_id_same"] is True
    assert out["dqa_qubits"] == [f"QB{i}" for i in range(1, 21)]
    assert {"prx", "cz", "measure"} <= set(out["dqa_gates"])
    assert (out["sqa_qubits"], out["sqa_connectivity"] > 0) == (20, True)
    assert out["calibration_set_id"] == out["calibration_set_by_id"] == cal_id
    assert out["calibration_observations"] > 0
    assert out["metrics_type"] == "quality-metric-set"
    assert out["metrics_describes"] == cal_id
    assert out["metrics_observations"] > 0
    assert set(out["metric_fields"]) <= {"metrics", "characterization", "controllers", "gates",
                                         "gate_definitions"}
    assert out["finder_type"] == "ObservationFinder"
    assert out["health"]["status"] == "healthy"
    assert "version" in out["about_keys"]


def test_cancel_waiting_and_processing_jobs(scenarios: ScenarioRunner,
                                            client_venv: ClientVenv) -> None:
    out = client(scenarios, client_venv, "cancel")
    assert out["big_started"] == "processing", out
    assert out["small_before_cancel"] == "waiting", out
    assert out["small_final"] == out["small_final_again"] == "cancelled", out
    assert out["big_at_cancel"] == "processing", out
    assert out["big_final"] == "cancelled", out
    assert_raised(out["small_result"], "NotFoundError")


def test_delete_job(scenarios: ScenarioRunner, client_venv: ClientVenv) -> None:
    out = client(scenarios, client_venv, "delete")
    assert out["final_status"] == "completed"
    assert_raised(out["get_after_delete"], "NotFoundError")
    assert_raised(out["measurements_after_delete"], "NotFoundError")
