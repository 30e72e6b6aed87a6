"""The request path as ratios to a bare ASGI app, measured in one run.

    PYTHONPATH=. .venv/bin/python -m bench.request_path [--quick] [--postgres URL]

Starts a real ``qstation serve`` (embedded SQLite, ``star-5``, one worker) and a bare
Starlette app on the same uvicorn that parses each submission and answers qstation's paths
with the bytes qstation answered (``bench/bare_app.py``). One light keep-alive client drives
both, interleaved, so that a busy machine slows both sides alike. With ``--postgres`` (or
``QSTATION_TEST_POSTGRES_URL``) it also runs ``qstation serve --no-workers`` and two separate
``qstation worker`` processes on a fresh database, interleaved with the embedded server.
CLOPS runs through the Qiskit adapter against the same circuits simulated in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.support.circuits import bell, job
from tests.support.servers import free_port, serve_process, wait_healthy

from bench.lean_http import QC, SUBMIT, AsyncLeanClient, LeanClient, Refused

BELL_1000 = json.dumps(job(bell("QB1", "QB3"), shots=1000)).encode()
BELL_100 = json.dumps(job(bell("QB1", "QB3"), shots=100)).encode()


@contextlib.contextmanager
def bare_app(bodies: dict[str, str], tmp: Path) -> Iterator[str]:
    """The reference app in its own process; yields its URL."""
    path = tmp / "bodies.json"
    path.write_text(json.dumps(bodies))
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.bare_app", "--port", str(port), "--bodies", str(path)]
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def capture_bodies(url: str) -> dict[str, str]:
    """What qstation answers on each path of a round, to serve the same sizes from the app."""
    c = LeanClient(url)
    c.conn.request("POST", SUBMIT, body=BELL_1000, headers={"Content-Type": "application/json"})
    submit = c.conn.getresponse().read().decode()
    job_id = json.loads(submit)["id"]
    wait = c.get_raw(f"/qstation/v1/jobs/{job_id}/wait?timeout=60")
    bodies = {
        "submit": submit,
        "wait": wait,
        "status": c.get_raw(f"/api/v1/jobs/{job_id}"),
        "measurements": c.get_raw(f"/api/v1/jobs/{job_id}/artifacts/measurements"),
        "job_id": job_id,
    }
    c.close()
    return bodies


def interleaved(sides: dict[str, Callable[[], float]], repeats: int) -> dict[str, float]:
    """Median of each side's measure, the sides taking turns ``repeats`` times."""
    values: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(repeats):
        for name, measure in sides.items():
            values[name].append(measure())
    return {name: statistics.median(v) for name, v in values.items()}


def timed(action: Callable[[], Any]) -> float:
    t = time.perf_counter()
    action()
    return time.perf_counter() - t


def rate(url: str, body: bytes, rounds: int, threads: int = 8) -> float:
    """Rounds per second with ``threads`` keep-alive clients, connected before timing."""
    local = threading.local()
    made: list[LeanClient] = []

    def one(_: int) -> None:
        if not hasattr(local, "client"):
            local.client = LeanClient(url)
            made.append(local.client)
        local.client.round(body)

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(threads * 2)))
        t = time.perf_counter()
        list(pool.map(one, range(rounds)))
        elapsed = time.perf_counter() - t
    for c in made:
        c.close()
    return rounds / elapsed


async def _burst(url: str, clients: int, body: bytes) -> dict[str, Any]:
    times: list[float] = []
    failures: list[str] = []
    shed = 0

    async def one() -> None:
        nonlocal shed
        c = AsyncLeanClient(url)
        try:
            seconds, n_shed = await c.round(body)
            times.append(seconds)
            shed += n_shed
        except (Refused, OSError, asyncio.IncompleteReadError) as err:
            failures.append(f"{type(err).__name__}: {err}")
        finally:
            c.close()

    t = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(clients)))
    elapsed = time.perf_counter() - t
    times.sort()
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))] if times else float("nan")
    return {"rate": len(times) / elapsed, "p99": p99, "failures": failures, "shed": shed}


def burst(url: str, clients: int, body: bytes) -> dict[str, Any]:
    """``clients`` clients at once, each on its own connection, one round each."""
    return asyncio.run(_burst(url, clients, body))


