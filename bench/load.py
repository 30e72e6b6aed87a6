"""Load on PostgreSQL: throughput by worker count, 1,000 concurrent clients, status reads at
1,000,000 jobs.

Runs a real ``qstation serve --no-workers`` and real ``qstation worker`` processes on a fresh
database (created on the server of ``--postgres`` and dropped afterwards). Prints a Markdown
table, the command line first.

    .venv/bin/python -m bench.load --postgres postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shlex
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from tests.integration._pg import sql, start_worker, stop
from tests.support.circuits import cz, job, measure, prx
from tests.support.postgres import ENV, fresh_database
from tests.support.servers import serve_process

QCS = ("star-5", "lattice-20", "resonator-6", "lattice-54")
BODY = job([prx("QB1"), measure("QB1")], shots=100)
_bodies: dict[str, dict[str, Any]] = {}  # per quantum computer, with ``--heavy``
HEAVY_QCS = ("lattice-20", "lattice-54")


def heavy_body(qc: str, qubits: int = 10, depth: int = 10) -> dict[str, Any]:
    """A noisy ``qubits``-qubit layered circuit, 100 shots: about 45 ms of simulation and a
    10 kB payload, so the workers' simulation dominates the cost of a job."""
    from qstation.qpu.registry import get_device

    spec = get_device(qc)
    qs = list(spec.qubits[:qubits])
    pairs = [list(p) for p in spec.couplers if p[0] in qs and p[1] in qs][:3]
    layer = [prx(q, 1.1, 0.3 * i) for i, q in enumerate(qs)] + [cz(*p) for p in pairs]
    return job(layer * depth + [measure(*qs)], shots=100)


def pct(values: list[float], q: float) -> float:
    """The ``q``-quantile of ``values`` (nearest rank), or NaN for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def one_job(client: httpx.AsyncClient, qc: str) -> float:
    """Submit, wait for and fetch one small job; its turnaround in ms.

    Raises:
        RuntimeError: any refused request or a job that did not complete.
    """
    t = time.perf_counter()
    reply = await client.post(f"/api/v1/jobs/{qc}/circuit", json=_bodies.get(qc, BODY))
    if reply.status_code != 200:
        raise RuntimeError(f"submit: {reply.status_code} {reply.text[:200]}")
    job_id = reply.json()["id"]
    status = ""
    while status not in ("completed", "failed", "cancelled"):
        waited = await client.get(f"/qstation/v1/jobs/{job_id}/wait", params={"timeout": 60})
        if waited.status_code != 200:
            raise RuntimeError(f"wait: {waited.status_code} {waited.text[:200]}")
        status = waited.json()["status"]
    if status != "completed":
        raise RuntimeError(f"job {job_id} {status}")
    counts = await client.get(f"/api/v1/jobs/{job_id}/artifacts/measurement_counts")
    if counts.status_code != 200:
        raise RuntimeError(f"result: {counts.status_code}")
    return (time.perf_counter() - t) * 1e3


async def closed_loop(url: str, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` clients each submitting and waiting, back to back, for ``seconds``."""
    times: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def loop(i: int) -> None:
            while time.monotonic() < deadline:
                try:
                    times.append(await one_job(client, QCS[i % len(QCS)]))
                except (RuntimeError, httpx.HTTPError) as err:
                    errors.append(str(err))

        t = time.monotonic()
        await asyncio.gather(*(loop(i) for i in range(clients)))
        elapsed = time.monotonic() - t
    return {"jobs": len(times), "rate": len(times) / elapsed, "p50": pct(times, 0.5),
            "p99": pct(times, 0.99), "errors": len(errors), "first_error": errors[:1]}


async def burst(url: str, clients: int, groups: int) -> dict[str, Any]:
    """``clients`` clients at once, one job each; each group of them shares one pool."""
    times: list[float] = []
    errors: list[str] = []
    per_group = clients // groups

    async def group(g: int) -> None:
        limits = httpx.Limits(max_connections=min(per_group, 50))
        async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:

            async def one(i: int) -> None:
                try:
                    times.append(await one_job(client, QCS[(g * per_group + i) % len(QCS)]))
                except (RuntimeError, httpx.HTTPError) as err:
                    errors.append(f"{type(err).__name__}: {err}")

            await asyncio.gather(*(one(i) for i in range(per_group)))

    t = time.monotonic()
    await asyncio.gather(*(group(g) for g in range(groups)))
    elapsed = time.monotonic() - t
    return {"jobs": len(times), "rate": len(times) / elapsed, "p50": pct(times, 0.5),
            "p99": pct(times, 0.99), "errors": len(errors), "first_error": errors[:1],
            "seconds": elapsed}


