"""Drift and recalibration end to end: new defaults, pinned sets, retirement, schedule, CLI."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.support.circuits import bell, job

pytestmark = pytest.mark.timeout(60)
QC = "star-5"


@pytest.fixture()
def app_settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Keep only the two newest calibration sets usable (the default keeps ten)."""
    from qstation.server.config import Settings
    from qstation.store import migrate

    settings = Settings(data_dir=tmp_path / "data", qc=[QC], calibration_sets_kept=2)
    migrate.upgrade(settings.resolved_database_url())
    return settings


def _default_id(client: Any) -> str:
    dqa = client.get(f"/api/v1/calibration-sets/{QC}/default/dynamic-quantum-architecture")
    assert dqa.status_code == 200
    return str(dqa.json()["calibration_set_id"])


def _recalibrate(client: Any) -> str:
    reply = client.post(f"/qstation/v1/quantum-computers/{QC}/recalibrate")
    assert reply.status_code == 200, reply.text
    return str(reply.json()["calibration_set_id"])


def _run(client: Any, cal: str | None = None) -> Any:
    extra = {"calibration_set_id": cal} if cal else {}
    # Drift can fail a coupler's calibration (its cz then leaves the architecture): use a
    # pair the set offers.
    dqa = client.get(
        f"/api/v1/calibration-sets/{QC}/{cal or 'default'}/dynamic-quantum-architecture"
    )
    loci = dqa.json()["gates"]["cz"]["implementations"] if dqa.status_code == 200 else {}
    pairs = [p for impl in loci.values() for p in impl["loci"]] or [["QB1", "QB3"]]
    reply = client.post(
        f"/api/v1/jobs/{QC}/circuit?use_timeslot=false",
        json=job(bell(*pairs[0]), shots=200, **extra),
    )
    if reply.status_code != 200:
        return reply
    done = client.get(f"/qstation/v1/jobs/{reply.json()['id']}/wait", params={"timeout": 30}).json()
    assert done["status"] == "completed", done
    return done


def test_recalibration_publishes_a_new_default_that_jobs_pick_up(test_client: Any) -> None:
    first = _default_id(test_client)
    second = _recalibrate(test_client)
    assert second != first and _default_id(test_client) == second
    metrics = test_client.get(f"/api/v1/calibration-sets/{QC}/default/metrics").json()
    assert metrics["describes_id"] == second
    old = test_client.get(f"/api/v1/calibration-sets/{QC}/{first}/metrics").json()
    values = [o["value"] for o in metrics["observations"]]
    assert values != [o["value"] for o in old["observations"]]  # the parameters drifted
    assert _run(test_client)["compilation"]["calibration_set_id"] == second
    # an older, still kept set runs with its own calibration
    assert _run(test_client, first)["compilation"]["calibration_set_id"] == first


def test_retired_set_is_refused_with_a_clear_error(test_client: Any) -> None:
    first = _default_id(test_client)
    second = _recalibrate(test_client)
    _recalibrate(test_client)
    refused = _run(test_client, first)
    assert refused.status_code == 409
    assert refused.json()["error_code"] == "CALIBRATION_SET_RETIRED"
    assert "retired" in refused.json()["message"] and first in refused.json()["message"]
    assert _run(test_client, second)["compilation"]["calibration_set_id"] == second
    listing = test_client.get(f"/qstation/v1/quantum-computers/{QC}/calibration-sets").json()
    states = [(i["default"], i["retired"]) for i in listing["items"]]
    assert states == [(True, False), (False, False), (False, True)]


def test_cli_recalibrate_and_list(test_client: Any, app_settings: Any) -> None:
    from qstation.cli.main import cli

    url = app_settings.resolved_database_url()
    runner = CliRunner()
    out = runner.invoke(cli, ["calibration", "recalibrate", "--qc", QC, "--database-url", url])
    assert out.exit_code == 0, out.output
    new_id = out.stdout.strip()  # stderr names the database
    assert _default_id(test_client) == new_id
    listing = runner.invoke(cli, ["calibration", "list", "--qc", QC, "--database-url", url])
    assert listing.exit_code == 0 and new_id in listing.output and "default" in listing.output
    bad = runner.invoke(cli, ["calibration", "list", "--qc", "nope", "--database-url", url])
    assert bad.exit_code != 0 and "not found" in bad.output


def test_scheduled_recalibration(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from qstation.server.app import create_app
    from qstation.server.config import Settings
    from qstation.store import migrate

    settings = Settings(data_dir=tmp_path / "d", qc=[QC], recalibrate_every_s=0.3)
    migrate.upgrade(settings.resolved_database_url())
    with TestClient(create_app(settings)) as client:
        first = _default_id(client)
        deadline = time.monotonic() + 10
        while _default_id(client) == first and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _default_id(client) != first


def test_recalibration_needs_an_admin_when_auth_is_on(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from qstation.server.app import create_app
    from qstation.server.config import Settings
    from qstation.store import migrate

    settings = Settings(data_dir=tmp_path / "a", qc=[QC], auth=True, admin_password="pw-admin")
    migrate.upgrade(settings.resolved_database_url())
    with TestClient(create_app(settings)) as client:
        anonymous = client.post(f"/qstation/v1/quantum-computers/{QC}/recalibrate")
        assert anonymous.status_code == 401
