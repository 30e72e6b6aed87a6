"""The station surface through the official ``iqm-client`` 36, on every catalog device.

``get_chip_label``, ``get_chip_topology``, ``get_feedback_groups`` and
``get_standard_compiler`` read the station's artifacts; the compiler then turns a Bell and a
3-qubit GHZ circuit, a CZ on every coupler, a conditional reset and (resonator-6) a
MOVE-mediated CZ into playlists. 35 has no station surface, so only 36 runs these.
"""

from __future__ import annotations

import pytest

from tests.conformance.runner import ScenarioRunner
from tests.conformance.venvs import ClientVenv

pytestmark = [pytest.mark.conformance, pytest.mark.timeout(900)]

EXPECTED = {
    "star-5": ("S5_twin_0", 5, 4),
    "lattice-20": ("L20_twin_0", 20, None),
    "lattice-54": ("L54_twin_0", 54, None),
    "resonator-6": ("R6_twin_0", 6, 6),
}


@pytest.mark.parametrize("qc", sorted(EXPECTED))
def test_station_artifacts_and_standard_compiler(
    scenarios: ScenarioRunner, client_venv: ClientVenv, qc: str
) -> None:
    if client_venv.version.startswith("35."):
        pytest.skip("iqm-client 35 has no station surface")
    out = scenarios.scenario(client_venv, "station_scenarios", f"station_{qc}")
    label, n_qubits, n_couplers = EXPECTED[qc]
    assert out["chip_label"] == label
    assert len(out["qubits"]) == n_qubits
    if n_couplers is not None:
        assert out["couplers"] == n_couplers
    # Feedback reaches every qubit from every probe line, as cc_prx does on the circuit path.
    assert [sorted(group) for group in out["feedback_groups"]] == [sorted(out["qubits"])]
    assert f"{out['qubits'][0]}__drive" in out["settings_children"]
    assert f"{out['qubits'][0]}__drive.awg" in out["channels"]
    assert out["configuration"]["controller_mapping"] == "qpu_convention"
    compiled = out["compiled"]
    assert "ConditionalInstruction" in compiled["reset"]["operations"]
    if qc == "resonator-6":
        # Its two-qubit gates go through the resonator: a qubit's state moved in, a CZ there.
        move_cz = compiled["move_cz"]
        assert len(move_cz["return_parameters"]) == 2
        assert sum(c.startswith("TC-") for c in move_cz["channels"]) == 2
        return
    bell, ghz = compiled["ghz2"], compiled["ghz3"]
    assert len(bell["return_parameters"]) == 2 and len(ghz["return_parameters"]) == 3
    assert any(c.startswith("TC-") for c in ghz["channels"])
    assert any(c.endswith("__readout") for c in ghz["channels"])
    # A CZ on every calibrated coupler, named in either order, pulses that coupler's flux line.
    assert sum(c.startswith("TC-") for c in compiled["every_cz"]["channels"]) == out["cz_loci"]
