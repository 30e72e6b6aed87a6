"""OpenTelemetry: one trace from the SDK's submit through the API into the worker's execution."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from qstation.client import IQMClient
from tests.e2e.test_sdk import bell
from tests.support.servers import InProcessWorker

pytestmark = pytest.mark.timeout(90)


@pytest.fixture()
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """An in-memory exporter on the process's tracer provider; tracing asked for by OTEL_*."""
    from qstation.telemetry import tracing

    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # the global provider can be set only once
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    processor = _Switch(exporter)
    provider.add_span_processor(processor)
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")  # a provider exists: nothing is sent
    yield exporter
    processor.active = False  # a provider keeps its processors: this one stops recording
    exporter.clear()
    tracing.uninstrument()


class _Switch(SimpleSpanProcessor):
    """A span processor that can be turned off."""

    active = True

    def on_end(self, span: Any) -> None:
        if self.active:
            super().on_end(span)


def test_one_trace_from_sdk_submit_to_worker_execution(
    tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    from fastapi.testclient import TestClient

    from qstation.server.app import create_app
    from qstation.server.config import Settings
    from qstation.store import migrate

    settings = Settings(data_dir=tmp_path / "data", qc=["star-5"])
    migrate.upgrade(settings.resolved_database_url())
    with (
        TestClient(create_app(settings)) as http,
        InProcessWorker(settings.resolved_database_url(), settings.notify_dir),
    ):
        sdk = IQMClient(
            "http://localhost",
            quantum_computer="star-5",
            http_client=http,
            enable_opentelemetry=True,
        )
        job_id = str(sdk.submit_circuits([bell("QB1", "QB3")], shots=100))
        sdk.wait_for_results(job_id, timeout_secs=60)

    finished = spans.get_finished_spans()
    submit = [
        s
        for s in finished
        if s.kind == trace.SpanKind.CLIENT and s.name == "POST /api/v1/jobs/star-5/circuit"
    ]
    assert len(submit) == 1, [s.name for s in finished]
    trace_id = submit[0].context.trace_id
    in_trace = [s for s in finished if s.context.trace_id == trace_id]
    by_id = {s.context.span_id: s for s in in_trace}

    def ancestors(span: Any) -> list[Any]:
        chain = []
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            chain.append(span)
        return chain

    # The API's request span is the SDK's client span's child (a server span across
    # processes; in process, as here, the instrumentation makes it an internal one)...
    server = [s for s in in_trace if s.name == "POST /api/v1/jobs/{qc}/circuit"]
    assert len(server) == 1 and server[0].parent.span_id == submit[0].context.span_id
    assert server[0].attributes["http.route"] == "/api/v1/jobs/{qc}/circuit"
    assert len(server[0].attributes["qstation.request_id"]) == 32  # as in the access log
    # ... its statements are traced (SQLAlchemy) ...
    statements = [s for s in in_trace if s.attributes.get("db.system") == "sqlite"]
    assert any(s.name.startswith("INSERT") for s in statements), [s.name for s in in_trace]
    # ... and the worker's execution continues the same trace, under the submit request.
    [execute] = [s for s in in_trace if s.name == "execute job"]
    assert execute.kind == trace.SpanKind.CONSUMER
    assert execute.attributes["qstation.job.id"] == job_id
    assert execute.attributes["qstation.job.status"] == "completed"
    assert server[0] in ancestors(execute) and submit[0] in ancestors(execute)
    assert execute.start_time >= server[0].start_time
    # The polls while waiting are traces of their own, not part of the submission's.
    assert not any(s.name.endswith(f"/{job_id}") for s in in_trace)
