"""A worker's circuit job: the collector stays off while it runs, and on again after; a job whose
heralding leaves no shots fails with the circuit's name."""

from __future__ import annotations

import dataclasses
import gc
import json

import orjson
import pytest

from qstation.qpu.calibration import generate_calibration
from qstation.qpu.executor import Executor
from qstation.qpu.registry import get_device
from qstation.queue.runner import JobFailed, run_circuit_job
from tests.support.circuits import bell, job


def test_a_job_runs_with_the_collector_off_and_ends_with_it_on() -> None:
    spec = get_device("star-5")
    cal = generate_calibration(spec, spec.calibration_seed)
    payload = json.dumps(job(*[bell("QB1", "QB3") for _ in range(3)], shots=300))
    during: list[bool] = []
    assert gc.isenabled()
    outcome = run_circuit_job("job-1", payload, spec, cal, Executor(cal), lambda: False,
                              lambda _done: during.append(gc.isenabled()))
    assert during == [False, False, False]  # one report per circuit
    assert gc.isenabled()
    counts = orjson.loads(outcome.counts)
    assert [sum(c["counts"].values()) for c in counts] == [300, 300, 300]


def test_a_job_whose_heralding_discards_every_shot_fails_naming_the_circuit() -> None:
    spec = get_device("star-5")
    cal = generate_calibration(spec, spec.calibration_seed)
    for qubit in ("QB1", "QB3"):  # every heralding read of |0> comes out 1
        cal.qubits[qubit] = dataclasses.replace(cal.qubits[qubit], readout_p01=1.0)
    payload = json.dumps(job(bell("QB1", "QB3"), shots=50, heralding_mode="zeros"))
    with pytest.raises(JobFailed, match="circuit 'c0': heralding discarded all 50 shots"):
        run_circuit_job("job-2", payload, spec, cal, Executor(cal), lambda: False)