@contextlib.contextmanager
def postgres_side(admin: str, tmp: Path, workers: int = 2) -> Iterator[str]:
    """``qstation serve --no-workers`` and ``workers`` worker processes on a fresh database."""
    from tests.integration._pg import start_worker, stop
    from tests.support.postgres import ENV, fresh_database

    os.environ[ENV] = admin
    with (
        fresh_database() as db,
        serve_process(tmp / "pg", (QC,), "--no-workers", "--database-url", db) as url,
    ):
        procs = [start_worker(db, QC) for _ in range(workers)]
        try:
            rate(url, BELL_100, 40)  # waits out the workers' start-up, warms both
            yield url
        finally:
            stop(procs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (a few minutes)")
    parser.add_argument("--postgres", default=os.environ.get("QSTATION_TEST_POSTGRES_URL"))
    parser.add_argument("--no-clops", action="store_true")
    args = parser.parse_args()
    n_get, n_turn, n_rate, blocks, clients = (
        (300, 40, 150, 3, 300) if args.quick else (1000, 150, 400, 5, 1000)
    )
    rows: list[tuple[str, str, str, float, str, bool]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with serve_process(tmp / "q", (QC,)) as q_url:
            rate(q_url, BELL_100, 40)  # imports, caches, the worker's engines
            bodies = capture_bodies(q_url)
            with bare_app(bodies, tmp) as b_url:
                rows += measure_http(
                    q_url, b_url, bodies["job_id"], n_get, n_turn, n_rate, blocks, clients
                )
                if args.postgres:
                    with postgres_side(args.postgres, tmp) as pg_url:
                        r = interleaved(
                            {
                                "pg": lambda: rate(pg_url, BELL_100, n_rate),
                                "q": lambda: rate(q_url, BELL_100, n_rate),
                            },
                            blocks,
                        )
                    ratio = r["pg"] / r["q"]
                    rows.append(
                        (
                            "PostgreSQL, 1 API + 2 workers, 8 threads",
                            f"{r['pg']:.0f} jobs/s",
                            f"embedded {r['q']:.0f} jobs/s",
                            ratio,
                            "≥ 0.7x",
                            ratio >= 0.7,
                        )
                    )
        if not args.no_clops:
            from bench.clops_ratio import clops_ratio

            rows += clops_ratio(tmp, args.quick)
    print_table(rows, args)


def measure_http(
    q_url: str,
    b_url: str,
    job_id: str,
    n_get: int,
    n_turn: int,
    n_rate: int,
    blocks: int,
    clients: int,
) -> list[tuple[str, str, str, float, str, bool]]:
    """The rows that compare qstation with the bare app."""
    qc, bc = LeanClient(q_url), LeanClient(b_url)
    status = f"/api/v1/jobs/{job_id}"
    get = interleaved(
        {
            "q": lambda: timed(lambda: qc.call("GET", status)),
            "b": lambda: timed(lambda: bc.call("GET", status)),
        },
        n_get,
    )
    turn = interleaved(
        {
            "q": lambda: timed(lambda: qc.round(BELL_1000)),
            "b": lambda: timed(lambda: bc.round(BELL_1000)),
        },
        n_turn,
    )
    qc.close()
    bc.close()
    thr = interleaved(
        {"q": lambda: rate(q_url, BELL_100, n_rate), "b": lambda: rate(b_url, BELL_100, n_rate)},
        blocks,
    )
    many = burst(q_url, clients, BELL_100)
    rows = []
    ratio = get["q"] / get["b"]
    rows.append(
        (
            "status GET of a completed job",
            f"{get['q'] * 1e3:.2f} ms",
            f"{get['b'] * 1e3:.2f} ms",
            ratio,
            "≤ 3x",
            ratio <= 3,
        )
    )
    ratio = turn["q"] / turn["b"]
    rows.append(
        (
            "submit → result, 1000-shot Bell (POST, long-poll, GET measurements)",
            f"{turn['q'] * 1e3:.2f} ms",
            f"{turn['b'] * 1e3:.2f} ms (three requests)",
            ratio,
            "≤ 5x",
            ratio <= 5,
        )
    )
    ratio = thr["q"] / thr["b"]
    rows.append(
        (
            "100-shot jobs per second, 8 client threads",
            f"{thr['q']:.0f} /s",
            f"{thr['b']:.0f} rounds/s",
            ratio,
            "≥ 0.25x",
            ratio >= 0.25,
        )
    )
    ratio = many["rate"] / thr["q"]
    ok = ratio >= 0.9 and not many["failures"]
    rows.append(
        (
            f"{clients:,} concurrent clients, one job each",
            f"{many['rate']:.0f} jobs/s, p99 {many['p99']:.2f} s, "
            f"{len(many['failures'])} failed, {many['shed']} shed (429)",
            f"8-thread rate {thr['q']:.0f} /s",
            ratio,
            "≥ 0.9x, 0 failed",
            ok,
        )
    )
    if many["failures"]:
        print("first failure:", many["failures"][0], file=sys.stderr)
    return rows


def print_table(
    rows: list[tuple[str, str, str, float, str, bool]], args: argparse.Namespace
) -> None:
    flags = " --quick" if args.quick else ""
    flags += " --postgres URL" if args.postgres else ""
    print(f"\n# PYTHONPATH=. python -m bench.request_path{flags} ({os.cpu_count()} cores)")
    print("| measure | qstation | reference | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for name, ours, ref, ratio, target, ok in rows:
        print(f"| {name} | {ours} | {ref} | {ratio:.2f}x | {target} | {'yes' if ok else 'no'} |")


if __name__ == "__main__":
    main()
