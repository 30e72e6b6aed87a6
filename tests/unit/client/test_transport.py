"""Retries where safe, error mapping, headers; all through an injected MockTransport."""

from __future__ import annotations

import httpx
import pytest

from qstation.client import (
    APIError,
    CircuitValidationError,
    ConflictError,
    ForbiddenError,
    GatewayTimeoutError,
    InvalidRequestError,
    IQMClient,
    IQMServerClient,
    NotFoundError,
    NotSupportedByServerError,
    PayloadTooLargeError,
    QStationError,
    RateLimitedError,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    ServiceUnavailableError,
    TransportError,
    UnauthorizedError,
)
from qstation.client._transport import SyncTransport
from tests.unit.client.fakes import FakeIQMServer, error

BELL = [{"name": "bell", "instructions": [
    {"name": "prx", "locus": ["QB1"], "args": {"angle": 1.0, "phase": 0.0}},
    {"name": "cz", "locus": ["QB1", "QB2"]},
    {"name": "measure", "locus": ["QB1", "QB2"], "args": {"key": "m"}},
]}]


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def transport_for(handler, sleeps: Sleeps | None = None, **policy) -> SyncTransport:  # type: ignore[no-untyped-def]
    return SyncTransport(transport=httpx.MockTransport(handler), timeout=5, user_agent="ua",
                         retry=RetryPolicy(**policy),
                         sleep=sleeps if sleeps is not None else Sleeps())


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, InvalidRequestError), (401, UnauthorizedError), (403, ForbiddenError),
     (404, NotFoundError), (409, ConflictError), (413, PayloadTooLargeError),
     (422, InvalidRequestError), (429, RateLimitedError), (500, ServerError),
     (501, NotSupportedByServerError), (502, ServiceUnavailableError),
     (503, ServiceUnavailableError), (504, GatewayTimeoutError), (418, APIError)],
)
def test_status_maps_to_exception(status: int, cls: type[APIError]) -> None:
    sender = transport_for(lambda r: error(status, "nope", "CODE"), attempts=1)
    with pytest.raises(cls) as info:
        sender.request("GET", "http://localhost/x")
    assert isinstance(info.value, QStationError)
    assert (info.value.status_code, info.value.message, info.value.error_code) == (
        status, "nope", "CODE")


def test_non_json_error_keeps_text_and_detail_alias() -> None:
    sender = transport_for(lambda r: httpx.Response(502, text="<html>bad gateway</html>"),
                           attempts=1)
    with pytest.raises(ServiceUnavailableError, match="bad gateway"):
        sender.request("GET", "http://localhost/x")
    sender = transport_for(lambda r: httpx.Response(404, json={"detail": "gone"}))
    with pytest.raises(NotFoundError, match="gone"):
        sender.request("GET", "http://localhost/x")


def test_get_retries_503_honouring_retry_after() -> None:
    answers = [error(503, "busy", headers={"Retry-After": "2"}), error(502, "gw"),
               httpx.Response(200, json={})]
    sleeps = Sleeps()
    sender = transport_for(lambda r: answers.pop(0), sleeps)
    assert sender.request("GET", "http://localhost/x").status_code == 200
    assert sleeps[0] == 2.0 and 0 < sleeps[1] <= 0.5


def test_backoff_is_capped_and_gives_up() -> None:
    sleeps = Sleeps()
    sender = transport_for(lambda r: error(503, "busy", headers={"Retry-After": "999"}), sleeps,
                           attempts=3, cap=4.0)
    with pytest.raises(ServiceUnavailableError):
        sender.request("GET", "http://localhost/x")
    assert sleeps == [4.0, 4.0]


def test_connection_errors_are_retried_then_mapped() -> None:
    calls = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TransportError, match="refused") as info:
        transport_for(refuse, attempts=3).request("GET", "http://localhost/x")
    assert isinstance(info.value, ConnectionError) and len(calls) == 3


def test_read_timeout_is_not_retried() -> None:
    calls = []

    def slow(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(RequestTimeoutError):
        transport_for(slow).request("GET", "http://localhost/x")
    assert len(calls) == 1


def test_unsafe_post_is_not_retried() -> None:
    calls = []

    def busy(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return error(503, "busy")

    with pytest.raises(ServiceUnavailableError):
        transport_for(busy).request("POST", "http://localhost/x")
    assert len(calls) == 1


def test_submission_is_retried_with_the_same_idempotency_key() -> None:
    fake = FakeIQMServer()
    fake.script["/api/v1/jobs/sim/circuit"] = [
        httpx.ConnectError("reset"), error(503, "busy", headers={"Retry-After": "0"})
    ]
    client = IQMClient("http://localhost", quantum_computer="sim", transport=fake.transport(),
                       retry=RetryPolicy(backoff=0.0))
    job_id = client.submit_circuits(BELL, shots=4)
    posts = [r for r in fake.requests if r.method == "POST"]
    assert len(posts) == 3 and len({r.headers["idempotency-key"] for r in posts}) == 1
    assert list(fake.jobs) == [str(job_id)]


def test_headers_user_agent_and_bearer() -> None:
    fake = FakeIQMServer()
    client = IQMServerClient("http://localhost", token="secret", client_signature="sig/1",
                             transport=fake.transport())
    assert client.quantum_computer == "sim"
    request = fake.requests[0]
    assert request.headers["authorization"] == "Bearer secret"
    agent = request.headers["user-agent"]
    assert "IQMServerClient qstation" in agent and agent.endswith(", sig/1")
    assert request.headers["accept"] == "application/json"


def test_opentelemetry_propagates_the_trace_context() -> None:
    trace = pytest.importorskip("opentelemetry.trace")
    fake = FakeIQMServer()
    client = IQMServerClient("http://localhost", quantum_computer="sim",
                             enable_opentelemetry=True, transport=fake.transport())
    parent = trace.SpanContext(trace_id=0x1234, span_id=0x5678, is_remote=False,
                               trace_flags=trace.TraceFlags(1))
    with trace.use_span(trace.NonRecordingSpan(parent)):
        assert client.get_health() == {"status": "healthy"}
    header = fake.requests[-1].headers["traceparent"]
    assert header.startswith("00-" + f"{0x1234:032x}")
    plain = IQMServerClient("http://localhost", quantum_computer="sim",
                            transport=fake.transport())
    plain.get_health()
    assert "traceparent" not in fake.requests[-1].headers


def test_client_side_validation_happens_before_sending() -> None:
    fake = FakeIQMServer()
    client = IQMClient("http://localhost", quantum_computer="sim", transport=fake.transport())
    bad = [{"name": "c", "instructions": [{"name": "cz", "locus": ["QB1"]}]}]
    with pytest.raises(CircuitValidationError, match="acts on 2"):
        client.submit_circuits(bad)
    assert fake.requests == []
