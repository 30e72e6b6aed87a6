"""Pulse-level wire forms for the SDK: IQM's typed objects in, IQM's typed objects out.

The station's artifacts (settings tree, channel properties), run definitions and sweep
results travel as protobuf. The SDK takes and returns the objects of
IQM's own packages (``iqm.station_control.interface.models.RunDefinition`` and its
``SweepResults``, a mapping from return parameter to one array per sweep spot), converted with
IQM's serializers. Those packages are imported only when a pulse-level method is called, so the
circuit-level SDK does not need them (``pip install "qstation[pulse]"`` brings them).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from iqm.station_control.interface.models import RunDefinition, SweepResults

_HINT = 'pulse-level methods need IQM\'s station packages: pip install "qstation[pulse]"'


class Protobuf(Protocol):
    """A protobuf message (anything with ``SerializeToString``)."""

    def SerializeToString(self) -> bytes: ...


def _serializers() -> Any:
    try:
        from iqm.station_control.client import serializers
    except ImportError as err:
        raise ImportError(_HINT) from err
    return serializers


def run_definition_bytes(run: RunDefinition | Protobuf | bytes) -> bytes:
    """The wire form of a run definition.

    A ``RunDefinition`` without ids gets fresh ones, as IQM's client gives them on submission.
    """
    if isinstance(run, bytes):
        return run
    if hasattr(run, "SerializeToString"):
        return run.SerializeToString()
    serializers = _serializers()
    if run.run_id is None:
        run.run_id = uuid.uuid4()
    if run.sweep_definition.sweep_id is None:
        run.sweep_definition.sweep_id = uuid.uuid4()
    data: bytes = serializers.serialize_run_definition(run).SerializeToString()
    return data


def parse_run_definition(content: bytes) -> RunDefinition:
    """A ``RunDefinition`` from its wire form."""
    serializers = _serializers()
    from iqm.data_definitions.station_control.v2.run_definition_pb2 import (
        RunDefinition as RunDefinitionProto,
    )

    proto = RunDefinitionProto()
    proto.ParseFromString(content)
    run: RunDefinition = serializers.deserialize_run_definition(proto)
    return run


def parse_sweep_results(content: bytes) -> SweepResults:
    """``SweepResults`` from the wire form of ``sweep_results``."""
    results: SweepResults = _serializers().deserialize_sweep_results(content)
    return results


def setting_node(payload: bytes) -> Any:
    """A serialized ``SettingNode`` message as IQM's ``SettingNode``."""
    try:
        from iqm.station_control.client.serializers.setting_node_serializer import (
            deserialize_setting_node,
        )
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(_HINT) from exc
    return deserialize_setting_node(payload)


def channel_properties(payload: bytes) -> dict[str, Any]:
    """A serialized ``ChannelPropertyDictionary`` as IQM's channel-property objects by channel."""
    try:
        from iqm.station_control.client.serializers.channel_property_serializer import (
            unpack_channel_properties,
        )
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(_HINT) from exc
    return unpack_channel_properties(payload)
