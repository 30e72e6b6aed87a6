"""Decoding the station's binary artifacts into IQM's own types.

The SDK's base install has no IQM packages; pulse-level users have them (``qstation[server]``
or ``iqm-client``). They are imported here, on first use, with a message that says what to
install when they are missing.
"""

from __future__ import annotations

from typing import Any

_HINT = (
    "pulse-level data needs IQM's station packages: "
    "pip install iqm-station-control-client iqm-pulse"
)


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
