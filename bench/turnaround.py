"""Submit→result turnaround and small-job throughput through a real ``qstation serve``.

Each figure is set against the same circuits simulated in this process with the same twin
(compilation included), so the table shows what the service adds on top of simulation.

    .venv/bin/python -m bench.turnaround [--jobs 500] [--repeats 50]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from tests.support.circuits import bell, job
from tests.support.servers import serve_process

from qstation.qpu.calibration import CalibrationData
from qstation.qpu.executor import Executor
from qstation.qpu.registry import get_device
from qstation.qpu.validate import Compiler, RawInstruction

QC = "star-5"
SUBMIT = f"/api/v1/jobs/{QC}/circuit?use_timeslot=false"


def in_process_ms(body: dict[str, Any], cal: CalibrationData, repeats: int) -> float:
    """Median time to compile and simulate ``body`` here, in ms."""
    spec = get_device(QC)
    executor = Executor(cal)
    times = []
    for i in range(repeats):
        t = time.perf_counter()
        compiler = Compiler(spec, cal)
        for c in body["circuits"]:
            raw = [RawInstruction(x["name"], x["locus"], x["args"]) for x in c["instructions"]]
            program = compiler.compile(c["name"], raw, {})
            executor.run(program, body["shots"], seed=i)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def turnaround_ms(client: httpx.Client, body: dict[str, Any], mode: str) -> float:
    """One submit→measurements round trip, in ms."""
    t = time.perf_counter()
    job_id = client.post(SUBMIT, json=body).json()["id"]
    if mode == "wait":
        client.get(f"/qstation/v1/jobs/{job_id}/wait", params={"timeout": 30})
    else:
        while client.get(f"/api/v1/jobs/{job_id}").json()["status"] != "completed":
            time.sleep(0.002)
    client.get(f"/api/v1/jobs/{job_id}/artifacts/measurements").raise_for_status()
    return (time.perf_counter() - t) * 1e3


class LeanClient:
    """A keep-alive HTTP/1.1 client on the standard library.

    The load generator shares the machine's two cores with the service, so it is kept as
    cheap as possible (``http.client`` costs a fraction of a full-featured client per call).
    """

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)

    def call(self, method: str, path: str, body: bytes | None = None) -> Any:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.conn.request(method, path, body=body, headers=headers)
        reply = self.conn.getresponse()
        data = reply.read()
        if reply.status != 200:
            raise RuntimeError(f"{method} {path}: {reply.status} {data[:200]!r}")
        return json.loads(data)


def throughput(url: str, body: dict[str, Any], n_jobs: int, clients: int = 8) -> float:
    """Completed jobs per second with ``clients`` concurrent submitters."""
    local = threading.local()
    raw = json.dumps(body).encode()

    def one(_: int) -> None:
        if not hasattr(local, "client"):  # one connection per submitter, as a real client
            local.client = LeanClient(url)
        c = local.client
        job_id = c.call("POST", SUBMIT, raw)["id"]
        data = c.call("GET", f"/qstation/v1/jobs/{job_id}/wait?timeout=60")
        assert data["status"] == "completed", data

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(clients)))  # connect every submitter first
        t = time.perf_counter()
        list(pool.map(one, range(n_jobs)))
        return n_jobs / (time.perf_counter() - t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    bell_body = job(bell("QB1", "QB3"), shots=1000)
    small = job(bell("QB1", "QB3"), shots=100)
    with tempfile.TemporaryDirectory() as tmp, serve_process(Path(tmp) / "d", (QC,)) as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            cal_id = client.get(
                f"/api/v1/calibration-sets/{QC}/default/dynamic-quantum-architecture"
            ).json()["calibration_set_id"]
            for _ in range(10):  # warm up imports, caches and connections
                turnaround_ms(client, bell_body, "wait")
            wait = [turnaround_ms(client, bell_body, "wait") for _ in range(args.repeats)]
            poll = [turnaround_ms(client, bell_body, "poll") for _ in range(args.repeats)]
        from qstation.qpu.calibration import generate_calibration

        spec = get_device(QC)
        cal = generate_calibration(spec, spec.calibration_seed)
        ref_bell = in_process_ms(bell_body, cal, args.repeats)
        ref_small = in_process_ms(small, cal, args.repeats)
        jobs_per_s = throughput(url, small, args.jobs)
    print(f"# bench/turnaround.py (calibration set {cal_id}; {QC}; noisy twin)")
    print("| measure | qstation serve | in-process simulation | difference / ratio | target |")
    print("|---|---|---|---|---|")
    rows = (("Bell 1000 shots, wait endpoint", wait), ("Bell 1000 shots, 2 ms polling", poll))
    for name, values in rows:
        med = statistics.median(values)
        print(f"| {name} (median of {len(values)}) | {med:.2f} ms | {ref_bell:.2f} ms "
              f"| +{med - ref_bell:.2f} ms | ≤ +15 ms |")
    ref_rate = 1e3 / ref_small
    print(f"| small jobs completed per second ({args.jobs} Bell jobs x 100 shots, 8 clients) "
          f"| {jobs_per_s:.0f} /s | {ref_rate:.0f} /s | {jobs_per_s / ref_rate:.2f}x | ≥ 200 /s |")


if __name__ == "__main__":
    main()
