"""A user-defined device is a station too: the official ``iqm-client`` 36 against it.

``qstation serve`` hosts ``ring-8`` from a user's device directory (``QSTATION_DEVICE_PATH``):
a coupler listed backwards, gate durations that are not whole AWG granules, no ``cc_prx``.
The official client reads its station artifacts and IQM's compiler, built from them, compiles
GHZ circuits, a CZ on every coupler in both orders and a conditional reset; IQM's pulse-level
Qiskit flow runs a GHZ circuit on it as a playlist job. Our SDK returns the same artifacts as
IQM's types.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qstation.client import IQMServerClient
from tests.conformance.runner import ScenarioRunner
from tests.conformance.venvs import ClientVenv
from tests.support.devices import ring_device, write_device
from tests.support.servers import serve_process

pytestmark = [pytest.mark.conformance, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def ring_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server hosting only the user's ``ring-8``."""
    root = tmp_path_factory.mktemp("user-device")
    devices = write_device(root / "devices", ring_device())
    with serve_process(
        root / "data", ("ring-8",), env={"QSTATION_DEVICE_PATH": str(devices)}
    ) as url:
        yield url


@pytest.fixture(scope="module")
def ring_scenarios(ring_url: str, tmp_path_factory: pytest.TempPathFactory) -> ScenarioRunner:
    return ScenarioRunner(ring_url, tmp_path_factory.mktemp("user-device-logs"))


def test_official_client_compiles_for_a_user_device(
    ring_scenarios: ScenarioRunner, client_venv: ClientVenv
) -> None:
    if client_venv.version.startswith("35."):
        pytest.skip("iqm-client 35 has no station surface")
    out = ring_scenarios.scenario(client_venv, "station_scenarios", "station_ring-8")
    assert out["chip_label"] == "RING8_user"
    assert out["qubits"] == [f"QB{i}" for i in range(1, 9)] and out["couplers"] == 8
    assert "TC-1-8__flux.awg" in out["channels"]
    compiled = out["compiled"]
    assert len(compiled["ghz3"]["return_parameters"]) == 3
    # Eight couplers, each pulsed (the closing one, listed QB8-QB1, too).
    assert sum(c.startswith("TC-") for c in compiled["every_cz"]["channels"]) == 8
    assert "ConditionalInstruction" in compiled["reset"]["operations"]


def test_pulse_level_qiskit_flow_runs_on_a_user_device(
    ring_scenarios: ScenarioRunner, client_venv: ClientVenv
) -> None:
    if client_venv.version.startswith("35."):
        pytest.skip("iqm-client 35 has no pulse-level Qiskit utilities")
    out = ring_scenarios.scenario(client_venv, "pulse_qiskit_scenarios", "pulse_qiskit_ring-8")
    run = out["run"]
    assert not run["raised"] and run["success"], run
    counts, shots = run["counts"], sum(run["counts"].values())
    assert (counts.get("000", 0) + counts.get("111", 0)) / shots > 0.75


def test_sdk_reads_the_user_devices_station(ring_url: str) -> None:
    from exa.common.qcm_data.chip_topology import ChipTopology

    with IQMServerClient(ring_url, quantum_computer="ring-8") as client:
        settings = client.get_settings()
        props = client.get_channel_properties()
        (record,) = client.get_chip_design_records()
        cal = client.get_calibration_set()
    assert {f"QB{i}__drive" for i in range(1, 9)} <= set(settings.children)
    # 25 ns of prx is 60 samples: the station publishes whole 16-sample granules instead.
    assert props["QB1__drive.awg"].instruction_duration_granularity == 16
    durations = {
        o.dut_field: o.value for o in cal.observations if o.dut_field.endswith(".duration")
    }
    samples = durations["gates.prx.drag_gaussian.QB1.duration"] * 2.4e9
    assert samples == pytest.approx(64)
    assert ChipTopology.from_chip_design_record(record).get_coupler_for("QB8", "QB1") == "TC-1-8"
