"""Run jobs through the unmodified official ``iqm-client`` 36: ``submit_playlist`` is accepted
and read back, and definitions the station cannot run are refused before queuing.

35 has no pulse-level surface, so only 36 runs these.
"""

from __future__ import annotations

import pytest

from tests.conformance.runner import ScenarioRunner
from tests.conformance.venvs import ClientVenv

pytestmark = [pytest.mark.conformance, pytest.mark.timeout(900)]


def _only_36(client_venv: ClientVenv) -> None:
    if client_venv.version.startswith("35."):
        pytest.skip("iqm-client 35 has no pulse-level surface")


def test_submit_playlist_is_stored_and_read_back(
    scenarios: ScenarioRunner, client_venv: ClientVenv
) -> None:
    _only_36(client_venv)
    out = scenarios.scenario(client_venv, "run_scenarios", "submit")
    assert out["type"] == "run"
    assert out["status"] in ("waiting", "processing", "completed", "failed")
    # The client sets fresh ids before sending; the server keeps the definition as sent.
    assert out["payload_run_id"] == out["sent_run_id"]
    assert out["payload_segments"] == 1
    assert "QB1__drive.awg" in out["payload_channels"]
    assert any(c.startswith("TC-") for c in out["payload_channels"])


def test_bad_definitions_are_refused_with_the_reason(
    scenarios: ScenarioRunner, client_venv: ClientVenv
) -> None:
    _only_36(client_venv)
    out = scenarios.scenario(client_venv, "run_scenarios", "reject")
    codes = {
        "unknown_channel": "UNKNOWN_CHANNEL",
        "granularity": "INVALID_DURATION",
        "shots": "INVALID_SHOTS",
        "no_playlist": "EMPTY_PLAYLIST",
    }
    for name, code in codes.items():
        error = out[name]
        assert error["raised"], f"{name}: the server accepted it ({error.get('returned')})"
        # IQM's client raises its 400 error, keeping the server's code and message.
        assert error["type"] == "InvalidOperationError", error
        assert error["error_code"] == code, error
    assert "QB9__drive.awg" in out["unknown_channel"]["message"]
    assert "40 samples" in out["granularity"]["message"]
    assert "granularity" in out["granularity"]["message"]
    assert "options.playlist_repeats" in out["shots"]["message"]
    assert "playlist" in out["no_playlist"]["message"]
