"""The station of a user-defined device, and CZ loci named in either order.

A device file in ``QSTATION_DEVICE_PATH`` may list a coupler in any order (``["QB8", "QB1"]``)
and give gate durations that are not whole AWG granules. IQM's compiler must still find every
gate's calibration and build playlists whose pulses the channels accept.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from exa.common.qcm_data.chip_topology import ChipTopology
from iqm.pulse import Circuit
from iqm.pulse import CircuitOperation as Op

from qstation.qpu import registry
from qstation.qpu.calibration import CalibrationData, generate_calibration
from qstation.qpu.device import DeviceSpec
from qstation.qpu.pulse.compiler import standard_compiler
from qstation.qpu.pulse.station import channel_properties, chip_design_record, settings_node
from qstation.qpu.pulse.twin import GRANULARITY, SAMPLE_RATE, granular, pulse_twin
from tests.support.devices import ring_device, write_device

HALF_PI = math.pi / 2


@pytest.fixture()
def ring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DeviceSpec]:
    """``ring-8`` loaded by the registry from a user's device directory."""
    monkeypatch.setenv("QSTATION_DEVICE_PATH", str(write_device(tmp_path, ring_device())))
    registry.catalog.cache_clear()
    try:
        yield registry.get_device("ring-8")
    finally:
        monkeypatch.delenv("QSTATION_DEVICE_PATH")
        registry.catalog.cache_clear()


def _bell(a: str, b: str, cz_locus: tuple[str, str]) -> Circuit:
    h = {"angle": HALF_PI, "phase": HALF_PI}
    back = {"angle": HALF_PI, "phase": -HALF_PI}
    return Circuit(
        name="bell",
        instructions=(
            Op(name="prx", locus=(a,), args=h),
            Op(name="prx", locus=(b,), args=h),
            Op(name="cz", locus=cz_locus, args={}),
            Op(name="prx", locus=(b,), args=back),
            Op(name="measure", locus=(a, b), args={"key": "m"}),
        ),
    )


def _samples(duration: float) -> float:
    return duration * SAMPLE_RATE


def test_granular_keeps_whole_granules_and_rounds_the_rest() -> None:
    assert granular(20e-9) == 20e-9  # 48 samples: kept bit for bit
    assert _samples(granular(25e-9)) == pytest.approx(64)  # 60 samples -> 4 granules
    assert _samples(granular(1e-12)) == pytest.approx(GRANULARITY)  # never zero


def test_user_device_has_a_station(ring: DeviceSpec) -> None:
    cal = generate_calibration(ring, ring.calibration_seed)
    twin = pulse_twin(ring, cal)
    settings = settings_node(ring, twin)
    assert {f"QB{i}__drive" for i in range(1, 9)} <= set(settings.children)
    assert "TC-1-8__flux" in settings.children
    assert "TC-1-8__flux.awg" in channel_properties(ring, twin)
    topology = ChipTopology.from_chip_design_record(chip_design_record(ring, twin))
    assert topology.get_coupler_for("QB8", "QB1") == "TC-1-8"
    # Every pulse lasts whole granules, whatever the device file says.
    for duration in [
        twin.qubits["QB1"].pi_duration,
        twin.couplers["TC-1-8"].cz_duration,
        twin.qubits["QB1"].readout_duration,
    ]:
        granules = _samples(duration) / GRANULARITY
        assert granules == pytest.approx(round(granules))


@pytest.mark.parametrize("locus", [("QB8", "QB1"), ("QB1", "QB8"), ("QB4", "QB5")])
def test_user_device_compiles_bell_on_any_coupler(ring: DeviceSpec, locus: tuple[str, str]) -> None:
    cal = generate_calibration(ring, ring.calibration_seed)
    run, _ = standard_compiler(ring, cal).compile([_bell(*locus, cz_locus=locus)])
    sweep = run.sweep_definition
    assert sorted(sweep.return_parameters) == sorted(f"{q}__m" for q in locus)
    coupler = "TC-{}-{}".format(*sorted(int(q[2:]) for q in locus))
    assert f"{coupler}__flux.awg" in sweep.playlist.channel_descriptions


@pytest.mark.parametrize("name", ["star-5", "lattice-20"])
def test_every_cz_of_a_catalog_device_compiles_in_either_order(name: str) -> None:
    spec = registry.get_device(name)
    cal: CalibrationData = generate_calibration(spec, spec.calibration_seed)
    loci = [locus for locus in spec.loci("cz") if cal.is_calibrated("cz", locus)]
    ops = [Op(name="cz", locus=locus, args={}) for locus in loci]
    ops += [Op(name="cz", locus=locus[::-1], args={}) for locus in loci]
    qubits = tuple(sorted({q for locus in loci for q in locus}, key=spec.qubits.index))
    ops.append(Op(name="measure", locus=qubits, args={"key": "m"}))
    run, _ = standard_compiler(spec, cal).compile([Circuit(name="cz", instructions=tuple(ops))])
    channels = run.sweep_definition.playlist.channel_descriptions
    assert sum(c.startswith("TC-") for c in channels) == len(loci)
