"""OpenTelemetry traces: the API's requests and queries, and each job's execution.

Tracing is configured with the standard variables. It is on when ``OTEL_TRACES_EXPORTER``
names an exporter (``otlp``, ``console``) or an OTLP endpoint is set
(``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``), and off with
``OTEL_SDK_DISABLED=true``. ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``,
``OTEL_TRACES_SAMPLER`` and the ``OTEL_EXPORTER_OTLP_*`` settings apply as usual. A tracer
provider installed before qstation starts (by ``opentelemetry-instrument``, or by a program
that embeds the app) is used as it is.

A job continues the trace it was submitted in: the API stores the W3C trace context of the
submitting request with the job, and the worker that runs it opens its execution span as
a child of that context, so one trace shows submit → queue → execute → result.
"""

from __future__ import annotations

import json
import logging
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

log = logging.getLogger("qstation.telemetry")
_state = {"on": False, "sqlalchemy": False}
_engines: weakref.WeakSet[Any] = weakref.WeakSet()  # the engines whose statements are traced


def wanted() -> bool:
    """Whether the ``OTEL_*`` variables ask for traces."""
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    exporter = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    )
    return (bool(exporter) and exporter != "none") or bool(endpoint)


def configure(service_name: str) -> bool:
    """Set up the process's tracer provider from the environment; returns whether tracing is on."""
    if not wanted():
        _state["on"] = False
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:  # the server extra brings them; a bare install traces nothing
        log.warning("OTEL_* asks for traces but opentelemetry-sdk is not installed")
        return False
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        for exporter in _exporters():
            provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
    _state["on"] = True
    return True


def _exporters() -> list[Any]:
    names = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").lower().split(",")
    out: list[Any] = []
    for name in (n.strip() for n in names):
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            out.append(OTLPSpanExporter())  # reads OTEL_EXPORTER_OTLP_* itself
        elif name == "console":
            from opentelemetry.sdk.trace.export import ConsoleSpanExporter

            out.append(ConsoleSpanExporter())
        elif name and name != "none":
            log.warning("unknown OTEL_TRACES_EXPORTER %r ignored", name)
    return out


def enabled() -> bool:
    """Whether this process traces (after :func:`configure`)."""
    return _state["on"]


def instrument_app(app: Any) -> None:
    """Trace ``app``'s requests (FastAPI)."""
    if not configure("qstation"):
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="metrics,console/static")


def instrument_engine(engine: Any) -> None:
    """Trace the statements of ``engine`` (sync or async), beside the process's other engines."""
    if not _state["on"]:
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    _engines.add(getattr(engine, "sync_engine", engine))
    instrumentor = SQLAlchemyInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()  # it takes its engines all at once
    # Its declared range stops below SQLAlchemy 2.1, whose engine events it uses
    # unchanged; the test suite checks that statements are traced.
    instrumentor.instrument(engines=list(_engines), skip_dep_check=True)
    _state["sqlalchemy"] = True


def uninstrument() -> None:
    """Stop tracing statements and jobs (for programs that embed the app, and tests)."""
    if _state["sqlalchemy"]:
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        SQLAlchemyInstrumentor().uninstrument()
        _state["sqlalchemy"] = False
    _engines.clear()
    _state["on"] = False


def current_context() -> str | None:
    """The active W3C trace context as JSON (``traceparent``, ``tracestate``), or None."""
    if not _state["on"]:
        return None
    from opentelemetry import propagate

    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return json.dumps(carrier) if "traceparent" in carrier else None


@contextmanager
def job_span(trace_context: str | None, job_id: str, qc: str, shots: int) -> Iterator[Any]:
    """The worker's span around one job's execution, a child of its submission's context.

    Yields the span (None when tracing is off) for the caller to add the outcome to.
    """
    if not _state["on"]:
        with nullcontext():
            yield None
        return
    from opentelemetry import propagate, trace

    parent = propagate.extract(json.loads(trace_context)) if trace_context else None
    tracer = trace.get_tracer("qstation.worker")
    with tracer.start_as_current_span(
        "execute job",
        context=parent,
        kind=trace.SpanKind.CONSUMER,
        attributes={
            "qstation.job.id": job_id,
            "qstation.quantum_computer": qc,
            "qstation.job.shots": shots,
        },
    ) as span:
        yield span
