"""Circuit results in the QaaS shape, built from the worker's per-shot measurements.

The worker stores, per circuit, measurement key → shots by bits. A QaaS result lists, per
circuit, the bits named by its layout (``bit_keys``), in order, as counts, empirical
probabilities and per-shot samples, with the ideal final state computed at submission.
"""

from __future__ import annotations

import base64
import gzip
from typing import Any

import numpy as np
import orjson

from qstation.schemas.qaas_v1.codec import COMPRESSION, ENCODING


def layout_of_iqm_measurements(measurements: dict[str, Any]) -> dict[str, Any]:
    """The layout of a circuit submitted through the IQM API: every key, in stored order."""
    return {"bit_keys": list(measurements), "registers": {}}


def circuit_result(measurements: dict[str, Any], layout: dict[str, Any]) -> dict[str, Any]:
    """One circuit's QaaS result from its measurements and layout."""
    keys: list[str] = layout.get("bit_keys") or list(measurements)
    columns = [
        np.asarray(measurements[k], dtype=np.uint8).reshape(-1, _width(measurements[k]))
        for k in keys
        if k in measurements
    ]
    shots = columns[0].shape[0] if columns else 0
    table = np.concatenate(columns, axis=1) if columns else np.zeros((0, 0), np.uint8)
    counts = _counts(table)
    out: dict[str, Any] = {
        "probabilities": {b: c / shots for b, c in counts.items()} if shots else {},
        "counts": counts,
        "samples": table.tolist(),
        "final_state": layout.get("final_state"),
        "final_state_probabilities": layout.get("final_state_probabilities"),
    }
    if layout.get("registers"):
        out["registers"] = layout["registers"]
    return out


def _width(rows: Any) -> int:
    return len(rows[0]) if len(rows) and len(rows[0]) else 1


def _counts(table: np.ndarray) -> dict[str, int]:
    if table.shape[0] == 0 or table.shape[1] == 0:
        return {}
    chars = np.ascontiguousarray(table + ord("0"), dtype=np.uint8)
    rows = chars.view(f"S{chars.shape[1]}").ravel()
    values, counts = np.unique(rows, return_counts=True)
    return {v.decode(): int(c) for v, c in zip(values, counts, strict=True)}


def encode_results(measurements_json: str, layouts: list[dict[str, Any]] | None) -> str:
    """The ``result`` envelope of a completed circuit job (``layouts`` None: IQM job)."""
    per_circuit: list[dict[str, Any]] = orjson.loads(measurements_json)
    results = []
    for index, measurements in enumerate(per_circuit):
        if layouts is not None and index < len(layouts):
            layout = layouts[index]
        else:
            layout = layout_of_iqm_measurements(measurements)
        results.append(circuit_result(measurements, layout))
    return envelope(orjson.dumps(results))


def envelope(payload_json: bytes) -> str:
    """The compressed envelope around already-serialised JSON (same format as
    :func:`qstation.schemas.qaas_v1.compress`, faster for large results)."""
    data = base64.b64encode(gzip.compress(payload_json, compresslevel=6, mtime=0)).decode()
    return orjson.dumps({"data": data, "encoding": ENCODING, "compression": COMPRESSION}).decode()
