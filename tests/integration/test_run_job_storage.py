"""Run jobs in the database: the binary definition goes into the queue and comes back out
byte for byte, on SQLite and PostgreSQL, and sweep results are written once with the result.

The app stores the job over HTTP; the test then claims and finishes it with the queue's own
functions (as a worker does), so only storage is under test here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qstation.queue import claim as q
from qstation.store.db import make_sync_engine

pytestmark = pytest.mark.timeout(120)


@pytest.fixture()
def api(database_url: str, tmp_path: Path) -> Iterator[Any]:
    """The app without workers: stored jobs stay waiting until the test claims them."""
    from fastapi.testclient import TestClient

    from qstation.server.app import create_app
    from qstation.server.config import Settings

    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, qc=["star-5"])
    with TestClient(create_app(settings)) as client:
        yield client


def test_definition_and_sweep_results_round_trip(api: Any, database_url: str) -> None:
    from tests.e2e.test_run_jobs import compiled_bell
    from tests.support.pulse import to_bytes

    body = to_bytes(compiled_bell())
    job_id = api.post(
        "/api/v1/jobs/star-5/run", content=body, headers={"Content-Type": "application/protobuf"}
    ).json()["id"]
    engine = make_sync_engine(database_url)
    try:
        with engine.begin() as conn:
            claimed = q.claim(conn, ["star-5"], "test-worker", 30.0)
        assert claimed is not None and claimed.id == job_id
        assert claimed.type == "run" and claimed.definition == body and claimed.shots == 500
        results = bytes(range(256)) * 3  # any bytes: stored as they are
        with engine.begin() as conn:
            finished = q.finish(
                conn, claimed, "test-worker", "completed", results=("", ""), sweep_results=results
            )
        assert finished
    finally:
        engine.dispose()
    data = api.get(f"/api/v1/jobs/{job_id}").json()
    assert data["status"] == "completed"
    assert [a["type"] for a in data["artifacts"]] == ["sweep_results"]
    reply = api.get(f"/api/v1/jobs/{job_id}/artifacts/sweep_results")
    assert reply.headers["content-type"] == "application/protobuf" and reply.content == results
    # A run without circuit readouts has no circuit measurements.
    assert api.get(f"/api/v1/jobs/{job_id}/artifacts/measurements").status_code == 404
    assert api.get(f"/api/v1/jobs/{job_id}/payload").content == body
