"""Both views of a calibration set agree, and recalibration moves them together.

The circuit-level view (the quality metrics: T1, readout errors) and the pulse-level view (the
observations IQM's compiler loads, the station's settings) of each calibration set come from
one model. Checked through the HTTP API on the default set, on a recalibrated one, and on the
older set pinned by its id after recalibration.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import pytest

from qstation.client import IQMServerClient
from qstation.qpu.pulse.observations import RESET_WAIT_T1
from qstation.qpu.pulse.twin import readout_error_1

pytestmark = pytest.mark.timeout(120)
QC = "star-5"
QUBITS = [f"QB{i}" for i in range(1, 6)]


def _values(client: Any, path: str) -> dict[str, Any]:
    reply = client.get(path)
    assert reply.status_code == 200, reply.text
    return {o["dut_field"]: o["value"] for o in reply.json()["observations"]}


def _views(client: Any, cal: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The pulse-level observations and the circuit-level metrics of set ``cal``."""
    pulse = _values(client, f"/api/v1/calibration-sets/{QC}/{cal}")
    metrics = _values(client, f"/api/v1/calibration-sets/{QC}/{cal}/metrics")
    return pulse, metrics


def _assert_views_agree(pulse: dict[str, Any], metrics: dict[str, Any]) -> None:
    for q in QUBITS:
        t1 = metrics[f"characterization.model.{q}.t1_time"]
        assert pulse[f"gates.reset_wait.reset_wait.{q}.duration"] == pytest.approx(
            RESET_WAIT_T1 * t1
        )
        # The published integration window, with decay during it and the readout clouds'
        # overlap (which sets the 0 -> 1 error), reproduces the circuit-level 1 -> 0 error.
        p01 = metrics[f"metrics.ssro.measure.constant.{q}.error_0_to_1"]
        p10 = metrics[f"metrics.ssro.measure.constant.{q}.error_1_to_0"]
        sigma = 1.0 / (2.0 * NormalDist().inv_cdf(1.0 - p01))
        window = pulse[f"gates.measure.constant.{q}.integration_length"]
        full = window == pytest.approx(pulse[f"gates.measure.constant.{q}.duration"])
        error = readout_error_1(window, t1, 1.0, sigma)
        # One granule of the window moves the error by about granule / (2·T1).
        assert error == pytest.approx(p10, abs=5e-4) or (full and error < p10)


def test_pulse_parameters_follow_recalibration(test_client: Any) -> None:
    station = IQMServerClient("http://localhost", quantum_computer=QC, http_client=test_client)
    first = str(station.get_calibration_set("default").observation_set_id)
    before = _views(test_client, first)
    _assert_views_agree(*before)
    assert station.get_settings()["QB1__drive"].frequency.value == pytest.approx(
        before[0]["controllers.QB1.drive.frequency"]
    )

    reply = test_client.post(f"/qstation/v1/quantum-computers/{QC}/recalibrate")
    assert reply.status_code == 200, reply.text
    second = str(reply.json()["calibration_set_id"])
    after = _views(test_client, second)
    _assert_views_agree(*after)
    # Drift moved T1, so the pulse-level reset wait moved with it; the station's settings
    # now follow the new default set.
    field = "gates.reset_wait.reset_wait.QB1.duration"
    assert after[0][field] != before[0][field]
    assert station.get_settings()["QB1__drive"].frequency.value == pytest.approx(
        after[0]["controllers.QB1.drive.frequency"]
    )
    # The older set, pinned by id, still serves its own pulse parameters.
    assert _views(test_client, first) == before
