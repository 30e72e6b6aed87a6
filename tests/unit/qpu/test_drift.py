"""Drift of calibration sets: seeded, bounded, slow, with occasional gate failures."""

from __future__ import annotations

import math

import pytest

from qstation.qpu.calibration import generate_calibration
from qstation.qpu.drift import T1_BOUNDS, T2_BOUNDS, drift_calibration
from qstation.qpu.registry import get_device
from qstation.qpu.views import dynamic_architecture


def test_drift_is_seeded_bounded_and_slow() -> None:
    cal = generate_calibration(get_device("lattice-20"), seed=3)
    assert drift_calibration(cal, 7) == drift_calibration(cal, 7)
    current = cal
    for step in range(50):
        nxt = drift_calibration(current, step)
        for name, q in nxt.qubits.items():
            before = current.qubits[name]
            assert T1_BOUNDS[0] <= q.t1 <= T1_BOUNDS[1]
            assert T2_BOUNDS[0] <= q.t2 <= min(T2_BOUNDS[1], 2 * q.t1)
            assert 0.5 < q.t1 / before.t1 < 2.0  # one step is a small change
            assert 0.99 < q.prx_fidelity < 1.0 and q.readout_p10 > q.readout_p01
        assert all(0.98 < f < 1.0 for f in nxt.pairs.values())
        current = nxt
    assert current.qubits != cal.qubits


def test_failed_gates_leave_the_architecture_and_recover() -> None:
    spec = get_device("lattice-20")
    cal = generate_calibration(spec, seed=3)
    failing = drift_calibration(cal, 1, failure_rate=0.5)
    assert failing.failed and set(failing.failed) <= set(cal.pairs)
    gate, _, locus = failing.failed[0].partition(":")
    dqa = dynamic_architecture(spec, "00000000-0000-0000-0000-000000000001", failing)
    loci = [tuple(x) for x in dqa.gates[gate].implementations[
        next(iter(dqa.gates[gate].implementations))].loci]
    assert tuple(locus.split(",")) not in loci
    healed = drift_calibration(failing, 2, failure_rate=0.0, recovery_rate=1.0)
    assert healed.failed == []


def test_no_published_prx_fidelity_beats_its_coherence_limit() -> None:
    from qstation.qpu.calibration import coherence_limit
    from qstation.qpu.registry import catalog

    capped = 0
    for spec in catalog().values():
        cal = generate_calibration(spec, spec.calibration_seed)
        t = cal.durations["prx"]
        for _ in range(5):
            for c in cal.qubits.values():
                limit = coherence_limit(c.t1, c.t2, t)
                # The average fidelity of amplitude damping and dephasing over t, in closed
                # form: (3 + e^(-t/T1) + 2 e^(-t/T2)) / 6.
                closed = (3 + math.exp(-t / c.t1) + 2 * math.exp(-t / c.t2)) / 6
                assert limit == pytest.approx(closed, abs=1e-12)
                assert c.prx_fidelity <= limit
                capped += c.prx_fidelity == limit
            cal = drift_calibration(cal, capped + 17, step=3.0)
    assert capped > 0  # the catalog's draws include qubits that needed the cap
