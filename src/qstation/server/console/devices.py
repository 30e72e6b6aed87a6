"""What the console shows of quantum computers: cards, the chip graph, calibration history."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from qstation.qpu.calibration import CalibrationData
from qstation.qpu.device import DeviceSpec
from qstation.server.deps import AppState
from qstation.store.orm import JOBS

#: The metrics a chip can be coloured by: key, label, unit, whether larger is better.
METRICS: list[tuple[str, str, str, bool]] = [
    ("t1", "T1", "µs", True),
    ("t2", "T2", "µs", True),
    ("readout_error", "readout error", "%", False),
    ("prx_fidelity", "prx fidelity", "%", True),
    ("cz_fidelity", "cz fidelity", "%", True),
]
METRIC_KEYS = [m[0] for m in METRICS]


@dataclass(frozen=True)
class DeviceCard:
    """One quantum computer on the overview page."""

    alias: str
    display_name: str
    status: str
    waiting: int
    processing: int
    n_qubits: int
    calibration_set_id: str | None
    calibration_age_s: float | None


async def queue_depths(session: AsyncSession) -> dict[tuple[str, str], int]:
    """Unfinished jobs per (quantum computer, status)."""
    stmt = (
        select(JOBS.c.quantum_computer, JOBS.c.status, func.count())
        .where(JOBS.c.status.in_(("waiting", "processing")))
        .group_by(JOBS.c.quantum_computer, JOBS.c.status)
    )
    return {(qc, st): int(n) for qc, st, n in (await session.execute(stmt)).all()}


async def cards(state: AppState, session: AsyncSession) -> list[DeviceCard]:
    """Every hosted quantum computer with its queue and calibration age."""
    depths = await queue_depths(session)
    out = []
    now = time.time()
    for row in await state.devices.list(session):
        cal = None
        if row.default_calibration_set_id:
            cal = await state.devices.calibration(session, row.alias, "default")
        out.append(
            DeviceCard(
                alias=row.alias,
                display_name=row.display_name,
                status=row.status,
                waiting=depths.get((row.alias, "waiting"), 0),
                processing=depths.get((row.alias, "processing"), 0),
                n_qubits=len(cal.spec.qubits) if cal else 0,
                calibration_set_id=row.default_calibration_set_id,
                calibration_age_s=(now - cal.created_at) if cal else None,
            )
        )
    return out


def qubit_metrics(data: CalibrationData, qubit: str) -> dict[str, float]:
    """A qubit's figures in display units (µs, %)."""
    q = data.qubits[qubit]
    return {
        "t1": round(q.t1 * 1e6, 2),
        "t2": round(q.t2 * 1e6, 2),
        "readout_error": round(50 * (q.readout_p01 + q.readout_p10), 3),
        "prx_fidelity": round(100 * q.prx_fidelity, 4),
    }


def _pair_fidelity(data: CalibrationData, a: str, b: str) -> float | None:
    for gate in ("cz", "move"):
        try:
            return round(100 * data.pair_fidelity(gate, (a, b)), 4)
        except KeyError:
            continue
    return None


@cache
def _positions(
    components: tuple[str, ...], couplers: tuple[tuple[str, str], ...]
) -> dict[str, dict[str, float]]:
    """A drawing of the coupling graph: rustworkx's force-directed layout, seeded.

    Laid out once per chip on the server (milliseconds), so the browser only draws: a
    lattice comes out as its grid, a star or a resonator as its hub and spokes.
    """
    import rustworkx

    graph = rustworkx.PyGraph()
    index = {c: graph.add_node(c) for c in components}
    for a, b in couplers:
        graph.add_edge(index[a], index[b], None)
    layout = rustworkx.spring_layout(graph, seed=7, num_iter=500)
    # Couplers 60 units long on average, whatever the chip's size: nodes keep their scale.
    lengths = [math.dist(layout[index[a]], layout[index[b]]) for a, b in couplers]
    scale = 60 / (sum(lengths) / len(lengths)) if lengths else 1.0
    return {c: {"x": scale * layout[i][0], "y": scale * layout[i][1]} for c, i in index.items()}


def chip_graph(spec: DeviceSpec, data: CalibrationData) -> dict[str, Any]:
    """The chip as cytoscape.js elements with their positions and calibrated figures.

    Qubits are nodes with their metrics; computational resonators are nodes of another
    kind; couplers are edges with the two-component gate's fidelity.
    """
    at = _positions(spec.qubits + spec.computational_resonators, spec.couplers)
    nodes: list[dict[str, Any]] = [
        {"data": {"id": q, "kind": "qubit", **qubit_metrics(data, q)}, "position": at[q]}
        for q in spec.qubits
    ]
    nodes += [
        {"data": {"id": r, "kind": "resonator"}, "position": at[r]}
        for r in spec.computational_resonators
    ]
    edges = []
    for a, b in spec.couplers:
        fid = _pair_fidelity(data, a, b)
        edge: dict[str, Any] = {"id": f"{a}-{b}", "source": a, "target": b}
        if fid is not None:
            edge["cz_fidelity"] = fid
        edges.append({"data": edge})
    # Colour scales: the range of each metric over this chip (cytoscape maps data to colour).
    ranges: dict[str, list[float]] = {}
    for key in METRIC_KEYS:
        values = [e["data"][key] for e in nodes + edges if key in e["data"]]
        if values:
            low, high = min(values), max(values)
            ranges[key] = [low, high if high > low else low + 1e-9]
    return {"elements": nodes + edges, "ranges": ranges}


async def history(state: AppState, session: AsyncSession, qc: str) -> dict[str, Any]:
    """Every calibration set of ``qc`` as series over time: one per qubit and metric."""
    rows = await state.devices.calibration_rows(session, qc)
    times = [r.created_at for r, _ in rows]
    series: dict[str, dict[str, list[float]]] = {}
    for row, _ in rows:
        data = CalibrationData.from_json(row.data)
        for q in data.qubits:
            for key, value in qubit_metrics(data, q).items():
                series.setdefault(key, {}).setdefault(q, []).append(value)
    return {"times": times, "series": series}
