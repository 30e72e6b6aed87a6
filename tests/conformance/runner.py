"""Runs the conformance scripts in an official client's venv and hands back their outcomes.

Each script in ``scripts/`` holds several named scenarios. It runs once per (client version,
script) in a test session, as a subprocess of that version's interpreter pointed at the shared
server; the JSON report it prints is cached, and each test picks its scenario from it.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.venvs import ClientVenv

SCRIPTS_DIR = Path(__file__).parent / "scripts"
SCRIPT_TIMEOUT_S = 300

#: Environment variables of the clients that must not leak in from the developer's shell.
_CLIENT_VARS = ("IQM_", "INSECURE_ALLOW_NON_HTTPS_AUTH", "CHIP_DESIGN_RECORD_FALLBACK_URL")


def script_env() -> dict[str, str]:
    """The environment of a script: ours, minus the project venv and any IQM settings."""
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(_CLIENT_VARS) and k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    }
    env.update(
        IQM_CLIENT_SECONDS_BETWEEN_CALLS="0.2",  # 35's polling interval (36 takes an argument)
        IQM_CLIENT_REQUESTS_TIMEOUT="60",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
        TQDM_DISABLE="1",
    )
    return env


class ScriptFailed(Exception):
    """A script did not produce its JSON report."""


@dataclass
class ScenarioRunner:
    """Runs scripts against ``server_url`` and caches their reports for the session."""

    server_url: str
    log_dir: Path
    timeout_s: float = SCRIPT_TIMEOUT_S
    _reports: dict[tuple[str, str], dict[str, Any] | ScriptFailed] = field(default_factory=dict)

    def report(self, venv: ClientVenv, script: str) -> dict[str, Any]:
        """The JSON report of ``script`` under ``venv`` (run on first use)."""
        key = (venv.version, script)
        if key not in self._reports:
            try:
                self._reports[key] = self._run(venv, script)
            except ScriptFailed as err:
                self._reports[key] = err
        cached = self._reports[key]
        if isinstance(cached, ScriptFailed):
            pytest.fail(str(cached), pytrace=False)
        return cached

    def _run(self, venv: ClientVenv, script: str) -> dict[str, Any]:
        path = SCRIPTS_DIR / f"{script}.py"
        log = self.log_dir / f"{script}-iqm-{venv.version}.stderr.log"
        started = time.monotonic()
        with open(log, "wb") as stderr:
            try:
                proc = subprocess.run(
                    [str(venv.python), str(path), self.server_url],
                    cwd=SCRIPTS_DIR, env=script_env(), stdout=subprocess.PIPE, stderr=stderr,
                    timeout=self.timeout_s, check=False,
                )
            except subprocess.TimeoutExpired as err:
                raise ScriptFailed(
                    f"{script} (iqm-client {venv.version}) ran over {self.timeout_s} s\n"
                    f"{_tail(log)}"
                ) from err
        elapsed = time.monotonic() - started
        lines = proc.stdout.decode(errors="replace").strip().splitlines()
        try:
            report: dict[str, Any] = json.loads(lines[-1])
        except (IndexError, ValueError) as err:
            raise ScriptFailed(
                f"{script} (iqm-client {venv.version}) exited {proc.returncode} after "
                f"{elapsed:.1f} s without a JSON report; stderr ({log}):\n{_tail(log)}"
            ) from err
        if report.get("client_version") != venv.version:
            raise ScriptFailed(
                f"{script} ran iqm-client {report.get('client_version')}, "
                f"expected {venv.version}"
            )
        report["elapsed_s"] = elapsed
        report["stderr_log"] = str(log)
        return report

    def scenario(self, venv: ClientVenv, script: str, name: str) -> Any:
        """The result of scenario ``name``; the test fails with its traceback if it raised."""
        report = self.report(venv, script)
        outcome = report["scenarios"].get(name)
        if outcome is None:
            pytest.fail(f"{script} reported no scenario {name!r}", pytrace=False)
        if not outcome["ok"]:
            error = outcome["error"]
            pytest.fail(
                f"scenario {script}:{name} (iqm-client {venv.version}) raised "
                f"{error['module']}.{error['type']}: {error['message']}\n{error['traceback']}",
                pytrace=False,
            )
        return outcome["result"]


def _tail(path: Path, chars: int = 6000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"
