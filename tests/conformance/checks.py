"""Statistical and error-class assertions shared by the conformance tests.

The twin is noisy (gate errors, T1/T2, readout errors), so distributions are checked with
tolerances: a fidelity floor for the ideal outcomes, and a binomial band (plus a small allowance
for the bias that relaxation and asymmetric readout add) for the balance between them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

IQM_ERRORS = "exa.common.errors.iqm_error"
#: Relaxation and asymmetric readout push weight towards 0: allowed on top of the binomial band.
NOISE_BIAS = 0.03
SIGMAS = 4.0


def total(counts: dict[str, int]) -> int:
    return sum(counts.values())


def probability(counts: dict[str, int], outcomes: Iterable[str]) -> float:
    """Fraction of shots that landed on any of ``outcomes``."""
    return sum(counts.get(o, 0) for o in outcomes) / total(counts)


def assert_balanced(counts: dict[str, int], a: str, b: str) -> None:
    """``a`` and ``b`` each take half of their joint count, within a binomial tolerance."""
    n = counts.get(a, 0) + counts.get(b, 0)
    assert n > 0, f"neither {a} nor {b} observed: {counts}"
    share = counts.get(a, 0) / n
    tolerance = SIGMAS * math.sqrt(0.25 / n) + NOISE_BIAS
    assert abs(share - 0.5) <= tolerance, (
        f"{a}:{b} split is {share:.3f}, not 0.5 ± {tolerance:.3f}: {counts}"
    )


def assert_bell(counts: dict[str, int], shots: int, floor: float = 0.85) -> None:
    """A Bell pair: all shots came back, mostly 00 or 11, evenly split between them."""
    assert total(counts) == shots, f"{total(counts)} shots came back, not {shots}: {counts}"
    assert set(counts) <= {"00", "01", "10", "11"}, counts
    good = probability(counts, ("00", "11"))
    assert good > floor, f"P(00)+P(11) = {good:.3f} <= {floor}: {counts}"
    assert_balanced(counts, "00", "11")


def assert_ghz(counts: dict[str, int], n: int, shots: int, floor: float = 0.7) -> None:
    """GHZ on ``n`` qubits: all-zeros and all-ones dominate, evenly split."""
    zeros, ones = "0" * n, "1" * n
    assert total(counts) == shots, counts
    assert all(len(k) == n for k in counts), counts
    good = probability(counts, (zeros, ones))
    assert good > floor, f"P({zeros})+P({ones}) = {good:.3f} <= {floor}: {counts}"
    top_two = sorted(counts, key=counts.__getitem__, reverse=True)[:2]
    assert set(top_two) == {zeros, ones}, f"dominant outcomes are {top_two}: {counts}"
    # Relaxation over the longer GHZ circuit biases towards zeros more than in a Bell pair.
    n_good = counts.get(zeros, 0) + counts.get(ones, 0)
    share = counts.get(zeros, 0) / n_good
    tolerance = SIGMAS * math.sqrt(0.25 / n_good) + 2 * NOISE_BIAS
    assert abs(share - 0.5) <= tolerance, f"{zeros}:{ones} split {share:.3f}: {counts}"


def assert_dominant(counts: dict[str, int], outcome: str, shots: int, floor: float = 0.9) -> None:
    """A classical (basis-state) result: ``outcome`` in at least ``floor`` of the shots."""
    assert total(counts) == shots, counts
    p = probability(counts, (outcome,))
    assert p > floor, f"P({outcome}) = {p:.3f} <= {floor}: {counts}"


def assert_raised(error: dict[str, Any], cls: str, module: str = IQM_ERRORS) -> None:
    """A scenario's expected error was raised, of exactly class ``module.cls``."""
    assert error["raised"], f"expected {cls}, but the call returned {error.get('returned')}"
    got = f"{error['module']}.{error['type']}"
    assert got == f"{module}.{cls}", (
        f"expected {module}.{cls}, got {got}: {error['message']}\n{error.get('traceback', '')}"
    )
