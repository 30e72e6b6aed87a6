"""SDK turnaround vs bare HTTP: submit a 1000-shot Bell job and get its measurements.

Starts a real ``qstation serve`` on loopback (or uses ``--url``), warms it up, then times
interleaved rounds of:

* ``bare HTTP``: one ``httpx.Client``; POST the circuit JSON, long-poll
  ``/qstation/v1/jobs/{id}/wait`` until terminal, GET the measurements;
* ``SDK``: ``IQMClient.run([bell], shots=1000).result()`` (request building and client-side
  validation, idempotency key, long-poll detection, models for every answer);
* ``bare HTTP, 1 s polling``: what an IQM-style client does (for scale, fewer rounds).

Run: ``python bench/sdk_turnaround.py [--rounds 30] [--url http://127.0.0.1:8000]``.
The target is SDK <= 1.2x bare HTTP (median).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from qstation.client import Circuit, Instruction, IQMClient, JobStatus

HALF_PI = math.pi / 2
SHOTS = 1000


def bell() -> Circuit:
    return Circuit(name="bell", instructions=[
        Instruction(name="prx", locus=["QB1"], args={"angle": HALF_PI, "phase": HALF_PI}),
        Instruction(name="prx", locus=["QB2"], args={"angle": HALF_PI, "phase": HALF_PI}),
        Instruction(name="cz", locus=["QB1", "QB2"]),
        Instruction(name="prx", locus=["QB2"], args={"angle": -HALF_PI, "phase": HALF_PI}),
        Instruction(name="measure", locus=["QB1", "QB2"], args={"key": "m"}),
    ])


@contextlib.contextmanager
def serve(qc: str) -> Iterator[str]:
    """A fresh ``qstation serve`` on a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = Path(tempfile.mkdtemp(prefix="qstation-bench-")) / "data"
    proc = subprocess.Popen(
        [sys.executable, "-m", "qstation.cli.main", "serve", "--port", str(port),
         "--data-dir", str(data), "--qc", qc],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/qstation/v1/health", timeout=2).status_code == 200:
                    break
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


class Bare:
    """The fewest HTTP calls that get the result."""

    def __init__(self, url: str, qc: str, poll_s: float | None = None) -> None:
        self.http = httpx.Client(base_url=url, timeout=120)
        self.qc = qc
        self.poll_s = poll_s
        self.body = {"circuits": [bell().model_dump()], "shots": SHOTS}

    def run(self) -> Any:
        job = self.http.post(f"/api/v1/jobs/{self.qc}/circuit", json=self.body,
                             params={"use_timeslot": "false"}).json()
        while job["status"] not in ("completed", "failed", "cancelled"):
            if self.poll_s is None:
                job = self.http.get(f"/qstation/v1/jobs/{job['id']}/wait",
                                    params={"timeout": 30}).json()
            else:
                time.sleep(self.poll_s)
                job = self.http.get(f"/api/v1/jobs/{job['id']}").json()
        assert job["status"] == "completed", job
        return self.http.get(f"/api/v1/jobs/{job['id']}/artifacts/measurements").json()


class SDK:
    """The high-level client."""

    def __init__(self, url: str, qc: str) -> None:
        self.client = IQMClient(url, quantum_computer=qc)
        self.circuit = bell()

    def run(self) -> Any:
        result = self.client.run([self.circuit], shots=SHOTS).result(timeout=120)
        assert result.status is JobStatus.COMPLETED
        return result.measurements


def timed(run: Callable[[], Any]) -> float:
    start = time.perf_counter()
    measurements = run()
    elapsed = time.perf_counter() - start
    assert len(measurements[0]["m"]) == SHOTS
    return elapsed


def measure(url: str, qc: str, rounds: int) -> dict[str, list[float]]:
    bare, sdk, polling = Bare(url, qc), SDK(url, qc), Bare(url, qc, poll_s=1.0)
    for _ in range(3):  # warm-up: worker, caches, connections, long-poll detection
        bare.run()
        sdk.run()
    times: dict[str, list[float]] = {"bare HTTP": [], "SDK": [], "bare HTTP, 1 s polling": []}
    for i in range(rounds):
        first, second = (bare, sdk) if i % 2 == 0 else (sdk, bare)
        for runner in (first, second):
            times["bare HTTP" if runner is bare else "SDK"].append(timed(runner.run))
        if i < min(5, rounds):
            times["bare HTTP, 1 s polling"].append(timed(polling.run))
    return times


def report(times: dict[str, list[float]]) -> str:
    base = statistics.median(times["bare HTTP"])
    lines = [f"{'client':<24} {'runs':>5} {'median ms':>10} {'p10 ms':>8} {'p90 ms':>8} "
             f"{'x bare':>7}"]
    for name, values in times.items():
        ordered = sorted(values)
        p10 = ordered[int(0.1 * (len(ordered) - 1))]
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        median = statistics.median(values)
        lines.append(f"{name:<24} {len(values):>5} {median * 1e3:>10.1f} {p10 * 1e3:>8.1f} "
                     f"{p90 * 1e3:>8.1f} {median / base:>7.2f}")
    ratio = statistics.median(times["SDK"]) / base
    verdict = "meets" if ratio <= 1.2 else "misses"
    lines.append(f"\nSDK / bare HTTP (median): {ratio:.2f}x: {verdict} the <= 1.2x target")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="use this server instead of starting one")
    parser.add_argument("--qc", default="lattice-20")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(serve(args.qc))
        print(f"server {url}, quantum computer {args.qc}, {SHOTS}-shot Bell job, "
              f"{args.rounds} interleaved rounds\n")
        print(report(measure(url, args.qc, args.rounds)))


if __name__ == "__main__":
    main()
