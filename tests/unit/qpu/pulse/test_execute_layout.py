"""The shape of run results: spot order, per-spot layout, settings per spot, circuit views."""

from __future__ import annotations

import numpy as np
import orjson
from exa.common.data.parameter import Parameter
from exa.common.sweep.util import Sweep

from qstation.qpu.pulse.definition import find_setting, trigger_segments
from qstation.qpu.pulse.execute import _circuits, apply_spot, spot_array, spots
from tests.support.pulse import rabi_playlist, toy_settings


def _sweep(name: str, data: list[float]) -> Sweep:
    return Sweep(parameter=Parameter(name, name), data=data)


def test_first_sweep_changes_fastest_and_parallel_sweeps_move_together() -> None:
    a, b, c = _sweep("a", [1, 2]), _sweep("b", [10, 20, 30]), _sweep("c", [-10, -20, -30])
    got = [dict(values) for values in spots([(a,), (b, c)])]
    assert len(got) == 6
    assert [(s["a"], s["b"], s["c"]) for s in got[:3]] == [(1, 10, -10), (2, 10, -10), (1, 20, -20)]
    assert list(spots([])) == [[]]  # nothing swept: one spot


def test_spot_array_is_shot_major_and_averages_into_bins() -> None:
    data = np.arange(12).reshape(3, 4)  # 3 segments x 4 shots
    flat = spot_array(data, [0, 2], bins=4)
    # shots major, triggers minor: shot 0 of segments 0 and 2, then shot 1 ...
    assert flat.tolist() == [0, 8, 1, 9, 2, 10, 3, 11]
    assert spot_array(data, [0, 2], bins=2).tolist() == [0.5, 8.5, 2.5, 10.5]


def test_apply_spot_writes_the_setting() -> None:
    settings = toy_settings(10)
    apply_spot(settings, [("QB1__drive.frequency", 4.25e9), ("options.playlist_repeats", 7)])
    assert find_setting(settings, "QB1__drive.frequency").value == 4.25e9
    assert find_setting(settings, "options.playlist_repeats").value == 7


def test_trigger_segments_lists_each_acquisition() -> None:
    assert trigger_segments(rabi_playlist([0.1, 0.2])) == {"QB1__readout.result": [0, 1]}


def test_circuit_view_groups_labels_by_measurement_key() -> None:
    rng = np.random.default_rng(1)
    raw = {lb: rng.integers(0, 2, size=(2, 50), dtype=np.int8) for lb in ("QB1__m", "QB2__m")}
    out = _circuits([raw], {"QB1__m": [0, 1], "QB2__m": [1]}, 2)
    assert out is not None
    measurements, counts = (orjson.loads(x) for x in out)
    assert [sorted(m) for m in measurements] == [["m"], ["m"]]
    assert np.asarray(measurements[1]["m"]).shape == (50, 2)
    assert np.asarray(measurements[1]["m"])[:, 1].tolist() == raw["QB2__m"][1].tolist()
    assert sum(counts[1]["counts"].values()) == 50
    # Integrated IQ values are no circuit measurements.
    iq = {"QB1__m": np.ones((2, 5), complex)}
    assert _circuits([iq], {"QB1__m": [0, 1]}, 2) is None


def test_heralded_shots_are_kept_only_when_the_herald_read_zero() -> None:
    herald = np.array([[0, 1, 0, 0]], dtype=np.int8)
    result = np.array([[1, 1, 0, 1]], dtype=np.int8)
    raw = {"QB1____HERALD": herald, "QB1__m": result}
    out = _circuits([raw], {"QB1____HERALD": [0], "QB1__m": [0]}, 1)
    assert out is not None
    measurements, counts = (orjson.loads(x) for x in out)
    assert measurements == [{"m": [[1], [0], [1]]}]
    assert counts == [{"measurement_keys": ["m"], "counts": {"0": 1, "1": 2}}]
