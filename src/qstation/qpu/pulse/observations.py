"""Pulse-level calibration observations, and reading a run's settings back.

IQM's standard compiler takes each gate's pulse parameters from the calibration set, as
observations named ``gates.<operation>.<implementation>.<locus>.<parameter>``. This module
turns the pulse-level twin into exactly those observations (only for the gates the calibration
set offers, so a failed gate stays absent), and, the other way round, reads the values the
pulse engine needs from the settings tree of a submitted run (:func:`channel_config`).
"""

from __future__ import annotations

from typing import Any

from exa.common.data.setting_node import SettingNode
from exa.common.qcm_data.chip_topology import sort_components

from qstation.qpu.calibration import CalibrationData
from qstation.qpu.device import DeviceSpec
from qstation.qpu.pulse.config import ChannelConfig
from qstation.qpu.pulse.station import feedback_sources
from qstation.qpu.pulse.twin import CouplerPulse, PulseTwin, QubitPulse, granular

Observation = tuple[str, Any, str]  # dut_field, value, unit

#: Rise and fall time of the coupler's and the qubit's flux pulses (s).
FLUX_RISE_TIME = 4e-9
#: Latency of a measured bit from the probe line to a drive (s). The circuit-level model has
#: none (a ``cc_prx`` starts when its measurement ends), so the station publishes none either.
FEEDBACK_DELAY = 0.0
#: Idle time that lets a qubit relax to |0> between shots, in units of its T1.
RESET_WAIT_T1 = 5.0


def _prx(q: QubitPulse) -> list[Observation]:
    base = f"gates.prx.drag_gaussian.{q.name}"
    return [
        (f"{base}.duration", q.pi_duration, "s"),
        (f"{base}.full_width", q.pi_duration, "s"),
        (f"{base}.amplitude_i", q.pi_amplitude, ""),
        (f"{base}.amplitude_q", q.drag_amplitude_q, ""),
    ]


def _measure(q: QubitPulse) -> list[Observation]:
    out: list[Observation] = []
    for op in ("measure", "measure_fidelity"):
        base = f"gates.{op}.constant.{q.name}"
        out += [
            (f"{base}.duration", q.readout_duration, "s"),
            # Absolute; the compiler subtracts the probe line's centre frequency.
            (f"{base}.frequency", q.readout_frequency, "Hz"),
            (f"{base}.phase", 0.0, "rad"),
            (f"{base}.amplitude_i", q.readout_amplitude, ""),
            (f"{base}.integration_length", q.integration_length, "s"),
            (f"{base}.integration_threshold", q.threshold, ""),
            (f"{base}.acquisition_delay", 0.0, "s"),
        ]
    return out


def _two_component(
    op: str, impl: str, c: CouplerPulse, duration: float, *, qubit_flux: bool
) -> list[Observation]:
    # IQM's compiler looks a symmetric implementation (a CZ without qubit flux) up under its
    # locus in numerical order, whichever order the device file or the circuit names it in.
    a, b = c.qubits if qubit_flux else sort_components(c.qubits)
    base = f"gates.{op}.{impl}.{a}__{b}"
    out: list[Observation] = [
        (f"{base}.duration", duration, "s"),
        (f"{base}.rz.{a}", 0.0, "rad"),
        (f"{base}.rz.{b}", 0.0, "rad"),
        (f"{base}.coupler.full_width", duration, "s"),
        (f"{base}.coupler.rise_time", FLUX_RISE_TIME, "s"),
        (f"{base}.coupler.amplitude", c.cz_amplitude, ""),
    ]
    if qubit_flux:
        out += [
            (f"{base}.detuning", 0.0, "Hz"),
            (f"{base}.qubit.full_width", duration, "s"),
            (f"{base}.qubit.rise_time", FLUX_RISE_TIME, "s"),
            (f"{base}.qubit.amplitude", c.cz_amplitude, ""),
        ]
    return out


def _feedback(spec: DeviceSpec, cal: CalibrationData, q: str) -> bool:
    """Whether ``q`` takes a conditional prx (``cc_prx``, and IQM's ``reset`` built on it).

    Every drive of the station executes conditional pulses; a device without ``cc_prx`` among
    its circuit gates still resets through the pulse level, one whose ``cc_prx`` failed does not.
    """
    if "cc_prx" in spec.gates:
        return cal.is_calibrated("cc_prx", (q,))
    return "prx" in spec.gates and cal.is_calibrated("prx", (q,))


def compiler_observations(
    spec: DeviceSpec, cal: CalibrationData, twin: PulseTwin
) -> list[Observation]:
    """The observations IQM's standard compiler loads, for the gates ``cal`` offers."""
    out: list[Observation] = []
    sources = feedback_sources(twin)
    for q, p in twin.qubits.items():
        if "prx" in spec.gates and cal.is_calibrated("prx", (q,)):
            out += _prx(p)
        out += _measure(p)
        if _feedback(spec, cal, q):
            # One delay per feedback source of the drive (every probe line), in their order.
            field = f"gates.cc_prx.prx_composite.{q}.control_delays"
            out.append((field, [FEEDBACK_DELAY] * len(sources), "s"))
        out.append((f"gates.reset_wait.reset_wait.{q}.duration", RESET_WAIT_T1 * p.t1, "s"))
    longest = RESET_WAIT_T1 * max(p.t1 for p in twin.qubits.values())
    for r in spec.computational_resonators:  # a resonator idles as long as the slowest qubit
        out.append((f"gates.reset_wait.reset_wait.{r}.duration", longest, "s"))
    for c in twin.couplers.values():
        for op, impl, flux in (("cz", "tgss", False), ("move", "tgss_crf", True)):
            if c.qubits in spec.loci(op) and cal.is_calibrated(op, c.qubits):
                duration = granular(spec.gates[op].duration, twin.sample_rate, twin.granularity)
                out += _two_component(op, impl, c, duration, qubit_flux=flux)
    return out


def _value(settings: SettingNode, paths: tuple[str, ...], default: Any) -> Any:
    """The first of ``paths`` that the tree holds with a value, else ``default``."""
    for path in paths:
        try:
            value = settings[path].value
        except Exception:  # an absent path raises one of several exa errors
            continue
        if value is not None:
            return value
    return default


def channel_config(settings: SettingNode, twin: PulseTwin) -> ChannelConfig:
    """The values the engine reads, from a run's settings (compiled or station layout)."""
    calibrated = ChannelConfig.calibrated(twin, shots=1000)
    drive = {
        q: float(
            _value(
                settings,
                (f"controllers.{q}.drive.frequency", f"{q}__drive.frequency"),
                calibrated.drive_frequency[q],
            )
        )
        for q in twin.qubits
    }
    shots = int(
        _value(
            settings,
            ("controllers.options.playlist_repeats", "options.playlist_repeats"),
            calibrated.shots,
        )
    )
    threshold = {
        q: float(
            _value(
                settings,
                (f"gates.measure.constant.{q}.integration_threshold",),
                calibrated.integration_threshold[q],
            )
        )
        for q in twin.qubits
    }
    return ChannelConfig(
        drive_frequency=drive,
        readout_frequency=dict(calibrated.readout_frequency),
        shots=shots,
        integration_threshold=threshold,
    )
