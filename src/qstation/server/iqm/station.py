"""The station artifacts of one calibration set, serialized once in the forms clients read.

Settings and channel properties travel as IQM's protobuf messages (serialized by IQM's own
packages), the chip design record as JSON, the experiment configuration as YAML.
"""

from __future__ import annotations

import json
from functools import cache, cached_property
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import exa.common.api.proto_serialization.setting_node as setting_node_proto
from iqm.station_control.client.serializers.channel_property_serializer import (
    serialize_channel_properties,
)

from qstation.qpu.calibration import CalibrationData
from qstation.qpu.device import DeviceSpec
from qstation.qpu.pulse import station
from qstation.qpu.pulse.observations import compiler_observations
from qstation.qpu.pulse.twin import PulseTwin, pulse_twin

#: IQM packages whose wire formats the station speaks.
_IQM_PACKAGES = (
    "iqm-data-definitions",
    "iqm-exa-common",
    "iqm-pulse",
    "iqm-station-control-client",
)


@cache
def station_software_versions() -> dict[str, str]:
    """Versions of the IQM packages that define the station's wire formats."""
    found = {}
    for name in _IQM_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - they are server dependencies
            continue
    return found


class StationArtifacts:
    """Lazily built, cached artifacts of a twin's station for one calibration set."""

    def __init__(self, spec: DeviceSpec, data: CalibrationData) -> None:
        self.spec = spec
        self.data = data

    @cached_property
    def twin(self) -> PulseTwin:
        """The pulse-level parameters of the calibration set."""
        return pulse_twin(self.spec, self.data)

    @cached_property
    def observations(self) -> list[tuple[str, Any, str]]:
        """Pulse-level calibration observations (what IQM's compiler loads)."""
        return compiler_observations(self.spec, self.data, self.twin)

    @cached_property
    def settings_pb(self) -> bytes:
        """The settings tree as a serialized ``SettingNode`` message."""
        node = station.settings_node(self.spec, self.twin)
        return bytes(setting_node_proto.pack(node, minimal=False).SerializeToString())

    @cached_property
    def channel_properties_pb(self) -> bytes:
        """Channel properties as a serialized ``ChannelPropertyDictionary`` message."""
        props = station.channel_properties(self.spec, self.twin)
        return serialize_channel_properties(props).SerializeToString()

    @cached_property
    def chip_design_records_json(self) -> bytes:
        """The chip design records (a list of one) as JSON."""
        return json.dumps([station.chip_design_record(self.spec, self.twin)]).encode()

    @cached_property
    def summary(self) -> dict[str, Any]:
        """A short description of the station for ``artifacts/about``."""
        props = station.channel_properties(self.spec, self.twin)
        return {
            "sample_rate": self.twin.sample_rate,
            "instruction_duration_granularity": self.twin.granularity,
            "channels": sorted(props),
            "probe_lines": sorted(station.probe_lines(self.twin)),
        }

    @cached_property
    def experiment_configuration_yaml(self) -> bytes:
        """The experiment configuration served under the station proxy."""
        return station.experiment_configuration(self.spec).encode()
