"""The twin's measured behaviour agrees with its published calibration (through the API).

Characterisation experiments (``bench/twin_report.py``) run as ordinary jobs: T1, T2*
(Ramsey) and T2-echo (Hahn echo) within 10 %, readout assignment errors within 10 %, the RB
error per prx gate within 20 % and the interleaved-RB error of cz within 25 %. Shot counts
keep the statistical error a few times below the tolerance (binomial errors of ~0.3 % per
point on 20k shots; the fits average many points), and fixed seeds fix the random sequences.
"""

from __future__ import annotations

from typing import Any

import pytest
from bench import twin_report as twin

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]
QC, Q, PAIR = "star-5", "QB1", ("QB1", "QB3")


@pytest.fixture()
def values(test_client: Any) -> dict[str, float]:
    return twin.published(test_client, QC)


def test_t1_and_t2_match_the_calibration(test_client: Any, values: dict[str, float]) -> None:
    t1 = values[f"characterization.model.{Q}.t1_time"]
    t2 = values[f"characterization.model.{Q}.t2_time"]
    assert twin.t1(test_client, QC, Q) == pytest.approx(t1, rel=0.10)
    assert twin.t2_ramsey(test_client, QC, Q) == pytest.approx(t2, rel=0.10)


def test_ramsey_gives_t2_star_and_echo_gives_t2_echo(
    test_client: Any, values: dict[str, float]
) -> None:
    t2_star = values[f"characterization.model.{Q}.t2_time"]
    t2_echo = values[f"characterization.model.{Q}.t2_echo_time"]
    # The twin's low-frequency noise makes the two clearly different (so the test can fail).
    assert t2_echo > 1.25 * t2_star
    assert twin.t2_ramsey(test_client, QC, Q) == pytest.approx(t2_star, rel=0.10)
    assert twin.t2_echo(test_client, QC, Q) == pytest.approx(t2_echo, rel=0.10)


def test_readout_and_prx_rb_match_the_calibration(
    test_client: Any, values: dict[str, float]
) -> None:
    cal_error = 1 - twin.prx_fidelity(values, Q)
    rb_error = twin.rb_prx(test_client, QC, Q)
    assert rb_error == pytest.approx(cal_error, rel=0.20)
    p01, p10 = twin.readout(test_client, QC, Q, rb_error)
    assert p01 == pytest.approx(
        twin.metric(values, "metrics.ssro.", f".{Q}.error_0_to_1"), rel=0.10
    )
    assert p10 == pytest.approx(
        twin.metric(values, "metrics.ssro.", f".{Q}.error_1_to_0"), rel=0.10
    )


def test_cz_interleaved_rb_matches_the_calibration(
    test_client: Any, values: dict[str, float]
) -> None:
    cal_error = 1 - twin.metric(values, "metrics.irb.cz.", f".{PAIR[0]}__{PAIR[1]}.fidelity")
    # 80 random sequences per length at 10,000 shots: with the sequences fixed (seed 2) four
    # runs read 14-17 % below the calibrated error (at 1,000 shots the shots alone spread it
    # 10-23 % low, and one CI run fell outside a 20 % bound). The offset is the estimator's:
    # interleaved RB is exact only for depolarizing errors, and the twin's relaxation is not;
    # other sequence seeds read 5-27 % low at 1,000 shots.
    measured = twin.irb_cz(test_client, QC, PAIR, sequences=80, shots=10_000)
    assert measured == pytest.approx(cal_error, rel=0.25)
