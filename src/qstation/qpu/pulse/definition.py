"""Run definitions as they arrive: decoding them, and reading what the station needs of them.

IQM's ``RunDefinition`` carries a settings tree (shots under ``options.playlist_repeats``), an
N-dimensional sweep over settings and a playlist. These helpers decode it with IQM's own
serializers and answer the questions that checking and executing a run ask of it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # IQM's packages are imported when a run definition is handled
    from exa.common.data.setting_node import SettingNode
    from iqm.models.playlist import Playlist
    from iqm.station_control.interface.models import RunDefinition

SHOTS_SETTING = "options.playlist_repeats"
BINS_SETTING = "options.averaging_bins"


class DefinitionError(ValueError):
    """A run definition the station cannot run; ``code`` is the IQM ``error_code``."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class NotSimulated(DefinitionError):
    """A definition a real station would run but the twin does not model."""


def parse_run_definition(body: bytes) -> RunDefinition:
    """Decode a serialized ``station_control.v2.RunDefinition``.

    ``iqm-client`` 35 sends sweeps in another envelope: a ``SweepTaskRequest`` holding the
    sweep definition alone. Such a body is read as the run of that sweep (its run id is the
    sweep's id, so each reading of the stored body gives the same run).

    Raises:
        DefinitionError: the bytes are neither.
    """
    from google.protobuf.message import DecodeError
    from iqm.data_definitions.station_control.v2.run_definition_pb2 import (
        RunDefinition as RunDefinitionProto,
    )
    from iqm.station_control.client.serializers.run_serializers import deserialize_run_definition

    if not body:
        raise DefinitionError(
            "empty request body: expected a protobuf RunDefinition", "MALFORMED_RUN_DEFINITION"
        )
    proto = RunDefinitionProto()
    try:
        proto.ParseFromString(body)
        return deserialize_run_definition(proto)
    except (DecodeError, ValueError, TypeError, KeyError, AttributeError) as err:
        run = _sweep_task_run(body)
        if run is None:
            raise DefinitionError(
                f"malformed run definition: {err}", "MALFORMED_RUN_DEFINITION"
            ) from err
        return run


def _sweep_task_run(body: bytes) -> RunDefinition | None:
    """The run of the sweep in a ``SweepTaskRequest`` envelope; None if ``body`` is none."""
    from google.protobuf.message import DecodeError
    from iqm.data_definitions.station_control.v1.sweep_request_pb2 import SweepRequest
    from iqm.data_definitions.station_control.v1.task_service_pb2 import SweepTaskRequest
    from iqm.station_control.client.serializers.sweep_serializers import (
        deserialize_sweep_definition,
    )
    from iqm.station_control.interface.models import RunDefinition

    envelope, sweep = SweepTaskRequest(), SweepRequest()
    try:
        envelope.ParseFromString(body)
        if not envelope.payload.Unpack(sweep):
            return None
        definition = deserialize_sweep_definition(sweep)
    except (DecodeError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return RunDefinition(
        run_id=definition.sweep_id, username="", experiment_name="sweep",
        experiment_label="sweep", sweep_definition=definition,
    )


def find_setting(settings: SettingNode, name: str) -> Any:
    """Setting (or node) ``name`` of ``settings``, also when the tree is rooted above the
    controllers (names then start with ``controllers.``); None if there is none."""
    found = settings.find_by_name(name)
    if found is None and not name.startswith("controllers."):
        found = settings.find_by_name(f"controllers.{name}")
    return found


def setting_value(run: RunDefinition, name: str) -> Any:
    """The value of setting ``name`` in the run's settings, or None if it has none."""
    return getattr(find_setting(run.sweep_definition.settings, name), "value", None)


def shot_count(run: RunDefinition) -> int:
    """Repetitions of the playlist the settings ask for (``options.playlist_repeats``)."""
    value = setting_value(run, SHOTS_SETTING)
    if not isinstance(value, int | float) or isinstance(value, bool) or value != int(value):
        raise DefinitionError(
            f"the settings must give {SHOTS_SETTING} as an integer, got {value!r}", "INVALID_SHOTS"
        )
    return int(value)


def spot_count(run: RunDefinition) -> int:
    """Spots of the run's N-dimensional soft sweep (1 when nothing is swept)."""
    return math.prod(len(parallel[0].data) for parallel in run.sweep_definition.sweeps if parallel)


def trigger_segments(playlist: Playlist) -> dict[str, list[int]]:
    """For each acquisition label, the segments that acquire it, once per acquisition."""
    from iqm.models.playlist.instructions import ReadoutTrigger

    found: dict[str, list[int]] = {}
    for s, segment in enumerate(playlist.segments):
        for name, indices in segment.instructions.items():
            table = playlist.channel_descriptions[name].instruction_table
            for i in indices:
                op = table[i].operation
                if isinstance(op, ReadoutTrigger):
                    for acquisition in op.acquisitions:
                        found.setdefault(acquisition.label, []).append(s)
    return found
