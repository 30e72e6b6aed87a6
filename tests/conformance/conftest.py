"""Fixtures of the conformance suite: the official clients' venvs and the scenario runner.

Every test here is parametrized over :data:`~tests.conformance.venvs.CLIENT_VERSIONS` through
``client_venv``; all of them share the session's one ``qstation serve`` (``server_url``).
"""

from __future__ import annotations

import subprocess

import pytest

from tests.conformance.runner import ScenarioRunner
from tests.conformance.venvs import (
    CLIENT_VERSIONS,
    ClientVenv,
    VenvUnavailable,
    build_log,
    ensure_venv,
)


@pytest.fixture(scope="session", params=CLIENT_VERSIONS, ids=[f"iqm-{v}" for v in CLIENT_VERSIONS])
def client_venv(request: pytest.FixtureRequest) -> ClientVenv:
    """The cached venv of one official ``iqm-client`` version (built on first use)."""
    version: str = request.param
    try:
        return ensure_venv(version)
    except VenvUnavailable as err:
        pytest.skip(str(err))
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
        log = build_log(version)
        text = log.read_text(errors="replace")[-6000:] if log.exists() else ""
        pytest.fail(f"building the iqm-client {version} venv failed: {err}\n{text}",
                    pytrace=False)


@pytest.fixture(scope="session")
def scenarios(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> ScenarioRunner:
    """Runs the scripts in ``scripts/`` against the shared server, once per client version."""
    return ScenarioRunner(server_url, tmp_path_factory.mktemp("conformance-logs"))
