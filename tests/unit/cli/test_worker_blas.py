"""A worker keeps OpenBLAS's idle threads from spinning, unless its operator says otherwise."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from qstation.cli.main import cli

VAR = "OPENBLAS_THREAD_TIMEOUT"


def _start_worker_on_an_unknown_device() -> None:
    # It stops at the device check, after its environment is set and before any job.
    result = CliRunner().invoke(cli, ["worker", "--database-url", "sqlite://", "--qc", "no-qc"])
    assert result.exit_code != 0 and "no-qc" in result.output


def test_a_worker_lets_blas_threads_sleep_soon(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VAR, "")  # recorded, so that the test leaves the variable as it was
    monkeypatch.delenv(VAR)
    _start_worker_on_an_unknown_device()
    assert os.environ[VAR] == "4"


def test_the_operators_own_value_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VAR, "28")
    _start_worker_on_an_unknown_device()
    assert os.environ[VAR] == "28"