def bulk_insert(url: str, rows: int) -> list[str]:
    """COPY ``rows`` finished (and a few waiting) jobs into ``jobs``; returns their ids."""
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        found = conn.execute("SELECT default_calibration_set_id FROM quantum_computers "
                             "WHERE alias = 'star-5'").fetchone()
        assert found is not None
        cal = found[0]
        cols = ("id, quantum_computer, owner, status, use_timeslot, calibration_set_id, shots, "
                "n_circuits, payload, created_at, started_at, finished_at, attempts, "
                "cancel_requested, progress, errors, messages, type, protocol")
        ids = [str(uuid.uuid4()) for _ in range(rows)]
        now = time.time() - rows
        with conn.cursor().copy(f"COPY jobs ({cols}) FROM STDIN") as copy:
            for i, job_id in enumerate(ids):
                waiting = i % 100 == 0
                status = "waiting" if waiting else "completed"
                started = None if waiting else now + i
                copy.write_row((job_id, QCS[i % len(QCS)], f"user{i % 1000}", status,
                                False, cal, 100, 1, "{}", now + i, started,
                                None if waiting else now + i + 0.01, 0 if waiting else 1,
                                False, 0, "[]", "[]", "circuit", "iqm"))
        conn.execute("ANALYZE jobs")
    return ids


async def status_reads(url: str, ids: list[str], reads: int, concurrency: int) -> dict[str, Any]:
    """Time ``GET /api/v1/jobs/{id}`` of random jobs, ``concurrency`` at a time."""
    times: list[float] = []
    errors = 0
    sample = random.Random(1).choices(ids, k=reads)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        queue = iter(sample)

        async def reader() -> None:
            nonlocal errors
            for job_id in queue:
                t = time.perf_counter()
                reply = await client.get(f"/api/v1/jobs/{job_id}")
                times.append((time.perf_counter() - t) * 1e3)
                errors += reply.status_code != 200

        await asyncio.gather(*(reader() for _ in range(concurrency)))
    return {"reads": len(times), "p50": pct(times, 0.5), "p99": pct(times, 0.99),
            "errors": errors}


def _listeners(db: str) -> int:
    rows = sql(db, "SELECT count(*) FROM pg_stat_activity "
                   "WHERE datname = current_database() AND query LIKE 'LISTEN%'")
    return int(rows[0][0])


@contextlib.contextmanager
def workers(db: str, url: str, count: int) -> Iterator[None]:
    """``count`` worker processes, started and warmed up before anything is timed."""
    before = _listeners(db)
    procs = [start_worker(db) for _ in range(count)]
    try:
        # A worker starts listening once it has imported the simulator (seconds of CPU
        # each on a busy machine); then one job per quantum computer warms the twins.
        deadline = time.monotonic() + 120
        while _listeners(db) < before + count and time.monotonic() < deadline:
            time.sleep(0.2)
        asyncio.run(_warm_up(url, count))
        yield
    finally:
        stop(procs)


async def _warm_up(url: str, count: int) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        await asyncio.gather(*(one_job(client, qc) for qc in QCS for _ in range(count)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get(ENV),
                        help=f"PostgreSQL server URL to create the database on (or {ENV}).")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reads", type=int, default=3000)
    parser.add_argument("--heavy", action="store_true",
                        help="simulation-heavy jobs on lattice-20 and lattice-54 only")
    args = parser.parse_args()
    global QCS
    if args.heavy:
        QCS = HEAVY_QCS
        _bodies.update({qc: heavy_body(qc) for qc in QCS})
    if not args.postgres:
        sys.exit(f"give --postgres or set {ENV}")
    os.environ[ENV] = args.postgres
    print("```\n" + shlex.join([sys.executable, "-m", "bench.load", *sys.argv[1:]]) + "\n```")
    print(f"\n{os.cpu_count()} cores; {args.clients} closed-loop clients, "
          f"{args.seconds:.0f} s per row; one API process\n")
    print("| scenario | workers | jobs | jobs/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    with fresh_database() as db, tempfile.TemporaryDirectory() as tmp, serve_process(
        Path(tmp) / "d", QCS, "--no-workers", "--database-url", db
    ) as url:
        for count in (int(w) for w in args.workers.split(",") if w):
            with workers(db, url, count):
                r = asyncio.run(closed_loop(url, args.clients, args.seconds))
            print(f"| {args.clients} clients, submit+wait | {count} | {r['jobs']} | "
                  f"{r['rate']:.1f} | {r['p50']:.0f} | {r['p99']:.0f} | {r['errors']} |",
                  flush=True)
            if r["first_error"]:
                print(f"\nfirst error: {r['first_error'][0]}\n")
        if args.burst:
            with workers(db, url, 4):
                r = asyncio.run(burst(url, args.burst, args.groups))
            print(f"| {args.burst} concurrent clients, 1 job each ({r['seconds']:.0f} s) | 4 | "
                  f"{r['jobs']} | {r['rate']:.1f} | {r['p50']:.0f} | {r['p99']:.0f} | "
                  f"{r['errors']} |", flush=True)
            if r["first_error"]:
                print(f"\nfirst error: {r['first_error'][0]}")
        if args.rows:
            t = time.monotonic()
            ids = bulk_insert(db, args.rows)
            loaded = time.monotonic() - t
            for conc in (1, 16):
                s = asyncio.run(status_reads(url, ids, args.reads, conc))
                print(f"| GET /api/v1/jobs/{{id}}, {args.rows:,} jobs in table, {conc} "
                      f"concurrent | - | {s['reads']} reads | - | {s['p50']:.1f} | "
                      f"{s['p99']:.1f} | {s['errors']} |", flush=True)
            print(f"\n(bulk load of {args.rows:,} rows by COPY: {loaded:.0f} s)")


if __name__ == "__main__":
    main()
