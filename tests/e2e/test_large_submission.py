"""A maximal valid submission does not stall the service: health is answered meanwhile.

The job's parsing, validation and compilation run in the checker process, off the server's
own. Measured in one run as ratios (no absolute time): while a ~14 MB job of 2x10^5
instructions is being accepted, health requests keep completing, each in a small fraction
of the submission's time; a large job the chip cannot run gets the same 400 as a small one.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import orjson
import pytest

from tests.support.servers import serve_process

pytestmark = pytest.mark.timeout(300)
INSTRUCTIONS = 200_000


def _maximal_job(last: str = "QB1") -> bytes:
    prx = {"name": "prx", "locus": ["QB1"], "args": {"angle": 0.5, "phase": 0.0}}
    measure = {"name": "measure", "locus": [last], "args": {"key": "m"}}
    circuit = {"name": "long", "instructions": [prx] * (INSTRUCTIONS - 1) + [measure]}
    # The duration rule is off: the job is valid, only big.
    return orjson.dumps({"circuits": [circuit], "shots": 10, "max_circuit_duration_over_t2": 0})


def test_health_is_answered_while_a_maximal_job_is_accepted(tmp_path: Path) -> None:
    body = _maximal_job()
    assert 12_000_000 < len(body) < 16 * 1024 * 1024  # under the payload limit
    with (
        serve_process(tmp_path / "data", ("star-5",), "--no-workers") as url,
        httpx.Client(base_url=url, timeout=120) as http,
    ):
        for _ in range(3):  # warm up
            http.get("/qstation/v1/health").raise_for_status()
        outcome: dict[str, object] = {}

        def submit() -> None:
            with httpx.Client(base_url=url, timeout=240) as own:
                outcome["start"] = time.perf_counter()
                reply = own.post(
                    "/api/v1/jobs/star-5/circuit",
                    content=body,
                    headers={"Content-Type": "application/json"},
                )
                outcome["end"] = time.perf_counter()
                outcome["status"] = reply.status_code

        sender = threading.Thread(target=submit)
        sender.start()
        latencies: list[tuple[float, float]] = []
        while sender.is_alive():
            before = time.perf_counter()
            http.get("/qstation/v1/health").raise_for_status()
            latencies.append((before, time.perf_counter()))
            time.sleep(0.01)
        sender.join()
        refused = http.post("/api/v1/jobs/star-5/circuit", content=_maximal_job(last="QB9"),
                            headers={"Content-Type": "application/json"})
    assert refused.status_code == 400, refused.text
    assert refused.json()["error_code"] == "CIRCUIT_VALIDATION_FAILED"
    assert "QB9" in refused.json()["message"]
    assert outcome["status"] == 200
    start, end = float(outcome["start"]), float(outcome["end"])  # type: ignore[arg-type]
    during = [b - a for a, b in latencies if a >= start and b <= end]
    took = end - start
    # Health completed many times while the job was in progress, each answer taking a
    # small fraction of the submission (a stalled loop answers once, after it).
    slowest = max(during, default=0.0)
    print(f"submission {took:.2f} s; {len(during)} health answers, slowest {slowest:.3f} s")
    assert len(during) >= 10, (len(during), took)
    assert max(during) < 0.05 * took, (max(during), took)
