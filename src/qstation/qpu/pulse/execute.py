"""Executing a run definition on the pulse-level twin: sweep spots in, IQM sweep results out.

For every spot of the run's N-dimensional sweep (the first sweep changes fastest, as IQM's
post-processing expects), the spot's values are written into the run's settings, the settings
become the engine's :class:`~qstation.qpu.pulse.config.ChannelConfig`, and the engine plays the
playlist. Each return parameter (an acquisition label) then gets one flat array per spot, shot
by shot and, within a shot, trigger by trigger: the layout IQM's station returns and its
compiler's post-processing reshapes.

When every readout is a thresholded single shot taken at most once per segment, as in runs
compiled from circuits, each segment is also reported as one circuit: ``measurements`` (per
measurement key, the bits of its labels shot by shot) and ``measurement_counts``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from qstation.qpu.pulse.definition import (
    BINS_SETTING,
    find_setting,
    parse_run_definition,
    trigger_segments,
)

if TYPE_CHECKING:
    from exa.common.data.setting_node import SettingNode
    from exa.common.sweep.util import NdSweep

    from qstation.qpu.calibration import CalibrationData
    from qstation.qpu.device import DeviceSpec


#: The measurement key of IQM's heralding readouts (labels ``<qubit>____HERALD``).
HERALD_KEY = "__HERALD"


class RunCancelled(Exception):
    """Cancellation was requested between sweep spots."""


@dataclass(frozen=True)
class RunResults:
    """What a run job produces: serialized sweep results, and circuit views when they apply."""

    sweep_results: bytes
    measurements: str = ""  # JSON, as for circuit jobs; empty when the run has no circuits
    counts: str = ""


def spots(sweeps: NdSweep) -> Iterator[list[tuple[str, Any]]]:
    """The (setting name, value) assignments of each spot; the first sweep changes fastest."""
    dims = [parallel for parallel in sweeps if parallel]
    for index in itertools.product(*(range(len(p[0].data)) for p in reversed(dims))):
        yield [
            (sweep.parameter.name, sweep.data[i])
            for parallel, i in zip(dims, reversed(index), strict=True)
            for sweep in parallel
        ]


def apply_spot(settings: SettingNode, values: list[tuple[str, Any]]) -> None:
    """Write a spot's values into ``settings`` (in place)."""
    for name, value in values:
        setting = find_setting(settings, name)
        settings.update_setting(setting.update(value))


def spot_array(data: np.ndarray, segments: list[int], bins: int) -> np.ndarray:
    """One spot's flat result of a label: shots (or averaging bins) major, triggers minor.

    ``data`` is the engine's (segments, shots) array of the label.
    """
    per_shot = np.asarray(data)[segments].T  # (shots, triggers)
    shots = per_shot.shape[0]
    if bins < shots:
        per_shot = per_shot.reshape(bins, shots // bins, -1).mean(axis=1)
    # IQM's array format holds int64, float64 and complex128 (and bool) values only.
    wire = {"i": np.int64, "u": np.int64, "b": np.int64, "f": np.float64, "c": np.complex128}
    return np.ascontiguousarray(per_shot, dtype=wire[per_shot.dtype.kind]).ravel()


def execute_run(
    spec: DeviceSpec,
    cal: CalibrationData,
    definition: bytes,
    *,
    seed_of: Callable[[int], int],
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Callable[[int], None] = lambda _: None,
) -> RunResults:
    """Run a serialized run definition on the twin of ``cal``.

    Args:
        spec: the device.
        cal: the calibration set whose physics the twin simulates.
        definition: a serialized ``RunDefinition`` (already validated).
        seed_of: the random seed of each spot index (a reclaimed job re-runs identically).
        should_stop: polled between spots.
        on_progress: told the number of spots done.

    Raises:
        RunCancelled: ``should_stop`` answered True.
        PulseError: the engine cannot simulate an instruction.
    """
    from iqm.station_control.client.serializers.sweep_serializers import serialize_sweep_results

    from qstation.qpu.pulse.engine import simulate_playlist
    from qstation.qpu.pulse.observations import channel_config
    from qstation.qpu.pulse.twin import pulse_twin

    run = parse_run_definition(definition)
    sweep = run.sweep_definition
    playlist = sweep.playlist
    assert playlist is not None  # validation refuses runs without one
    twin = pulse_twin(spec, cal)
    triggers = trigger_segments(playlist)
    labels = list(sweep.return_parameters) or list(triggers)
    results: dict[str, list[np.ndarray]] = {label: [] for label in labels}
    raw_spots: list[dict[str, np.ndarray]] = []
    settings = sweep.settings
    for k, values in enumerate(spots(sweep.sweeps)):
        if should_stop():
            raise RunCancelled
        apply_spot(settings, values)
        config = channel_config(settings, twin)
        bins = int(getattr(find_setting(settings, BINS_SETTING), "value", None) or config.shots)
        raw = simulate_playlist(twin, playlist, config, np.random.default_rng(seed_of(k)))
        for label in labels:
            results[label].append(spot_array(raw[label], triggers.get(label, []), bins))
        raw_spots.append(raw)
        on_progress(k + 1)
    content = serialize_sweep_results(sweep.sweep_id, results)
    circuits = _circuits(
        raw_spots, {lb: triggers.get(lb, []) for lb in labels}, len(playlist.segments)
    )
    if circuits is None:
        return RunResults(content)
    measurements, counts = circuits
    return RunResults(content, measurements, counts)


def _circuits(
    raw_spots: list[dict[str, np.ndarray]], triggers: dict[str, list[int]], n_segments: int
) -> tuple[str, str] | None:
    """Measurements and counts per segment and spot, when every readout is a single-shot bit
    read at most once per segment under a ``<component>__<key>`` label; else None."""
    if not raw_spots or not triggers:
        return None
    for label, segments in triggers.items():
        if "__" not in label or len(set(segments)) != len(segments):
            return None
        if any(raw[label].dtype.kind not in "iub" for raw in raw_spots):
            return None
    measurements: list[dict[str, np.ndarray]] = []
    counts: list[dict[str, object]] = []
    for raw in raw_spots:
        for s in range(n_segments):
            keys: dict[str, list[str]] = {}
            for label, segments in triggers.items():
                if s in segments:
                    keys.setdefault(label.split("__", 1)[1], []).append(label)
            bits = {
                key: np.stack([raw[lb][s] for lb in group], axis=1).astype(np.uint8)
                for key, group in keys.items()
            }
            bits = _heralded(bits)
            measurements.append(bits)
            ordered = list(bits)
            counts.append({"measurement_keys": ordered, "counts": _counts(ordered, bits)})
    return (
        orjson.dumps(measurements, option=orjson.OPT_SERIALIZE_NUMPY).decode(),
        orjson.dumps(counts).decode(),
    )


def _heralded(bits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The circuit's own keys; with a heralding readout (IQM's ``__HERALD`` key), only the
    shots in which every heralded qubit read 0, as the circuit path keeps them."""
    herald = bits.get(HERALD_KEY)
    keep = slice(None) if herald is None else ~herald.any(axis=1)
    return {key: b[keep] for key, b in bits.items() if not key.startswith("__")}


def _counts(keys: list[str], bits: dict[str, np.ndarray]) -> dict[str, int]:
    """Bitstring counts, each key's bits joined in ``keys`` order."""
    if not keys:
        return {}
    table = np.concatenate([bits[k] for k in keys], axis=1)
    rows, counts = np.unique(table, axis=0, return_counts=True)
    return {"".join(map(str, row)): int(c) for row, c in zip(rows.tolist(), counts, strict=True)}
