"""Real qstation servers for tests: a ``qstation serve`` process, or the app in-process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(
    url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 60
) -> None:
    """Block until ``url`` answers its health check."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"qstation serve exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/qstation/v1/health", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not become healthy in {timeout} s")


@contextlib.contextmanager
def serve_process(
    data_dir: Path, qcs: tuple[str, ...] = ("lattice-20",), *extra: str,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Run ``qstation serve`` as a real process on a free loopback port; yields its URL."""
    with serve_process_handle(data_dir, qcs, *extra, env=env) as (url, _proc):
        yield url


@contextlib.contextmanager
def serve_process_handle(
    data_dir: Path, qcs: tuple[str, ...] = ("lattice-20",), *extra: str,
    env: dict[str, str] | None = None, port: int | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Like :func:`serve_process`, also yielding the process (to kill it in fault tests)."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "qstation.cli.main", "serve", "--port", str(port),
           "--data-dir", str(data_dir), *(a for qc in qcs for a in ("--qc", qc)), *extra]
    log = open(data_dir.parent / f"serve-{port}.log", "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


class InProcessWorker:
    """A real :class:`~qstation.queue.worker.Worker` on its own event loop in a thread."""

    def __init__(self, database_url: str, notify_dir: Path, **kwargs: object) -> None:
        from qstation.queue.notify import LocalNotifier
        from qstation.queue.worker import Worker

        self.worker = Worker(database_url, LocalNotifier(notify_dir), **kwargs)  # type: ignore[arg-type]
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self._loop.run_until_complete(self.worker.run(self._stop))

    def __enter__(self) -> InProcessWorker:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)


def child_pids(pid: int) -> list[int]:
    """Direct children of a process (Linux)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(t) for t in text]
    return found
