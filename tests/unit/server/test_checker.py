"""The checks of circuit submissions, on a thread and in the checker process."""

from __future__ import annotations

import asyncio
import math
import os
import signal

import orjson

from qstation.qpu.calibration import generate_calibration
from qstation.qpu.registry import get_device
from qstation.schemas.iqm_v1 import load_accepted_job
from qstation.server.devices.service import Calibration
from qstation.server.jobs.checker import CheckerProcess
from qstation.server.jobs.checks import Checked, Limits, Refusal, check

LIMITS = Limits(max_shots=100_000, max_circuits=200, duration_over_t2=0.0)


def _star5(cal_id: str = "cal-1") -> Calibration:
    spec = get_device("star-5")
    return Calibration(id=cal_id, qc="star-5", spec=spec, data=generate_calibration(spec, 0),
                       created_at=0.0, retired=False)


def _job(locus: str = "QB1", **extra: object) -> bytes:
    prx = {"name": "prx", "locus": [locus], "args": {"angle": 0.5, "phase": 0.0}}
    measure = {"name": "measure", "locus": [locus], "args": {"key": "m"}}
    return orjson.dumps({"circuits": [{"name": "c", "instructions": [prx, measure]}],
                         "shots": 7, **extra})


def test_a_job_for_the_given_set_is_compiled_against_it() -> None:
    verdict = check(_job(), LIMITS, _star5())
    assert isinstance(verdict, Checked)
    assert (verdict.shots, verdict.n_circuits, verdict.compiled_with) == (7, 1, "cal-1")
    assert verdict.compiled_at is not None and verdict.compiled_at >= verdict.validated_at


def test_a_job_for_another_set_is_only_validated() -> None:
    verdict = check(_job(calibration_set_id="0b6a0ac1-0000-4000-8000-000000000000"), LIMITS,
                    _star5())
    assert isinstance(verdict, Checked) and verdict.compiled_with is None
    assert verdict.calibration_ref == "0b6a0ac1-0000-4000-8000-000000000000"


def test_refusals_name_the_rule() -> None:
    malformed = check(b"{", LIMITS, None)
    assert isinstance(malformed, Refusal) and malformed.error_code == "MALFORMED_JSON"
    unknown = check(_job(locus="QB9"), LIMITS, _star5())
    assert isinstance(unknown, Refusal) and unknown.error_code == "CIRCUIT_VALIDATION_FAILED"
    many = check(_job().replace(b'"shots":7', b'"shots":1000000'), LIMITS, None)
    assert isinstance(many, Refusal) and many.error_code == "INVALID_SHOTS"
    assert many.error().status_code == 400


def test_the_checker_process_gives_the_same_verdicts_and_survives_being_killed() -> None:
    async def scenario() -> None:
        checker = CheckerProcess()
        try:
            first = await checker.check(_job(), LIMITS, _star5())
            assert isinstance(first, Checked) and first.compiled_with == "cal-1"
            refused = await checker.check(_job(locus="QB9"), LIMITS, _star5())
            assert isinstance(refused, Refusal)
            assert refused == check(_job(locus="QB9"), LIMITS, _star5())
            pool = checker._pool
            assert pool is not None
            for pid in list(pool._processes):  # the checker dies (killed, out of memory)
                os.kill(pid, signal.SIGKILL)
            again = await checker.check(_job(), LIMITS, _star5())
            assert isinstance(again, Checked) and checker._pool is not pool
        finally:
            checker.close()

    asyncio.run(scenario())


def test_older_spellings_and_bare_nan_read_the_same_on_server_and_worker() -> None:
    # "qubits" for the locus, the deprecated option names, and a NaN token as IQM clients
    # send it: the server's check and the worker's reading of the stored body agree.
    body = (
        b'{"circuits": [{"name": "c", "metadata": {"x": NaN}, "instructions": ['
        b'{"name": "prx", "qubits": ["QB1"], "args": {"angle": 0.5, "phase": 0.0}},'
        b'{"name": "measure", "qubits": ["QB1"], "args": {"key": "m"}}]}],'
        b'"shots": 5, "move_validation_mode": "none",'
        b'"move_gate_frame_tracking_mode": "no_detuning_correction"}'
    )
    verdict = check(body, LIMITS, _star5())
    assert isinstance(verdict, Checked) and verdict.shots == 5
    stored = load_accepted_job(body.decode())
    assert [i[1] for i in stored.instructions(stored.circuits[0])] == [["QB1"], ["QB1"]]
    assert stored.options.move_gate_validation == "none"
    assert stored.options.move_gate_frame_tracking == "no_detuning_correction"
    assert math.isnan(stored.circuits[0]["metadata"]["x"])
    # The current names win over the deprecated ones, for the locus and the options alike.
    both = orjson.loads(_job(move_gate_validation="allow_prx", move_validation_mode="none"))
    both["circuits"][0]["instructions"][0]["qubits"] = ["QB9"]
    stored = load_accepted_job(orjson.dumps(both))
    assert stored.options.move_gate_validation == "allow_prx"
    assert next(stored.instructions(stored.circuits[0]))[1] == ["QB1"]


def test_a_body_that_is_not_an_object_is_refused_as_an_invalid_request() -> None:
    for body in (b"[1, 2]", b'"circuits"', b'{"circuits": "none", "shots": 1}'):
        verdict = check(body, LIMITS, None)
        assert isinstance(verdict, Refusal) and verdict.error_code == "INVALID_REQUEST", body
