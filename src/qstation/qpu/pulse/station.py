"""The station artifacts of a pulse-level twin, in the forms IQM's tools read.

A quantum computer's station is described by four artifacts, each built here from the device
spec and the pulse-level view of its calibration set (:func:`.twin.pulse_twin`):

- the chip design record: components (qubits, tunable couplers, probe lines, computational
  resonators) and what connects to what, from which IQM's ``ChipTopology`` is built;
- the settings tree (IQM's ``SettingNode``): one controller per channel, named by IQM's
  convention (``QB1__drive``, ``TC-1-3__flux``, ``PL-1__readout``), with the read-only hardware
  properties IQM's compiler derives its channel model from, plus the common ``options``;
- the channel properties: sample rate, granularity, minimum length and the instructions each
  AWG and readout channel executes, and the fast-feedback sources of each drive (every probe
  line);
- the experiment configuration (YAML) that tells IQM's tools to follow the naming convention.

The calibration observations the compiler loads live in :mod:`.observations`.
"""

from __future__ import annotations

from typing import Any

from exa.common.data.parameter import CollectionType, DataType, Parameter, Setting
from exa.common.data.setting_node import SettingNode
from iqm.models.channel_properties import AWGProperties, ChannelProperties, ReadoutProperties
from iqm.models.playlist.instructions import (
    ConditionalInstruction,
    IQPulse,
    MultiplexedIQPulse,
    ReadoutTrigger,
    RealPulse,
    VirtualRZ,
    Wait,
)

from qstation.qpu.device import DeviceSpec
from qstation.qpu.pulse.twin import PulseTwin, coupler_name

#: Shortest instruction (samples) any channel accepts.
INSTRUCTION_MIN = 16
#: Samples lost at the start and end of each acquisition window.
INTEGRATION_DEAD_TIME = 0
#: Instructions per kind of channel.
# Annotated as the models declare them: the instruction operations are generic in mypy's view.
DRIVE_INSTRUCTIONS: tuple[Any, ...] = (Wait, VirtualRZ, IQPulse, ConditionalInstruction)
FLUX_INSTRUCTIONS: tuple[Any, ...] = (Wait, RealPulse)
READOUT_INSTRUCTIONS: tuple[Any, ...] = (Wait, ReadoutTrigger, MultiplexedIQPulse)


def _setting(
    name: str,
    value: Any,
    unit: str = "",
    *,
    kind: DataType = DataType.FLOAT,
    collection: CollectionType = CollectionType.SCALAR,
    read_only: bool = False,
) -> Setting:
    return Setting(
        Parameter(name, unit=unit, data_type=kind, collection_type=collection),
        value,
        read_only=read_only,
    )


def probe_lines(twin: PulseTwin) -> dict[str, list[str]]:
    """Probe line name -> the qubits it reads out, in qubit order."""
    lines: dict[str, list[str]] = {}
    for q, p in twin.qubits.items():
        lines.setdefault(p.probe_line, []).append(q)
    return lines


def feedback_sources(twin: PulseTwin) -> list[str]:
    """The readouts every drive takes real-time feedback from: all probe lines.

    The circuit path lets a ``cc_prx`` act on any qubit's measurement, so the station routes
    feedback from every probe line to every drive (IQM's clients then see one feedback group).
    """
    return [f"{line}__readout" for line in probe_lines(twin)]


def probe_center_frequency(twin: PulseTwin, line: str) -> float:
    """The probe line's local-oscillator frequency: the middle of its qubits' resonators."""
    freqs = [twin.qubits[q].readout_frequency for q in probe_lines(twin)[line]]
    return (min(freqs) + max(freqs)) / 2.0


def fast_flux_qubits(spec: DeviceSpec) -> list[str]:
    """Qubits with their own fast-flux line: those that MOVE states into a resonator."""
    return sorted({a for a, _ in spec.loci("move")}, key=spec.qubits.index)


def chip_design_record(spec: DeviceSpec, twin: PulseTwin) -> dict[str, Any]:
    """The chip design record: one record, as IQM's station serves it."""
    lines = probe_lines(twin)

    def links(component: str) -> list[str]:
        return [coupler_name(a, b) for a, b in spec.couplers if component in (a, b)]

    qubits = [
        {"name": q, "connections": [*links(q), twin.qubits[q].probe_line]} for q in spec.qubits
    ]
    couplers = [{"name": coupler_name(a, b), "connections": [a, b]} for a, b in spec.couplers]
    resonators = [{"name": r, "connections": links(r)} for r in spec.computational_resonators]
    return {
        "cheddar": {"chip_label": spec.dut_label},
        "mask_set_name": str(spec.extra.get("family", spec.name)),
        "variant": spec.name,
        "content": {
            "components": {
                "qubit": qubits,
                "tunable_coupler": couplers,
                "probe_line": [{"name": pl, "connections": qs} for pl, qs in lines.items()],
                "computational_resonator": resonators,
            }
        },
    }


