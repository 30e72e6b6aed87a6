"""Job handles and waiting: long-poll when the server has it, polling otherwise."""

from __future__ import annotations

import pytest

from qstation.client import (
    IQMClient,
    JobCancelledError,
    JobFailedError,
    JobStatus,
    JobTimeoutError,
    NotFoundError,
)
from tests.unit.client.fakes import FakeIQMServer
from tests.unit.client.test_transport import BELL


def client_for(fake: FakeIQMServer) -> IQMClient:
    return IQMClient("http://localhost", quantum_computer="sim", transport=fake.transport())


def paths(fake: FakeIQMServer) -> list[str]:
    return [f"{r.method} {r.url.path.split('/')[-1]}" for r in fake.requests]


def test_result_uses_the_long_poll() -> None:
    fake = FakeIQMServer()
    job = client_for(fake).run(BELL, shots=3)
    result = job.result(timeout=5)
    assert result.status is JobStatus.COMPLETED
    assert result.measurements == [{"m": [[0, 0]] * 3}]
    assert result.counts()[0].counts == {"00": 3}
    assert result.metadata.request is not None and result.metadata.request.shots == 3
    # One long-poll for the end (no progress display asked for), then the results.
    assert paths(fake) == ["POST circuit", "GET wait", "GET measurements"]


def test_falls_back_to_polling_and_remembers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQM_CLIENT_SECONDS_BETWEEN_CALLS", "0.01")
    fake = FakeIQMServer(long_poll=False)
    client = client_for(fake)
    for _ in range(2):
        job_id = client.submit_circuits(BELL, shots=1)
        assert client.wait_for_results(job_id, timeout_secs=5).status is JobStatus.COMPLETED
    waits = [p for p in paths(fake) if p == "GET wait"]
    assert len(waits) == 1  # detected once


def test_unknown_job_is_not_taken_for_a_missing_endpoint() -> None:
    fake = FakeIQMServer()
    with pytest.raises(NotFoundError):
        client_for(fake).wait_for_results("8ad2ba9d-6b53-4333-ae49-d71e5474ebbc")


def test_timeout_raises_job_timeout() -> None:
    fake = FakeIQMServer(long_poll=False)
    client = client_for(fake)
    job = client.run(BELL, shots=1)
    with pytest.raises(JobTimeoutError) as info:
        job.wait(timeout=0.0, poll_interval=0.01)
    assert isinstance(info.value, TimeoutError) and info.value.job_id == str(job.job_id)


def test_failed_and_cancelled_jobs_raise() -> None:
    fake = FakeIQMServer()
    fake.final = "failed"
    client = client_for(fake)
    job = client.run(BELL, shots=1)
    with pytest.raises(JobFailedError) as info:
        job.result(timeout=5)
    assert info.value.error_code == "CIRCUIT_VALIDATION_FAILED"
    assert "boom" in str(info.value)
    job = client.run(BELL, shots=1, idempotency_key="other")
    job.cancel()
    with pytest.raises(JobCancelledError):
        job.result(timeout=5)
    assert job.status() is JobStatus.CANCELLED and job.queue_position is None


def test_status_is_not_fetched_again_once_terminal() -> None:
    fake = FakeIQMServer()
    job = client_for(fake).run(BELL, shots=1)
    job.wait(timeout=5)
    before = len(fake.requests)
    assert job.status() is JobStatus.COMPLETED
    assert len(fake.requests) == before
