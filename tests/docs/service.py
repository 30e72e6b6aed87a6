"""Run ``qstation serve`` or ``qstation worker`` from a docs block: start, see it ready, stop.

The docs test puts a shell function in front of ``qstation`` that sends ``serve`` and
``worker`` here (a block that starts a service would otherwise never end). The service
starts as written, on a free loopback port and in a fresh data directory; it must become
ready (the health check answers, or the worker prints its ready line), then it gets SIGTERM
and must exit 0 with no traceback. Its output is printed, so the block's log shows it.

Usage: ``python service.py serve|worker ARGS...``
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import httpx

READY_TIMEOUT_S = 120.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str]) -> int:
    """Start the service, wait until it is ready, stop it; the exit status says how it went."""
    command, args = argv[0], argv[1:]
    cmd = [sys.executable, "-m", "qstation.cli.main", command, *args]
    url = None
    if command == "serve":  # the given flags, then ours: click keeps the last value
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        cmd += [
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            tempfile.mkdtemp(prefix="docs-serve-"),
        ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
    reader.start()
    deadline = time.monotonic() + READY_TIMEOUT_S
    ready = False
    while not ready and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
        if url is None:
            ready = any("ready" in line for line in lines)
            continue
        try:
            ready = httpx.get(f"{url}/qstation/v1/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            pass
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = -9
    reader.join(timeout=5)
    output = "".join(lines)
    sys.stdout.write(output)
    if not ready:
        print(f"docs-test: `qstation {command}` never became ready (exit {code})")
        return code or 1
    if code != 0 or "Traceback" in output:
        print(f"docs-test: `qstation {command}` did not stop cleanly on SIGTERM (exit {code})")
        return code or 1
    return 0


if __name__ == "__main__":
    os.environ.pop("QSTATION_PORT", None)
    sys.exit(main(sys.argv[1:]))
