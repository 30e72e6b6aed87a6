"""Circuit models (current and legacy names), validation, JSON metadata and results."""

from __future__ import annotations

import math
import uuid

import numpy as np
import orjson
import pytest

from qstation.client import (
    Circuit,
    CircuitValidationError,
    Instruction,
    JobStatus,
    RunResult,
)
from qstation.client._circuits import build_request, json_request_body, validate_circuit
from qstation.client.util import to_json_dict
from qstation.schemas.iqm_v1 import CircuitJobRequest


def test_legacy_names_become_current_ones() -> None:
    prx = Instruction(name="phased_rx", qubits=("QB1",), args={"angle_t": 0.25, "phase_t": 0.5})
    assert prx.name == "prx" and prx.locus == ["QB1"] and prx.qubits == ("QB1",)
    assert prx.args == {"angle": pytest.approx(math.pi / 2), "phase": pytest.approx(math.pi)}
    meas = Instruction(name="measurement", qubits=("QB1", "QB2"), args={"key": "m"})
    assert meas.name == "measure" and meas.model_dump()["locus"] == ["QB1", "QB2"]


def test_every_current_name_is_accepted() -> None:
    circuit = Circuit(name="all", instructions=[
        Instruction(name="prx", locus=["QB1"], args={"angle": 1.0, "phase": 0.5}),
        Instruction(name="cz", locus=["QB1", "QB2"]),
        Instruction(name="move", locus=["QB3", "CR1"]),
        Instruction(name="move", locus=["QB3", "CR1"]),
        Instruction(name="barrier", locus=["QB1", "QB2"]),
        Instruction(name="delay", locus=["QB1"], args={"duration": 1e-7}),
        Instruction(name="measure", locus=["QB1"], args={"key": "a", "feedback_key": "f"}),
        Instruction(name="cc_prx", locus=["QB2"], args={"angle": 1.0, "phase": 0.0,
                                                        "feedback_qubit": "QB1",
                                                        "feedback_key": "f"}),
        Instruction(name="reset", locus=["QB1", "QB2"]),
        Instruction(name="measure", locus=["QB2"], args={"key": "b"}),
    ])
    validate_circuit(circuit)


@pytest.mark.parametrize(
    ("instruction", "message"),
    [
        ({"name": "u3", "locus": ["QB1"]}, "unknown operation"),
        ({"name": "cz", "locus": ["QB1", "QB1"]}, "repeats"),
        ({"name": "prx", "locus": ["QB1"], "args": {"angle": 1.0}}, "missing argument"),
        ({"name": "prx", "locus": ["QB1"], "args": {"angle": math.nan, "phase": 0}}, "finite"),
        ({"name": "measure", "locus": ["QB1"], "args": {"key": ""}}, "empty or repeated"),
    ],
)
def test_structural_errors(instruction: dict[str, object], message: str) -> None:
    with pytest.raises(CircuitValidationError, match=message):
        build_request([{"name": "c", "instructions": [instruction]}])


def test_metadata_must_be_json_and_to_json_dict_helps() -> None:
    meta = {"angles": np.array([0.5, 1.5]), "n": np.int64(3), "z": 1 + 2j, "t": (1, 2)}
    circuit = Circuit(name="c", metadata=meta, instructions=[
        Instruction(name="measure", locus=["QB1"], args={"key": "m"})])
    with pytest.raises(CircuitValidationError, match="to_json_dict"):
        validate_circuit(circuit)
    converted = to_json_dict(meta)
    assert converted == {"angles": [0.5, 1.5], "n": 3, "z": {"real": 1.0, "imag": 2.0},
                         "t": [1, 2]}
    validate_circuit(circuit.model_copy(update={"metadata": converted}))
    with pytest.raises(TypeError):
        to_json_dict({"x": object()})


def test_request_options_and_mapping() -> None:
    request = build_request(
        [{"name": "c", "instructions": [{"name": "measure", "qubits": ["q0"],
                                         "args": {"key": "m"}}]}],
        qubit_mapping={"q0": "QB1"}, shots=10, heralding_mode="zeros", active_reset_cycles=1,
        calibration_set_id=str(uuid.UUID(int=1)),
    )
    assert request.mapping() == {"q0": "QB1"} and request.shots == 10
    assert request.active_reset_cycles == 1 and request.calibration_set_id == uuid.UUID(int=1)
    wire_form = [{"logical_name": "q0", "physical_name": "QB1"}]
    assert build_request(request.circuits, qubit_mapping=wire_form).mapping() == {"q0": "QB1"}
    with pytest.raises(CircuitValidationError, match="qubit_mapping"):
        build_request(request.circuits, qubit_mapping=[{"logical": "q0"}])
    with pytest.raises(CircuitValidationError, match="shots"):
        build_request(request.circuits, shots=0)
    with pytest.raises(CircuitValidationError, match="invalid job options"):
        build_request(request.circuits, heralding_mode="sometimes")
    with pytest.raises(CircuitValidationError, match="at least one"):
        build_request([])


def test_a_json_body_is_the_request_build_request_makes() -> None:
    """Circuits already in wire form are sent as they are, with the options checked and
    written as build_request writes them; the same job either way."""
    circuits = [{"name": "c", "instructions": [
        {"name": "prx", "locus": ["q0"], "args": {"angle": 0.5, "phase": 0.25}},
        {"name": "measure", "locus": ["q0"], "args": {"key": "m"}}]}]
    options = {"qubit_mapping": {"q0": "QB1"}, "shots": 10, "heralding_mode": "zeros",
               "active_reset_cycles": 1, "calibration_set_id": str(uuid.UUID(int=1))}
    sent = orjson.loads(json_request_body(circuits, **options))
    built = build_request(circuits, **options)
    assert sent["circuits"] == circuits  # as given, not rewritten
    dumped = orjson.loads(built.model_dump_json(exclude_none=False))
    assert {k: v for k, v in sent.items() if k != "circuits"} == {
        k: v for k, v in dumped.items() if k != "circuits"}
    assert CircuitJobRequest.model_validate(sent).model_dump() == built.model_dump()
    for bad, match in (({"shots": 0}, "shots"), ({"heralding_mode": "sometimes"}, "options"),
                       ({"calibration_set_id": "nope"}, "options"),
                       ({"qubit_mapping": [{"logical": "q0"}]}, "qubit_mapping")):
        with pytest.raises(CircuitValidationError, match=match):
            json_request_body(circuits, **bad)
    with pytest.raises(CircuitValidationError, match="at least one"):
        json_request_body([])


def test_run_result_counts() -> None:
    result = RunResult(job_id=uuid.uuid4(), status=JobStatus.COMPLETED, measurements=[
        {"a": [[0], [1], [1]], "b": [[1, 0], [1, 1], [1, 1]]}])
    (counts,) = result.counts()
    assert counts.measurement_keys == ["a", "b"]
    assert counts.counts == {"010": 1, "111": 2}