def _awg(twin: PulseTwin, feedback: list[str]) -> SettingNode:
    return SettingNode(
        "awg",
        sampling_rate=_setting("sampling_rate", twin.sample_rate, "Hz", read_only=True),
        instruction_duration_granularity=_setting(
            "instruction_duration_granularity", twin.granularity, kind=DataType.INT, read_only=True
        ),
        instruction_duration_min=_setting(
            "instruction_duration_min", INSTRUCTION_MIN, kind=DataType.INT, read_only=True
        ),
        feedback_sources=_setting(
            "feedback_sources",
            feedback,
            kind=DataType.STRING,
            collection=CollectionType.LIST,
            read_only=True,
        ),
        trigger_delay=_setting("trigger_delay", 0.0, "s"),
    )


def _readout(twin: PulseTwin, line: str) -> SettingNode:
    return SettingNode(
        f"{line}__readout",
        sampling_rate=_setting("sampling_rate", twin.sample_rate, "Hz", read_only=True),
        instruction_duration_granularity=_setting(
            "instruction_duration_granularity", twin.granularity, kind=DataType.INT, read_only=True
        ),
        instruction_duration_min=_setting(
            "instruction_duration_min", INSTRUCTION_MIN, kind=DataType.INT, read_only=True
        ),
        integration_start_dead_time=_setting(
            "integration_start_dead_time", INTEGRATION_DEAD_TIME, kind=DataType.INT, read_only=True
        ),
        integration_stop_dead_time=_setting(
            "integration_stop_dead_time", INTEGRATION_DEAD_TIME, kind=DataType.INT, read_only=True
        ),
        center_frequency=_setting("center_frequency", probe_center_frequency(twin, line), "Hz"),
    )


def settings_node(spec: DeviceSpec, twin: PulseTwin, shots: int = 1000) -> SettingNode:
    """The station's settings tree: a controller per channel and the common options."""
    children: dict[str, Any] = {}  # SettingNode's keyword arguments
    for q, p in twin.qubits.items():
        children[f"{q}__drive"] = SettingNode(
            f"{q}__drive",
            frequency=_setting("frequency", p.frequency, "Hz"),
            status=_setting("status", True, kind=DataType.BOOLEAN),
            awg=_awg(twin, feedback_sources(twin)),
        )
    for q in fast_flux_qubits(spec):
        children[f"{q}__flux"] = SettingNode(f"{q}__flux", awg=_awg(twin, []))
    for c in twin.couplers:
        children[f"{c}__flux"] = SettingNode(f"{c}__flux", awg=_awg(twin, []))
    for line in probe_lines(twin):
        children[f"{line}__readout"] = _readout(twin, line)
    children["options"] = SettingNode(
        "options",
        playlist_repeats=_setting("playlist_repeats", shots, kind=DataType.INT),
        averaging_bins=_setting("averaging_bins", shots, kind=DataType.INT),
        end_delay=_setting("end_delay", 0.0, "s"),
    )
    children["counter"] = SettingNode(
        "counter",
        subscribed_channels=_setting(
            "subscribed_channels", [], kind=DataType.STRING, collection=CollectionType.LIST
        ),
    )
    return SettingNode(spec.name, **children)


def channel_properties(spec: DeviceSpec, twin: PulseTwin) -> dict[str, ChannelProperties]:
    """Sample rate, granularity and instruction set of every channel of the station."""
    common: dict[str, Any] = {
        "sampling_rate": twin.sample_rate,
        "instruction_duration_granularity": twin.granularity,
        "instruction_duration_min": INSTRUCTION_MIN,
    }
    props: dict[str, ChannelProperties] = {}
    for q in twin.qubits:
        props[f"{q}__drive.awg"] = AWGProperties(
            **common,
            compatible_instructions=DRIVE_INSTRUCTIONS,
            fast_feedback_sources=feedback_sources(twin),
        )
    for component in [*fast_flux_qubits(spec), *twin.couplers]:
        props[f"{component}__flux.awg"] = AWGProperties(
            **common, compatible_instructions=FLUX_INSTRUCTIONS
        )
    for line in probe_lines(twin):
        props[f"{line}__readout"] = ReadoutProperties(
            **common,
            compatible_instructions=READOUT_INSTRUCTIONS,
            integration_start_dead_time=INTEGRATION_DEAD_TIME,
            integration_stop_dead_time=INTEGRATION_DEAD_TIME,
        )
    return props


def experiment_configuration(spec: DeviceSpec) -> str:
    """The experiment configuration (YAML) served under the quantum computer's proxy path."""
    return f"experiment:\n  dut_label: {spec.dut_label}\n  controller_mapping: qpu_convention\n"
