"""Station artifacts: IQM's own packages read them back and compile circuits against them."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from exa.common.api import proto_serialization
from exa.common.qcm_data.chip_topology import ChipTopology
from iqm.pulse import Circuit
from iqm.pulse import CircuitOperation as Op
from iqm.station_control.client.serializers.channel_property_serializer import (
    serialize_channel_properties,
    unpack_channel_properties,
)
from iqm.station_control.client.serializers.setting_node_serializer import (
    deserialize_setting_node,
)

from qstation.qpu.calibration import CalibrationData, generate_calibration
from qstation.qpu.device import DeviceSpec
from qstation.qpu.pulse.compiler import standard_compiler
from qstation.qpu.pulse.observations import channel_config, compiler_observations
from qstation.qpu.pulse.station import (
    channel_properties,
    chip_design_record,
    settings_node,
)
from qstation.qpu.pulse.twin import pulse_twin

CATALOG = Path(__file__).parents[4] / "src" / "qstation" / "qpu" / "catalog"
DEVICES = ["star-5", "lattice-20", "lattice-54", "resonator-6"]


def _device(name: str) -> tuple[DeviceSpec, CalibrationData]:
    spec = DeviceSpec.from_file(CATALOG / f"{name}.json")
    return spec, generate_calibration(spec, spec.calibration_seed)


def _ghz(spec: DeviceSpec) -> Circuit:
    """A 3-qubit GHZ along a path a-b-c of couplers: H, then CZ-based CNOTs a->b, b->c."""
    loci = [pair for pair in spec.loci("cz") if all(x.startswith("QB") for x in pair)]
    a, b = loci[0]
    bc = next(pair for pair in loci if b in pair and a not in pair)
    c = bc[0] if bc[1] == b else bc[1]
    h = {"angle": math.pi / 2, "phase": math.pi / 2}
    back = {"angle": math.pi / 2, "phase": -math.pi / 2}
    ops = [Op(name="prx", locus=(a,), args=h)]
    for target, pair in ((b, (a, b)), (c, bc)):
        ops += [
            Op(name="prx", locus=(target,), args=h),
            Op(name="cz", locus=pair, args={}),
            Op(name="prx", locus=(target,), args=back),
        ]
    ops.append(Op(name="measure", locus=(a, b, c), args={"key": "m"}))
    return Circuit(name="ghz", instructions=tuple(ops))


@pytest.mark.parametrize("name", DEVICES)
def test_artifacts_survive_iqms_serializers(name: str) -> None:
    spec, cal = _device(name)
    twin = pulse_twin(spec, cal)
    node = settings_node(spec, twin)
    packed = proto_serialization.setting_node.pack(node, minimal=False).SerializeToString()
    assert deserialize_setting_node(packed) == node
    props = channel_properties(spec, twin)
    back = unpack_channel_properties(serialize_channel_properties(props).SerializeToString())
    assert back == props
    topology = ChipTopology.from_chip_design_record(chip_design_record(spec, twin))
    assert set(topology.qubits) == set(spec.qubits)
    assert len(topology.couplers) == len(spec.couplers)


@pytest.mark.parametrize("name", ["star-5", "lattice-20"])
def test_standard_compiler_compiles_ghz_into_a_playlist(name: str) -> None:
    spec, cal = _device(name)
    run, _ = standard_compiler(spec, cal).compile([_ghz(spec)])
    sweep = run.sweep_definition
    assert len(sweep.return_parameters) == 3 and all(
        p.endswith("__m") for p in sweep.return_parameters
    )
    channels = set(sweep.playlist.channel_descriptions)
    assert {c for c in channels if c.endswith("__drive.awg")} and any("TC-" in c for c in channels)
    # The compiled settings carry the calibrated values the engine reads.
    config = channel_config(sweep.settings, pulse_twin(spec, cal))
    assert config.drive_frequency == {
        q: p.frequency for q, p in pulse_twin(spec, cal).qubits.items()
    }


def test_resonator_device_compiles_move() -> None:
    spec, cal = _device("resonator-6")
    q, r = spec.loci("move")[0]
    circuit = Circuit(
        name="move",
        instructions=(
            Op(name="prx", locus=(q,), args={"angle": math.pi, "phase": 0.0}),
            Op(name="move", locus=(q, r), args={}),
            Op(name="move", locus=(q, r), args={}),
            Op(name="measure", locus=(q,), args={"key": "m"}),
        ),
    )
    run, _ = standard_compiler(spec, cal).compile([circuit])
    assert f"TC-1-{r}__flux.awg" in run.sweep_definition.playlist.channel_descriptions


def test_failed_gate_has_no_compiler_observations() -> None:
    spec, cal = _device("star-5")
    locus = spec.loci("cz")[0]
    broken = CalibrationData(cal.qubits, cal.pairs, cal.durations, failed=[f"cz:{','.join(locus)}"])
    fields = {f for f, _, _ in compiler_observations(spec, broken, pulse_twin(spec, broken))}
    assert not any(f.startswith(f"gates.cz.tgss.{locus[0]}__{locus[1]}.") for f in fields)
    assert any(f.startswith("gates.cz.tgss.") for f in fields)


def test_observations_publish_the_twins_values() -> None:
    spec, cal = _device("star-5")
    twin = pulse_twin(spec, cal)
    values = {f: v for f, v, _ in compiler_observations(spec, cal, twin)}
    assert values["gates.prx.drag_gaussian.QB1.amplitude_i"] == twin.qubits["QB1"].pi_amplitude
    assert values["gates.prx.drag_gaussian.QB1.amplitude_q"] == twin.qubits["QB1"].drag_amplitude_q
    cz = twin.couplers["TC-1-3"]
    assert values["gates.cz.tgss.QB1__QB3.coupler.amplitude"] == cz.cz_amplitude
