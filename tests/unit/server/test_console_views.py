"""The console's view data: chip graphs from catalog devices, histograms, circuit listings."""

from __future__ import annotations

import orjson
import pytest

from qstation.qpu.calibration import generate_calibration
from qstation.qpu.registry import get_device
from qstation.server.console.devices import METRIC_KEYS, chip_graph
from qstation.server.console.jobs import HISTOGRAM_BARS, circuits, histograms


@pytest.mark.parametrize("name", ["star-5", "lattice-20", "lattice-54", "resonator-6"])
def test_chip_graph_has_every_component_and_a_range_per_metric(name: str) -> None:
    spec = get_device(name)
    cal = generate_calibration(spec, seed=7)
    graph = chip_graph(spec, cal)
    nodes = [e["data"] for e in graph["elements"] if "source" not in e["data"]]
    edges = [e["data"] for e in graph["elements"] if "source" in e["data"]]
    assert {n["id"] for n in nodes} == set(spec.qubits) | set(spec.computational_resonators)
    assert len(edges) == len(spec.couplers)
    assert set(graph["ranges"]) == set(METRIC_KEYS)
    for key, (low, high) in graph["ranges"].items():
        values = [d[key] for d in nodes + edges if key in d]
        assert low == min(values) and high > low
    qb = nodes[0]
    q = cal.qubits[qb["id"]]
    assert qb["t1"] == round(q.t1 * 1e6, 2)
    assert qb["readout_error"] == round(50 * (q.readout_p01 + q.readout_p10), 3)
    assert all(0 < e["cz_fidelity"] <= 100 for e in edges)


def test_histograms_keep_the_most_frequent_outcomes_in_bitstring_order() -> None:
    counts = {format(i, "06b"): i + 1 for i in range(64)}
    text = orjson.dumps(
        [
            {"measurement_keys": ["m"], "counts": counts},
            {"measurement_keys": ["a", "b"], "counts": {"10": 2, "01": 7}},
        ]
    ).decode()
    first, second = histograms(text)
    assert first["shown"] == HISTOGRAM_BARS and first["distinct"] == 64
    assert first["labels"] == sorted(first["labels"])
    assert min(first["values"]) == 64 - HISTOGRAM_BARS + 1  # the 32 largest counts
    assert second["labels"] == ["01", "10"] and second["values"] == [7, 2]
    assert histograms("not json") == [] and histograms('{"counts": 1}') == []


def test_circuits_are_listed_with_their_arguments() -> None:
    payload = orjson.dumps(
        {
            "circuits": [
                {
                    "name": "bell",
                    "instructions": [
                        {"name": "prx", "locus": ["QB1"], "args": {"angle": 1.5, "phase": 0}},
                        {"name": "measure", "locus": ["QB1", "QB2"], "args": {"key": "m"}},
                    ],
                }
            ]
        }
    ).decode()
    [c] = circuits(payload)
    assert c["name"] == "bell" and c["total"] == 2
    assert c["lines"] == ["prx QB1 (angle=1.5, phase=0)", "measure QB1 QB2 (key=m)"]
    assert circuits("") == []
