"""Checking a run definition against the station before it is queued.

A run definition (IQM's ``RunDefinition``: settings, an N-dimensional sweep and a playlist)
is refused here, with a message that names the instruction, the channel and the limit, when
the station could not execute it: a channel it does not have, an instruction type the channel
does not support, a duration that is not a whole number of granules, or more segments, samples,
sweep spots or shots than the station takes. Everything accepted here is what
:mod:`qstation.qpu.pulse.execute` runs.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qstation.qpu.pulse.definition import (
    BINS_SETTING,
    SHOTS_SETTING,
    DefinitionError,
    NotSimulated,
    find_setting,
    setting_value,
    shot_count,
    spot_count,
    trigger_segments,
)

if TYPE_CHECKING:  # IQM's packages are imported when a run definition is handled
    from iqm.models.channel_properties import ChannelProperties
    from iqm.models.playlist import Playlist
    from iqm.station_control.interface.models import RunDefinition


@dataclass(frozen=True)
class Limits:
    """What one run job may ask of the station."""

    max_shots: int = 100_000
    max_segments: int = 1_000
    max_spots: int = 10_000
    max_segment_samples: int = 2**22  # per channel and segment: 2 ms at 2 GS/s
    max_work: int = 10**9  # shots x segments x spots: what the twin simulates in one job


@dataclass(frozen=True)
class Checked:
    """A run definition that passed :func:`validate_run`, with what was learnt on the way."""

    run: RunDefinition
    shots: int
    segments: int
    spots: int


def validate_run(
    run: RunDefinition,
    channels: Mapping[str, ChannelProperties],
    limits: Limits,
    simulated_flux: Collection[str] | None = None,
) -> Checked:
    """Check ``run`` against the station's ``channels`` and ``limits``.

    ``simulated_flux`` names the components whose flux pulses the twin models (None: all).

    Raises:
        NotSimulated: a flux pulse on a line the twin publishes but does not model.
        DefinitionError: naming the instruction, channel and limit that refuse it.
    """
    if not run.run_id or not isinstance(run.run_id, uuid.UUID):
        raise DefinitionError("the run definition has no run_id", "MALFORMED_RUN_DEFINITION")
    playlist = run.sweep_definition.playlist
    if playlist is None or not playlist.segments:
        raise DefinitionError(
            "the run definition has no playlist segments: nothing to execute", "EMPTY_PLAYLIST"
        )
    shots = _check_shots(run, limits)
    spots = _check_sweeps(run, limits)
    segments = len(playlist.segments)
    _limit("segments", segments, limits.max_segments, "TOO_MANY_SEGMENTS")
    _limit(
        "shots x segments x sweep spots", shots * segments * spots, limits.max_work, "RUN_TOO_LARGE"
    )
    # Every channel must exist before any is checked: an unknown one is the clearer error.
    props = {
        name: resolve_channel(name, channels) for name in sorted(playlist.channel_descriptions)
    }
    for name, channel in props.items():
        _check_channel(playlist, name, channel)
        if simulated_flux is not None:
            _check_simulated(playlist, name, simulated_flux)
    _check_segments(playlist, limits)
    _check_return_parameters(run, playlist)
    return Checked(run, shots, segments, spots)


def resolve_channel(name: str, channels: Mapping[str, ChannelProperties]) -> ChannelProperties:
    """The properties of playlist channel ``name``: its own entry, or its controller's.

    Playlist channels are named after their controller (``QB1__drive`` or ``QB1__drive.awg``).

    Raises:
        DefinitionError: the station has no such channel.
    """
    if name in channels:
        return channels[name]
    for key in sorted(channels, key=len, reverse=True):
        if name.startswith(key + ".") or key.startswith(name + "."):
            return channels[key]
    known = ", ".join(sorted(channels)[:12]) + (", ..." if len(channels) > 12 else "")
    raise DefinitionError(f"unknown channel {name!r}: the station has {known}", "UNKNOWN_CHANNEL")


def _limit(what: str, value: int, limit: int, code: str) -> None:
    if value > limit:
        raise DefinitionError(f"the run has {value} {what}, over the limit of {limit}", code)


def _check_shots(run: RunDefinition, limits: Limits) -> int:
    shots = shot_count(run)
    if not 0 < shots <= limits.max_shots:
        raise DefinitionError(
            f"{SHOTS_SETTING} must be between 1 and {limits.max_shots}, got {shots}",
            "INVALID_SHOTS",
        )
    bins = setting_value(run, BINS_SETTING)
    if bins is not None and (not isinstance(bins, int) or bins < 1 or shots % bins):
        raise DefinitionError(
            f"{BINS_SETTING}={bins!r} must be a positive divisor of {SHOTS_SETTING}={shots}",
            "INVALID_SHOTS",
        )
    return shots


def _check_sweeps(run: RunDefinition, limits: Limits) -> int:
    settings = run.sweep_definition.settings
    for parallel in run.sweep_definition.sweeps:
        lengths = {len(sweep.data) for sweep in parallel}
        if len(lengths) > 1:
            names = [sweep.parameter.name for sweep in parallel]
            raise DefinitionError(
                f"parallel sweeps {names} have different lengths {sorted(lengths)}", "INVALID_SWEEP"
            )
        for sweep in parallel:
            if find_setting(settings, sweep.parameter.name) is None:
                raise DefinitionError(
                    f"swept parameter {sweep.parameter.name!r} is not a setting of the station",
                    "UNKNOWN_SETTING",
                )
    spots = spot_count(run)
    _limit("sweep spots", spots, limits.max_spots, "TOO_MANY_SPOTS")
    return spots


def _operations(op: Any) -> Iterator[Any]:
    """``op`` and what it may play instead (the branches of a conditional instruction)."""
    from iqm.models.playlist.instructions import ConditionalInstruction

    yield op
    if isinstance(op, ConditionalInstruction):
        yield from _operations(op.if_true.operation)
        yield from _operations(op.if_false.operation)


def _played(playlist: Playlist, name: str) -> list[int]:
    """Indices of the channel's instructions that segments play (the table also holds the
    parts of compound instructions, such as probe pulses, which are checked with them)."""
    return sorted({i for seg in playlist.segments for i in seg.instructions.get(name, ())})


def _check_channel(playlist: Playlist, name: str, props: ChannelProperties) -> None:
    channel = playlist.channel_descriptions[name]
    rate = getattr(channel.channel_config, "sampling_rate", props.sampling_rate)
    if not math.isclose(rate, props.sampling_rate, rel_tol=1e-9):
        raise DefinitionError(
            f"channel {name!r} is declared at {rate:g} Hz; the station samples "
            f"it at {props.sampling_rate:g} Hz",
            "SAMPLE_RATE_MISMATCH",
        )
    allowed = tuple(props.compatible_instructions)
    table = channel.instruction_table
    for index in _played(playlist, name):
        if not 0 <= index < len(table):
            continue  # reported with its segment by _check_segments
        instruction = table[index]
        what = f"instruction {index} ({type(instruction.operation).__name__}) on channel {name!r}"
        for op in _operations(instruction.operation):
            if allowed and not isinstance(op, allowed):
                names = ", ".join(t.__name__ for t in allowed)
                raise DefinitionError(
                    f"{what}: channel {name!r} does not support "
                    f"{type(op).__name__} (it supports {names})",
                    "UNSUPPORTED_INSTRUCTION",
                )
        samples = instruction.duration_samples
        granularity = props.instruction_duration_granularity
        if samples % granularity:
            raise DefinitionError(
                f"{what} lasts {samples} samples, not a multiple of the "
                f"channel's granularity of {granularity} samples",
                "INVALID_DURATION",
            )
        if 0 < samples < props.instruction_duration_min:
            raise DefinitionError(
                f"{what} lasts {samples} samples, under the channel's minimum "
                f"of {props.instruction_duration_min}",
                "INVALID_DURATION",
            )


def _check_simulated(playlist: Playlist, name: str, simulated: Collection[str]) -> None:
    from iqm.models.playlist.instructions import Wait

    component, _, line = name.partition("__")
    if not line.startswith("flux") or component in simulated:
        return
    table = playlist.channel_descriptions[name].instruction_table
    for index in _played(playlist, name):
        if 0 <= index < len(table) and not isinstance(table[index].operation, Wait):
            kind = "qubit flux" if component.startswith("QB") else "a coupler to a resonator"
            raise NotSimulated(
                f"instruction {index} ({type(table[index].operation).__name__}) on channel "
                f"{name!r}: the twin simulates flux pulses only on tunable couplers between "
                f"two qubits, and {component} is {kind}",
                "FLUX_NOT_SIMULATED",
            )


def _check_segments(playlist: Playlist, limits: Limits) -> None:
    for s, segment in enumerate(playlist.segments):
        for name, indices in segment.instructions.items():
            channel = playlist.channel_descriptions.get(name)
            if channel is None:
                raise DefinitionError(
                    f"segment {s} plays on channel {name!r}, which the playlist does not describe",
                    "UNKNOWN_CHANNEL",
                )
            table = channel.instruction_table
            bad = next((i for i in indices if not 0 <= i < len(table)), None)
            if bad is not None:
                raise DefinitionError(
                    f"segment {s} refers to instruction {bad} of channel "
                    f"{name!r}, which has {len(table)}",
                    "UNKNOWN_INSTRUCTION",
                )
            samples = sum(table[i].duration_samples for i in indices)
            if samples > limits.max_segment_samples:
                raise DefinitionError(
                    f"segment {s} lasts {samples} samples on channel {name!r}, "
                    f"over the limit of {limits.max_segment_samples}",
                    "SEGMENT_TOO_LONG",
                )


def _check_return_parameters(run: RunDefinition, playlist: Playlist) -> None:
    acquired = set(trigger_segments(playlist))
    missing = [p for p in run.sweep_definition.return_parameters if p not in acquired]
    if missing:
        raise DefinitionError(
            f"return parameters {missing} are acquired by no readout trigger of the playlist "
            f"(its triggers acquire {sorted(acquired)})",
            "UNKNOWN_RETURN_PARAMETER",
        )
