"""Run jobs executed by real workers on the pulse-level twin: results through our SDK, and
survival of a killed worker."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from tests.e2e.test_run_jobs import compiled_bell
from tests.support.pulse import to_bytes
from tests.support.servers import child_pids, serve_process_handle

pytestmark = [pytest.mark.timeout(240), pytest.mark.slow]
PROTOBUF = {"Content-Type": "application/protobuf"}


def _wait(url: str, job_id: str, wanted: set[str], timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data: dict[str, Any] = httpx.get(f"{url}/api/v1/jobs/{job_id}").json()
        if data["status"] in wanted:
            return data
        time.sleep(0.05)
    raise TimeoutError(f"job {job_id} never reached {wanted}")


def test_sdk_runs_a_compiled_bell_and_reads_typed_results(test_client: Any) -> None:
    from qstation.client import IQMServerClient

    server = IQMServerClient("http://localhost", quantum_computer="star-5", http_client=test_client)
    data = server.submit_run(compiled_bell(shots=1000))
    done = test_client.get(f"/qstation/v1/jobs/{data.id}/wait", params={"timeout": 120}).json()
    assert done["status"] == "completed", done["errors"]
    stages = [e["status"] for e in done["timeline"]]
    for before, after in [
        ("received", "validation_ended"),
        ("validation_ended", "pending_execution"),
        ("pending_execution", "execution_started"),
        ("execution_started", "execution_ended"),
        ("execution_ended", "ready"),
    ]:
        assert stages.index(before) < stages.index(after), stages
    # A run's "compilation" is decoding its definition and checking it against the channels.
    assert stages.index("compilation_started") < stages.index("compilation_ended")
    assert stages.index("compilation_ended") < stages.index("pending_execution")
    assert {a["type"] for a in done["artifacts"]} == {
        "sweep_results",
        "measurements",
        "measurement_counts",
    }
    sweep = server.get_job_artifact_sweep_results(data.id)
    assert sorted(sweep) == ["QB1__m", "QB3__m"]
    [spot] = sweep["QB1__m"]  # nothing swept: one spot, 1000 shots of one trigger
    assert isinstance(spot, np.ndarray) and spot.shape == (1000,)
    counts = server.get_job_artifact_measurement_counts(data.id)
    assert counts[0].measurement_keys == ["m"]
    bell = counts[0].counts
    assert sum(bell.values()) == 1000
    assert (bell.get("00", 0) + bell.get("11", 0)) / 1000 > 0.75
    # The counts are the sweep results' bits, shot by shot.
    first = np.stack([sweep["QB1__m"][0], sweep["QB3__m"][0]], axis=1).astype(int)
    assert bell.get("11", 0) == int(np.sum(first.sum(axis=1) == 2))


def test_run_job_survives_a_killed_worker(tmp_path: Path) -> None:
    env = {"QSTATION_LEASE_SECONDS": "1.5"}
    served = serve_process_handle(tmp_path / "d", ("star-5",), "--workers", "1", env=env)
    with served as (url, proc):
        run = compiled_bell(shots=20000)
        reply = httpx.post(f"{url}/api/v1/jobs/star-5/run", content=to_bytes(run), headers=PROTOBUF)
        job_id = reply.json()["id"]
        _wait(url, job_id, {"processing"})
        [worker] = child_pids(proc.pid)
        os.kill(worker, signal.SIGKILL)
        final = _wait(url, job_id, {"completed", "failed", "cancelled"})
        assert final["status"] == "completed", final["errors"]
        stages = [e["status"] for e in final["timeline"]]
        assert "reclaimed_waiting" in stages and stages.count("execution_started") == 2
        counts = httpx.get(f"{url}/api/v1/jobs/{job_id}/artifacts/measurement_counts").json()
        assert sum(counts[0]["counts"].values()) == 20000


def test_sdk_against_a_live_server_over_loopback(server_url: str) -> None:
    from iqm.station_control.interface.models import RunDefinition

    from qstation.client import IQMServerClient

    server = IQMServerClient(server_url, quantum_computer="star-5")
    run = compiled_bell(shots=300)
    data = server.submit_sweep(run)
    done = server.wait_for_job_change(data.id, None, timeout=120)
    assert done is not None and done.status == "completed", done
    assert isinstance(server.get_submit_run_payload(data.id), RunDefinition)
    sweep = server.get_job_artifact_sweep_results(data.id)
    assert {label: [a.shape for a in spots] for label, spots in sweep.items()} == {
        "QB1__m": [(300,)],
        "QB3__m": [(300,)],
    }
    assert sum(server.get_job_artifact_measurement_counts(data.id)[0].counts.values()) == 300


def _pi_pulse_run(shots: int, detunings: list[float]) -> Any:
    """The compiled π pulse on QB1 of star-5, its drive frequency swept as a soft sweep."""
    import math
    import uuid

    from exa.common.data.parameter import Parameter
    from exa.common.sweep.util import Sweep
    from iqm.pulse import Circuit
    from iqm.pulse import CircuitOperation as Op

    from qstation.qpu.pulse.compiler import standard_compiler
    from tests.e2e.test_run_jobs import _star5

    spec, cal = _star5()
    ops = (
        Op(name="prx", locus=("QB1",), args={"angle": math.pi, "phase": 0.0}),
        Op(name="measure", locus=("QB1",), args={"key": "m"}),
    )
    run, _ = standard_compiler(spec, cal).compile([Circuit(name="x", instructions=ops)])
    settings = run.sweep_definition.settings
    settings.set_shots(shots)
    name = "controllers.QB1.drive.frequency"
    f0 = settings.find_by_name(name).value
    sweep = Sweep(
        parameter=Parameter(name, "drive frequency", "Hz"), data=[f0 + d for d in detunings]
    )
    run.sweep_definition.sweeps = [(sweep,)]
    run.run_id, run.sweep_definition.sweep_id = uuid.uuid4(), uuid.uuid4()
    return run


def test_a_soft_sweep_of_the_drive_frequency_finds_the_qubit(test_client: Any) -> None:
    from qstation.client import IQMServerClient

    detunings = [-60e6, -30e6, 0.0, 30e6, 60e6]
    server = IQMServerClient("http://localhost", quantum_computer="star-5", http_client=test_client)
    data = server.submit_sweep(_pi_pulse_run(400, detunings))
    done = test_client.get(f"/qstation/v1/jobs/{data.id}/wait", params={"timeout": 120}).json()
    assert done["status"] == "completed", done["errors"]
    spots = server.get_job_artifact_sweep_results(data.id)["QB1__m"]
    excited = [float(np.mean(spot)) for spot in spots]  # one spot per frequency, in order
    assert len(excited) == len(detunings)
    assert excited[2] > 0.85 and max(excited[0], excited[-1]) < 0.3, excited
    # One circuit per segment and spot.
    assert len(server.get_job_artifact_measurement_counts(data.id)) == len(detunings)


def test_cancelling_a_running_sweep_stops_it_at_a_spot(test_client: Any) -> None:
    run = _pi_pulse_run(2000, [k * 1e5 for k in range(400)])
    reply = test_client.post("/api/v1/jobs/star-5/sweep", content=to_bytes(run), headers=PROTOBUF)
    job_id = reply.json()["id"]
    seen = test_client.get(
        f"/qstation/v1/jobs/{job_id}/wait", params={"status": "waiting", "timeout": 60}
    ).json()
    assert seen["status"] == "processing"
    assert test_client.post(f"/api/v1/jobs/{job_id}/cancel").status_code == 204
    done = test_client.get(f"/qstation/v1/jobs/{job_id}/wait", params={"timeout": 120}).json()
    assert done["status"] == "cancelled"
    assert test_client.get(f"/api/v1/jobs/{job_id}/artifacts/sweep_results").status_code == 404
