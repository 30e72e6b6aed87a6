"""The light routes in front of FastAPI answer exactly as the FastAPI routes behind them.

A query value the light routes do not read themselves (``timeout=1e1``) sends the request to
the FastAPI route, so each answer can be compared with the other path's.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from qstation.server.hot import HotRoute, _submission_args, _wait_args
from qstation.server.jobs import light
from tests.support.circuits import bell, job

pytestmark = pytest.mark.timeout(60)


def _done(client: Any) -> str:
    reply = client.post("/api/v1/jobs/star-5/circuit", json=job(bell("QB1", "QB3"), shots=50))
    assert reply.status_code == 200
    job_id: str = reply.json()["id"]
    assert client.get(f"/qstation/v1/jobs/{job_id}/wait?timeout=30").json()["status"] == (
        "completed"
    )
    return job_id


def _scope(query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None) -> Any:
    return {"type": "http", "method": "GET", "query_string": query, "headers": headers or []}


def test_wait_reads_only_plain_values_itself() -> None:
    assert _wait_args(_scope(b"timeout=10&status=waiting")) == {
        "timeout": "10", "status": "waiting"}
    assert _wait_args(_scope(b"other=1")) == {}
    for left_to_fastapi in (b"timeout=1e1", b"timeout=301", b"timeout=", b"timeout=-1",
                            b"status=nope", b"timeout=1&timeout=2", b"timeout=%2010"):
        assert _wait_args(_scope(left_to_fastapi)) is None, left_to_fastapi


def test_submission_leaves_repeated_values_to_fastapi() -> None:
    key = (b"idempotency-key", b"k1")
    assert _submission_args(_scope(b"use_timeslot=true", [key])) == {
        "use_timeslot": "true", "idempotency_key": "k1"}
    assert _submission_args(_scope(b"use_timeslot=true&use_timeslot=false")) is None
    assert _submission_args(_scope(b"", [key, (b"idempotency-key", b"k2")])) is None


def test_light_routes_come_first_and_fastapi_routes_stay_documented(test_client: Any) -> None:
    routes = test_client.app.router.routes
    assert all(isinstance(r, HotRoute) for r in routes[:4])
    paths = test_client.get("/openapi.json").json()["paths"]
    for route in routes[:4]:
        assert route.method.lower() in paths[route.path], route.path


def test_wait_answers_as_the_fastapi_route(test_client: Any) -> None:
    job_id = _done(test_client)
    light = test_client.get(f"/qstation/v1/jobs/{job_id}/wait?timeout=10")
    full = test_client.get(f"/qstation/v1/jobs/{job_id}/wait?timeout=1e1")
    assert light.status_code == full.status_code == 200
    assert light.content == full.content
    assert light.content == test_client.get(f"/api/v1/jobs/{job_id}").content


def test_errors_are_the_same_on_both_paths(test_client: Any) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    for path in (f"/api/v1/jobs/{missing}", "/api/v1/jobs/not-a-uuid",
                 f"/api/v1/jobs/{missing}/artifacts/measurements"):
        reply = test_client.get(path)
        assert reply.status_code == 404, path
        assert reply.json()["error_code"] == "JOB_NOT_FOUND"
    light = test_client.get(f"/qstation/v1/jobs/{missing}/wait?timeout=0")
    full = test_client.get(f"/qstation/v1/jobs/{missing}/wait?timeout=0.0e0")
    assert light.status_code == full.status_code == 404
    assert light.json() == full.json()
    bad = test_client.get(f"/qstation/v1/jobs/{missing}/wait?timeout=301")
    assert bad.status_code == 400 and bad.json()["error_code"] == "INVALID_REQUEST"


def test_artifacts_of_unfinished_or_unknown_kinds_take_the_full_path(test_client: Any) -> None:
    job_id = _done(test_client)
    measurements = test_client.get(f"/api/v1/jobs/{job_id}/artifacts/measurements")
    assert measurements.status_code == 200 and len(measurements.json()[0]["m"]) == 50
    counts = test_client.get(f"/api/v1/jobs/{job_id}/artifacts/measurement_counts")
    assert sum(counts.json()[0]["counts"].values()) == 50
    other = test_client.get(f"/api/v1/jobs/{job_id}/artifacts/calibration")
    assert other.status_code == 501
    sweep = test_client.get(f"/api/v1/jobs/{job_id}/artifacts/sweep_results")
    assert sweep.status_code == 404 and sweep.json()["error_code"] == "ARTIFACT_NOT_FOUND"


def test_a_deleted_job_is_gone_though_its_view_was_kept(test_client: Any) -> None:
    job_id = _done(test_client)
    assert test_client.get(f"/api/v1/jobs/{job_id}").status_code == 200  # kept now
    assert test_client.delete(f"/api/v1/jobs/{job_id}").status_code == 204
    assert test_client.get(f"/api/v1/jobs/{job_id}").status_code == 404


def test_other_methods_on_a_light_path_reach_fastapi(test_client: Any) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    assert test_client.delete(f"/api/v1/jobs/{missing}").status_code == 404
    assert test_client.put(f"/api/v1/jobs/{missing}").status_code == 405
    assert test_client.get("/api/v1/jobs/star-5/circuit").status_code in (404, 405)


def test_a_finished_jobs_view_from_light_lookups_is_the_one_built_in_a_session(
    any_client: Any,
) -> None:
    state = any_client.app.state.qstation
    completed = _done(any_client)
    waiting = any_client.post(  # a timeslot job without a booking waits: cancel it there
        "/api/v1/jobs/star-5/circuit?use_timeslot=true", json=job(bell("QB1", "QB3"), shots=10)
    ).json()["id"]
    assert any_client.post(f"/api/v1/jobs/{waiting}/cancel").status_code == 204
    for job_id, status in ((completed, "completed"), (waiting, "cancelled")):
        state.jobs.views.forget(job_id)
        light_text = any_client.portal.call(
            light.finished_view, state.jobs, state.light, job_id, None
        )
        assert light_text is not None and json.loads(light_text)["status"] == status
        state.jobs.views.forget(job_id)  # the status GET below builds it in a session
        full = any_client.get(f"/api/v1/jobs/{job_id}")
        assert full.status_code == 200 and full.text == light_text
    assert any_client.portal.call(light.finished_view, state.jobs, state.light, waiting, "x") \
        is None  # another owner's job: the full path refuses it


def test_a_long_poll_on_a_job_just_submitted_and_deleted_answers_404(tmp_path: Any) -> None:
    # The long-poll of a job this process has just stored waits for its end without a look
    # at it; a deleted job never ends, and the long-poll must still find it gone.
    import httpx

    from tests.support.servers import serve_process

    with serve_process(tmp_path / "data", ("star-5",), "--no-workers") as url:
        body = job(bell("QB1", "QB3"), shots=10)
        job_id = httpx.post(f"{url}/api/v1/jobs/star-5/circuit", json=body).json()["id"]
        waiting = httpx.get(f"{url}/qstation/v1/jobs/{job_id}/wait?timeout=0.2")
        assert waiting.status_code == 200 and waiting.json()["status"] == "waiting"
        assert httpx.delete(f"{url}/api/v1/jobs/{job_id}").status_code == 204
        gone = httpx.get(f"{url}/qstation/v1/jobs/{job_id}/wait?timeout=5", timeout=10)
        assert gone.status_code == 404
        assert gone.json()["error_code"] == "JOB_NOT_FOUND"
