"""Pulse-level run definitions for tests, built with IQM's own models.

``rabi_run`` plays one Gaussian drive pulse per segment (one amplitude per segment) and reads
the qubit out; ``toy_channels``/``toy_settings`` describe a small station for tests that do not
need a real one (validation), in the forms the station publishes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from exa.common.data.parameter import Parameter, Setting
from exa.common.data.setting_node import SettingNode
from exa.common.sweep.util import NdSweep
from iqm.models.channel_properties import AWGProperties, ChannelProperties, ReadoutProperties
from iqm.models.playlist import Playlist, Segment
from iqm.models.playlist.channel_descriptions import (
    ChannelDescription,
    IQChannelConfig,
    ReadoutChannelConfig,
)
from iqm.models.playlist.instructions import (
    Instruction,
    IQPulse,
    ReadoutTrigger,
    ThresholdStateDiscrimination,
    VirtualRZ,
    Wait,
)
from iqm.models.playlist.waveforms import Constant, Gaussian
from iqm.station_control.client.serializers import serialize_run_definition
from iqm.station_control.interface.models import RunDefinition, SweepDefinition

RATE = 2.0e9
GRANULARITY = 16


def toy_channels(qubits: Sequence[str] = ("QB1",)) -> dict[str, ChannelProperties]:
    """Channel properties of a small station: a drive per qubit and one probe line."""
    drive = (IQPulse, VirtualRZ, Wait)
    channels: dict[str, ChannelProperties] = {
        f"{q}__drive.awg": AWGProperties(
            sampling_rate=RATE,
            instruction_duration_granularity=GRANULARITY,
            instruction_duration_min=GRANULARITY,
            compatible_instructions=drive,
        )
        for q in qubits
    }
    channels["PL-1__readout"] = ReadoutProperties(
        sampling_rate=RATE,
        instruction_duration_granularity=GRANULARITY,
        instruction_duration_min=GRANULARITY,
        compatible_instructions=(ReadoutTrigger, Wait),
        integration_start_dead_time=0,
        integration_stop_dead_time=0,
    )
    return channels


def _setting(name: str, value: object, label: str = "") -> Setting:
    return Setting(Parameter(name=name, label=label or name), value)


def toy_settings(shots: int, qubits: Sequence[str] = ("QB1",)) -> SettingNode:
    """A settings tree with the options a run reads and a drive frequency per qubit."""
    options = SettingNode(
        name="options",
        playlist_repeats=_setting("options.playlist_repeats", shots),
        averaging_bins=_setting("options.averaging_bins", shots),
        end_delay=_setting("options.end_delay", 1e-4),
    )
    drives = {
        f"{q}__drive": SettingNode(
            name=f"{q}__drive", frequency=_setting(f"{q}__drive.frequency", 4.5e9 + 1e8 * i)
        )
        for i, q in enumerate(qubits)
    }
    controllers = SettingNode(name="controllers", options=options, **drives)
    return SettingNode(name="root", controllers=controllers)


def rabi_playlist(
    amplitudes: Sequence[float],
    qubit: str = "QB1",
    *,
    drive: str | None = None,
    readout: str = "PL-1__readout",
    duration: int = 64,
    threshold: float = 0.5,
) -> Playlist:
    """One segment per amplitude: a Gaussian drive pulse, then a thresholded readout."""
    drive = drive or f"{qubit}__drive.awg"
    playlist = Playlist()
    drive_ch = ChannelDescription(IQChannelConfig(sampling_rate=RATE), drive)
    read_ch = ChannelDescription(ReadoutChannelConfig(sampling_rate=RATE), readout)
    playlist.add_channel(drive_ch)
    playlist.add_channel(read_ch)
    gauss = Gaussian(n_samples=duration, sigma=0.25)
    probe = Instruction(
        1024, IQPulse(Constant(n_samples=1024), Constant(n_samples=1024), scale_i=0.1, scale_q=0.0)
    )
    weights = IQPulse(Constant(n_samples=1024), Constant(n_samples=1024), scale_i=1.0, scale_q=0.0)
    acquire = ThresholdStateDiscrimination(
        label=f"{qubit}__readout.result", delay_samples=0, weights=weights, threshold=threshold
    )
    trigger = Instruction(1024, ReadoutTrigger(probe_pulse=probe, acquisitions=(acquire,)))
    for amplitude in amplitudes:
        segment = Segment()
        pulse = IQPulse(gauss, gauss, scale_i=float(amplitude), scale_q=0.0)
        segment.add_to_segment(drive_ch, Instruction(duration, pulse))
        segment.add_to_segment(drive_ch, Instruction(1024, Wait()))
        segment.add_to_segment(read_ch, Instruction(duration, Wait()))
        segment.add_to_segment(read_ch, trigger)
        playlist.segments.append(segment)
    return playlist


def run_definition(
    playlist: Playlist,
    settings: SettingNode,
    *,
    sweeps: NdSweep | None = None,
    return_parameters: Sequence[str] = ("QB1__readout.result",),
    dut_label: str = "twin",
) -> RunDefinition:
    """A run definition of ``playlist`` under ``settings`` with fresh ids."""
    sweep = SweepDefinition(
        sweep_id=uuid.uuid4(),
        dut_label=dut_label,
        settings=settings,
        sweeps=sweeps or [],
        return_parameters=list(return_parameters),
        playlist=playlist,
    )
    return RunDefinition(
        run_id=uuid.uuid4(),
        username="test",
        experiment_name="rabi",
        experiment_label="rabi",
        sweep_definition=sweep,
    )


def to_bytes(run: RunDefinition) -> bytes:
    """The wire form of ``run`` (what ``IQMClient.submit_playlist`` sends)."""
    return serialize_run_definition(run).SerializeToString()
