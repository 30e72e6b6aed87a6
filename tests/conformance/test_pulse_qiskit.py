"""IQM's pulse-level Qiskit flow (``iqm.qiskit_iqm.pulse_level_utils``) on every catalog device.

A Qiskit GHZ circuit becomes a playlist twice: transpiled and converted by ``qiskit_to_iqm``
(with the compiler it returns, set to the backend's calibration set and qubit mapping), and
untranspiled through ``get_qiskit_compiler`` (transpilation and MOVE routing as compiler
stages). The second is run with the client's ``submit_playlist`` and read back as a Qiskit
``Result``: GHZ counts. On resonator-6 the MOVE's qubit flux pulse is beyond the pulse engine
(docs/pulse.md, Limits): the submission is refused with an error naming the channel. Only
iqm-client 36 has these utilities.
"""

from __future__ import annotations

import pytest

from tests.conformance.runner import ScenarioRunner
from tests.conformance.venvs import ClientVenv

pytestmark = [pytest.mark.conformance, pytest.mark.slow, pytest.mark.timeout(900)]

SHOTS = 500  # as in scripts/pulse_qiskit_scenarios.py
QUBITS = {"star-5": 5, "lattice-20": 20, "lattice-54": 54, "resonator-6": 6}


@pytest.mark.parametrize("qc", sorted(QUBITS))
def test_qiskit_circuits_compile_to_playlists_and_run(
    scenarios: ScenarioRunner, client_venv: ClientVenv, qc: str
) -> None:
    if client_venv.version.startswith("35."):
        pytest.skip("iqm-client 35 has no pulse-level Qiskit utilities")
    out = scenarios.scenario(client_venv, "pulse_qiskit_scenarios", f"pulse_qiskit_{qc}")
    assert out["qubits"] == QUBITS[qc]
    for way in ("qiskit_to_iqm", "qiskit_compiler"):
        compiled = out[way]
        # Three measured qubits, each result named by its qubit and Qiskit's register.
        assert len(compiled["return_parameters"]) == 3
        assert all("__meas_3_0_" in p for p in compiled["return_parameters"])
        measured = {p.split("__")[0] for p in compiled["return_parameters"]}
        # Routing may add a swap through a fourth qubit; every measured qubit is driven.
        assert {f"{q}__drive.awg" for q in measured} <= set(compiled["channels"])
        # Two entangling gates, each a flux pulse on its own coupler.
        assert sum(c.startswith("TC-") for c in compiled["channels"]) >= 2
    run = out["run"]
    if qc == "resonator-6":
        # The CZs go through the computational resonator: a qubit's state moved in and out.
        # The twin does not model those flux pulses: the official client's submission is
        # refused before queuing, naming the channel.
        assert "move" in out["instructions"]
        assert run["raised"], run
        assert "__flux" in run["message"] and "FLUX_NOT_SIMULATED" in run["traceback"] + str(
            run["error_code"]) + run["message"], run
        assert any(
            c.endswith("__flux.awg") and c.startswith("QB")
            for c in out["qiskit_to_iqm"]["channels"]
        )
    else:
        assert not run["raised"] and run["success"], run
        counts = run["counts"]
        assert sum(counts.values()) == SHOTS
        # A GHZ state: all zeros or all ones, up to gate and readout errors.
        ghz = sum(n for bits, n in counts.items() if len(set(bits.replace(" ", ""))) == 1)
        assert ghz > 0.8 * SHOTS, counts
