"""The pulse-level view of a calibration set."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from qstation.qpu.calibration import generate_calibration
from qstation.qpu.device import DeviceSpec
from qstation.qpu.drift import drift_calibration
from qstation.qpu.pulse.twin import coupler_name, pulse_twin

CATALOG = Path(__file__).parents[3] / "src" / "qstation" / "qpu" / "catalog"


@pytest.mark.parametrize("name", ["star-5", "lattice-20", "lattice-54", "resonator-6"])
def test_every_qubit_and_coupler_has_pulse_parameters(name: str) -> None:
    spec = DeviceSpec.from_file(CATALOG / f"{name}.json")
    cal = generate_calibration(spec, spec.calibration_seed)
    twin = pulse_twin(spec, cal)
    assert set(twin.qubits) == set(spec.qubits)
    assert set(twin.couplers) == {coupler_name(a, b) for a, b in spec.couplers}
    assert len(twin.couplers) == len(spec.couplers)  # names are unique
    for q, p in twin.qubits.items():
        assert p.frequency == cal.qubits[q].frequency and p.t1 == cal.qubits[q].t1
        assert 0.0 < p.pi_amplitude < 1.0 and p.anharmonicity < -1e8
        # The cloud overlap alone reproduces the calibrated 0 -> 1 readout error.
        overlap = 0.5 * math.erfc((p.threshold / p.readout_sigma) / math.sqrt(2))
        assert overlap == pytest.approx(cal.qubits[q].readout_p01, rel=1e-6)
    for c in twin.couplers.values():
        phase = c.phase_per_amplitude2_second * c.cz_amplitude**2 * c.cz_duration
        assert phase == pytest.approx(math.pi)


def test_same_set_same_parameters_and_drift_moves_them() -> None:
    spec = DeviceSpec.from_file(CATALOG / "star-5.json")
    cal = generate_calibration(spec, spec.calibration_seed)
    assert pulse_twin(spec, cal) == pulse_twin(spec, cal)
    drifted = drift_calibration(cal, seed=1)
    a, b = pulse_twin(spec, cal).qubits["QB1"], pulse_twin(spec, drifted).qubits["QB1"]
    assert a.frequency != b.frequency and a.pi_amplitude != b.pi_amplitude
    assert b.t1 == drifted.qubits["QB1"].t1
