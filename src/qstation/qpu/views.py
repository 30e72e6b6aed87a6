"""Wire views of a device and its calibration set: DQA, SQA and observation sets.

Pure functions of a device spec and a calibration (qpu and schemas only), shared by the
server and by in-process twins, so both publish identical documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from qstation.qpu.calibration import CalibrationData
from qstation.qpu.device import DeviceSpec
from qstation.schemas.iqm_v1 import (
    DynamicQuantumArchitecture,
    GateImplementation,
    GateInfo,
    Observation,
    ObservationSet,
    StaticQuantumArchitecture,
)


def dynamic_architecture(
    spec: DeviceSpec, cal_id: str, cal: CalibrationData
) -> DynamicQuantumArchitecture:
    """The gates calibrated in ``cal``: a gate whose calibration failed is absent there."""
    gates: dict[str, GateInfo] = {}
    for name, gate in spec.gates.items():
        loci = [list(locus) for locus in spec.loci(name) if cal.is_calibrated(name, locus)]
        impl = GateImplementation(loci=loci)
        gates[name] = GateInfo(
            implementations={gate.implementation: impl},
            default_implementation=gate.implementation,
        )
    return DynamicQuantumArchitecture(
        calibration_set_id=UUID(cal_id),
        qubits=list(spec.qubits),
        computational_resonators=list(spec.computational_resonators),
        gates=gates,
    )


def static_architecture(spec: DeviceSpec) -> StaticQuantumArchitecture:
    """Components and couplings of the chip."""
    return StaticQuantumArchitecture(
        dut_label=spec.dut_label,
        qubits=list(spec.qubits),
        computational_resonators=list(spec.computational_resonators),
        connectivity=[list(c) for c in spec.couplers],
    )


def _locus_name(locus: tuple[str, ...]) -> str:
    return "__".join(locus)


def _observations(values: Sequence[tuple[str, Any, str]], ts: datetime) -> list[Observation]:
    return [
        Observation(
            observation_id=i,
            dut_field=field,
            value=value,
            unit=unit,
            created_timestamp=ts,
            modified_timestamp=ts,
        )
        for i, (field, value, unit) in enumerate(values, start=1)
    ]


def calibration_set(
    spec: DeviceSpec,
    cal_id: str,
    cal: CalibrationData,
    created_at: float,
    extra: Sequence[tuple[str, Any, str]] = (),
) -> ObservationSet:
    """Controller settings and gate durations of a calibration set.

    ``extra`` adds observations (the pulse-level parameters a station publishes); a field given
    there replaces the same field computed here.
    """
    values: list[tuple[str, Any, str]] = []
    for q, qc in cal.qubits.items():
        values.append((f"controllers.{q}.drive.frequency", qc.frequency, "Hz"))
    for name, gate in spec.gates.items():
        for locus in spec.loci(name):
            if cal.is_calibrated(name, locus):
                duration = cal.durations.get(name, gate.duration)
                field = f"gates.{name}.{gate.implementation}.{_locus_name(locus)}.duration"
                values.append((field, duration, "s"))
    if extra:
        replaced = {field for field, _, _ in extra}
        values = [v for v in values if v[0] not in replaced] + list(extra)
    return _set(spec, cal_id, "calibration-set", None, values, created_at)


def quality_metrics(
    spec: DeviceSpec, cal_id: str, cal: CalibrationData, created_at: float
) -> ObservationSet:
    """Coherence times, gate fidelities and readout errors, under IQM's observation names."""
    prx = spec.gates["prx"].implementation
    meas = spec.gates["measure"].implementation
    values: list[tuple[str, float, str]] = []
    for q, c in cal.qubits.items():
        values += [
            (f"characterization.model.{q}.t1_time", c.t1, "s"),
            (f"characterization.model.{q}.t2_time", c.t2, "s"),
            (f"characterization.model.{q}.t2_echo_time", c.echo_time, "s"),
            (f"metrics.rb.prx.{prx}.{q}.fidelity", c.prx_fidelity, ""),
            (f"metrics.ssro.measure.{meas}.{q}.fidelity",
             1 - (c.readout_p01 + c.readout_p10) / 2, ""),
            (f"metrics.ssro.measure.{meas}.{q}.error_0_to_1", c.readout_p01, ""),
            (f"metrics.ssro.measure.{meas}.{q}.error_1_to_0", c.readout_p10, ""),
        ]
    for gate in ("cz", "move"):
        if gate not in spec.gates:
            continue
        impl = spec.gates[gate].implementation
        for locus in spec.loci(gate):
            if cal.is_calibrated(gate, locus):
                fid = cal.pair_fidelity(gate, locus)
                values.append((f"metrics.irb.{gate}.{impl}.{_locus_name(locus)}.fidelity", fid, ""))
    metrics_id = str(uuid5(UUID(cal_id), "quality-metric-set"))
    return _set(spec, metrics_id, "quality-metric-set", cal_id, values, created_at)


def _set(
    spec: DeviceSpec,
    set_id: str,
    kind: str,
    describes: str | None,
    values: Sequence[tuple[str, Any, str]],
    created_at: float,
) -> ObservationSet:
    ts = datetime.fromtimestamp(created_at, UTC)
    return ObservationSet(
        observation_set_id=UUID(set_id),
        observation_set_type=kind,
        describes_id=UUID(describes) if describes else None,
        dut_label=spec.dut_label,
        created_timestamp=ts,
        end_timestamp=ts,
        observations=_observations(values, ts),
    )
