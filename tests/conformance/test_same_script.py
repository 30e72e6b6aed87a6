"""One Qiskit user script, unchanged, through the official adapter and through ours.

Both runs target the same ideal ``qstation serve --no-noise``; their distributions must agree
(two-sample chi-square per circuit). Our side runs the script with a shim package
``iqm.qiskit_iqm`` that re-exports :mod:`qstation.adapters.qiskit`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.runner import SCRIPTS_DIR, script_env
from tests.conformance.venvs import ClientVenv
from tests.support.servers import serve_process
from tests.support.textbook import same_distribution

pytestmark = [pytest.mark.conformance, pytest.mark.timeout(600)]
SCRIPT = SCRIPTS_DIR / "same_script.py"


@pytest.fixture(scope="module")
def ideal_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("same-script") / "data"
    with serve_process(data, ("lattice-20",), "--no-noise") as url:
        yield url


def run_script(python: str, url: str, pythonpath: Path | None = None) -> dict[str, Any]:
    env = script_env()
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    proc = subprocess.run([python, str(SCRIPT), url], cwd=SCRIPTS_DIR, env=env,
                          capture_output=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-4000:]
    report: dict[str, Any] = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    return report


def our_shim(root: Path) -> Path:
    package = root / "iqm" / "qiskit_iqm"
    package.mkdir(parents=True)
    (root / "iqm" / "__init__.py").write_text("")
    (package / "__init__.py").write_text(
        "from qstation.adapters.qiskit import IQMProvider\n\n__all__ = ['IQMProvider']\n")
    return root


def test_same_script_same_distributions(
    ideal_url: str, client_venv: ClientVenv, tmp_path: Path
) -> None:
    vendor = run_script(str(client_venv.python), ideal_url)
    ours = run_script(sys.executable, ideal_url, our_shim(tmp_path / "shim"))
    assert vendor["provider_module"].startswith("iqm.qiskit_iqm")
    assert ours["provider_module"].startswith("qstation.adapters.qiskit")
    for report in (vendor, ours):
        assert (report["backend"], report["num_qubits"]) == ("lattice-20", 20)
        assert (report["status"], report["success"]) == ("DONE", True)
    for theirs, mine in zip(vendor["counts"], ours["counts"], strict=True):
        assert {len(k) for k in theirs} == {len(k) for k in mine}
        same_distribution(theirs, mine)
