"""``GET /metrics``: Prometheus exposition of the API, its workers and the database's state.

Counters and histograms come from the processes that count them (added up across
processes in multi-process mode, see :mod:`qstation.telemetry.metrics`); queue depth,
busy workers and calibration age are read from the database at scrape time, so they are
right however many API and worker processes there are. With ``QSTATION_METRICS_TOKEN`` set
the endpoint asks for ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select

from qstation.server.deps import StateDep, unit_of_work
from qstation.server.errors import Unauthorized
from qstation.store.orm import JOBS, CalibrationSetRow, QuantumComputerRow
from qstation.telemetry import metrics

router = APIRouter(include_in_schema=False)


async def database_state(state: Any) -> dict[str, list[tuple[tuple[str, ...], float]]]:
    """Queue depth, busy workers and calibration age, as label tuples and values."""
    now = time.time()
    async with unit_of_work(state) as session:
        depth = (
            await session.execute(
                select(JOBS.c.quantum_computer, JOBS.c.use_timeslot, JOBS.c.status, func.count())
                .where(JOBS.c.status.in_(("waiting", "processing")))
                .group_by(JOBS.c.quantum_computer, JOBS.c.use_timeslot, JOBS.c.status)
            )
        ).all()
        busy = (
            await session.execute(
                select(func.count(func.distinct(JOBS.c.claimed_by))).where(
                    JOBS.c.status == "processing", JOBS.c.lease_expires_at > now
                )
            )
        ).scalar_one()
        ages = (
            await session.execute(
                select(QuantumComputerRow.alias, CalibrationSetRow.created_at).join(
                    CalibrationSetRow,
                    CalibrationSetRow.id == QuantumComputerRow.default_calibration_set_id,
                )
            )
        ).all()
        hosted = [r for (r,) in (await session.execute(select(QuantumComputerRow.alias))).all()]
    seen = {(qc, "timeslot" if ts else "fifo", st): float(n) for qc, ts, st, n in depth}
    for qc in hosted:  # an empty queue is a 0, not a missing series
        for queue in ("fifo", "timeslot"):
            for status in ("waiting", "processing"):
                seen.setdefault((qc, queue, status), 0.0)
    return {
        "depth": sorted(seen.items()),
        "busy": [((), float(busy))],
        "age": [((qc,), max(now - ts, 0.0)) for qc, ts in ages],
    }


class _Snapshot:
    """A collector that yields the database's state read just before the scrape."""

    def __init__(self, values: dict[str, list[tuple[tuple[str, ...], float]]]) -> None:
        self.values = values

    def collect(self) -> Iterable[Any]:
        from prometheus_client.core import GaugeMetricFamily

        depth = GaugeMetricFamily(
            "qstation_queue_depth",
            "Unfinished jobs in each queue.",
            labels=["quantum_computer", "queue", "status"],
        )
        busy = GaugeMetricFamily("qstation_workers_busy", "Workers holding a live lease on a job.")
        age = GaugeMetricFamily(
            "qstation_calibration_age_seconds",
            "Age of each quantum computer's default calibration set.",
            labels=["quantum_computer"],
        )
        for family, key in ((depth, "depth"), (busy, "busy"), (age, "age")):
            for labels, value in self.values[key]:
                family.add_metric(list(labels), value)
            yield family


def _check_token(request: Request, token: str | None) -> None:
    if not token:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
        raise Unauthorized("/metrics needs the metrics bearer token", error_code="MISSING_TOKEN")


@router.get("/metrics")
async def scrape(request: Request, state: StateDep) -> Response:
    """Every qstation metric in the Prometheus text format."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    _check_token(request, getattr(state.settings, "metrics_token", None))
    metrics.instruments()  # so that every family is listed, even before its first sample
    snapshot = _Snapshot(await database_state(state))
    if metrics.multiprocess():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    registry.register(snapshot)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class _Forward:
    """The process's default registry, inside a per-scrape registry."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Any]:
        return self.registry.collect()  # type: ignore[no-any-return]
