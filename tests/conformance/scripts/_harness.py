"""Runs named scenarios inside an official client's venv and prints their outcomes as JSON.

This module is imported by the conformance scripts, which run with the *vendor* interpreter
(``iqm-client`` 35.x or 36.x installed, qstation not). It must therefore only use the standard
library and the vendor packages.

Usage of a script: ``python SCRIPT.py SERVER_URL [SCENARIO ...]``. Its stdout carries exactly one
JSON object: ``{"client_version": ..., "scenarios": {name: outcome}}`` where an outcome is
``{"ok": true, "result": ..., "seconds": s}`` or ``{"ok": false, "error": {...}, "seconds": s}``.
Everything else the clients print goes to stderr.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version as dist_version
from typing import Any


@dataclass(frozen=True)
class Context:
    """What a scenario gets: the server and the client version under test."""

    url: str
    client_version: str

    @property
    def major(self) -> int:
        """The client's major version (35 or 36)."""
        return int(self.client_version.split(".")[0])


Scenario = Callable[[Context], Any]


def describe_error(err: BaseException) -> dict[str, Any]:
    """An exception as JSON: class, module, base classes, message and IQM error code."""
    cls = type(err)
    return {
        "type": cls.__name__,
        "module": cls.__module__,
        "mro": [c.__name__ for c in cls.__mro__],
        "message": str(err),
        "error_code": getattr(err, "error_code", None),
        "traceback": "".join(traceback.format_exception(err)),
    }


def expect_error(call: Callable[[], Any]) -> dict[str, Any]:
    """Run ``call`` expecting it to raise; returns the error described (or ``raised: False``)."""
    try:
        value = call()
    except Exception as err:  # the test side asserts on the class
        return {"raised": True, **describe_error(err)}
    return {"raised": False, "returned": repr(value)[:500]}


def make_client(ctx: Context, quantum_computer: str) -> Any:
    """An ``IQMClient`` built the way each version documents it."""
    from iqm.iqm_client import IQMClient

    if hasattr(IQMClient, "from_url"):  # 36: the constructor takes executor and storage
        return IQMClient.from_url(ctx.url, quantum_computer=quantum_computer)
    return IQMClient(ctx.url, quantum_computer=quantum_computer)


def wait(job: Any, timeout: float = 120.0) -> str:
    """Wait for a circuit job of either version; returns its final status value."""
    kwargs: dict[str, float] = {"timeout_secs": timeout}
    # 36 takes the polling interval as an argument; 35 reads IQM_CLIENT_SECONDS_BETWEEN_CALLS.
    if "polling_interval" in inspect.signature(job.wait_for_completion).parameters:
        kwargs["polling_interval"] = 0.2
    status = job.wait_for_completion(**kwargs)
    return str(getattr(status, "value", status))


def run(scenarios: dict[str, Scenario]) -> None:
    """Run the scenarios named on the command line (default: all) and print the JSON report."""
    if len(sys.argv) < 2:
        sys.exit(f"usage: {sys.argv[0]} SERVER_URL [SCENARIO ...]")
    url, wanted = sys.argv[1], sys.argv[2:] or list(scenarios)
    unknown = [name for name in wanted if name not in scenarios]
    if unknown:
        sys.exit(f"unknown scenarios {unknown}; known: {sorted(scenarios)}")
    ctx = Context(url=url, client_version=dist_version("iqm-client"))
    report: dict[str, Any] = {"client_version": ctx.client_version, "scenarios": {}}
    real_stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        for name in wanted:
            started = time.monotonic()
            print(f"--- scenario {name}", file=sys.stderr, flush=True)
            try:
                outcome = {"ok": True, "result": scenarios[name](ctx)}
            except Exception as err:
                traceback.print_exc()
                outcome = {"ok": False, "error": describe_error(err)}
            outcome["seconds"] = round(time.monotonic() - started, 3)
            report["scenarios"][name] = outcome
    real_stdout.write(json.dumps(report, default=str) + "\n")
    real_stdout.flush()
