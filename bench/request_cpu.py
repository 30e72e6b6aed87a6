"""CPU per job of every process of a served round, embedded and on PostgreSQL.

Under the request-path benchmark's 8-thread load, the CPU time each process used (API,
workers, PostgreSQL's backends, and this client) divided by the jobs completed: on a machine
whose cores all of them share, these add up to what a job costs. Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from tests.support.servers import serve_process

from bench.lean_http import QC
from bench.request_path import BELL_100, postgres_side, rate

_TICK = os.sysconf("SC_CLK_TCK")


def _kind(cmdline: str) -> str | None:
    if cmdline.startswith("postgres"):
        return "PostgreSQL's backends"
    if "qstation.cli.main" not in cmdline and "qstation " not in cmdline:
        return None
    return "workers" if " worker" in cmdline else "API" if " serve" in cmdline else None


def _cpu_by_kind() -> dict[int, tuple[str, float]]:
    found: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        kind = _kind(cmdline)
        if kind is not None:
            found[int(entry.name)] = (kind, (int(fields[11]) + int(fields[12])) / _TICK)
    return found


def cpu_per_job(url: str, jobs: int) -> dict[str, float]:
    """Seconds of CPU per job by kind of process, over ``jobs`` 8-thread rounds (after as
    many unmeasured ones: pools grown, statements prepared, caches filled)."""
    rate(url, BELL_100, jobs)
    before, mine = _cpu_by_kind(), time.process_time()
    rate(url, BELL_100, jobs)
    after, mine = _cpu_by_kind(), time.process_time() - mine
    used: dict[str, float] = defaultdict(float)
    for pid, (kind, seconds) in after.items():
        used[kind] += seconds - before.get(pid, (kind, 0.0))[1]
    used["client"] = mine
    return {kind: seconds / jobs for kind, seconds in used.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("QSTATION_TEST_POSTGRES_URL"))
    parser.add_argument("--jobs", type=int, default=1500)
    args = parser.parse_args()
    columns: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with serve_process(tmp / "q", (QC,)) as url:
            columns["embedded"] = cpu_per_job(url, args.jobs)
        if args.postgres:
            with postgres_side(args.postgres, tmp) as url:
                columns["PostgreSQL, 1 API + 2 workers"] = cpu_per_job(url, args.jobs)
    kinds = ["API", "workers", "PostgreSQL's backends", "client"]
    print(f"\n# PYTHONPATH=. python -m bench.request_cpu ({os.cpu_count()} cores, ms per job)")
    print("| process | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for kind in [*kinds, "all"]:
        cells = [
            sum(c.values()) if kind == "all" else c.get(kind, 0.0) for c in columns.values()
        ]
        print(f"| {kind} | " + " | ".join(f"{v * 1e3:.2f}" for v in cells) + " |")


if __name__ == "__main__":
    main()
