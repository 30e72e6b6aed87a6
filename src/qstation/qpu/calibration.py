"""Calibration sets: per-component parameters of a device at one point in time.

A calibration set is immutable once published. It drives three things: the dynamic quantum
architecture (a gate whose calibration failed is absent on that locus), the quality metrics
served to clients, and the noise model of the simulator.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from qstation.qpu.device import DeviceSpec
from qstation.qpu.noise import average_fidelity, relaxation_ptm_trace


@dataclass(frozen=True)
class QubitCalibration:
    """Coherence, single-qubit gate and readout figures of one qubit.

    ``t2`` is the Ramsey time T2* (IQM's ``t2_time``), ``t2_echo`` the Hahn-echo time
    (``t2_echo_time``). The echo refocuses low-frequency noise, so ``t2 <= t2_echo <= 2 t1``;
    ``None`` means no low-frequency noise (the echo time equals ``t2``).
    """

    t1: float  # s
    t2: float  # s
    prx_fidelity: float
    readout_p01: float  # P(read 1 | prepared 0)
    readout_p10: float  # P(read 0 | prepared 1)
    frequency: float  # Hz
    t2_echo: float | None = None  # s

    @property
    def echo_time(self) -> float:
        """T2 of a Hahn echo: ``t2_echo``, or ``t2`` when the qubit has no low-frequency noise."""
        return self.t2 if self.t2_echo is None else max(self.t2_echo, self.t2)


@dataclass(frozen=True)
class CalibrationData:
    """All parameters of one calibration set.

    ``pairs`` maps ``"gate:A,B"`` to that two-component gate's fidelity; ``failed`` lists
    ``"gate:locus"`` entries whose calibration failed, so the gate is absent there.
    """

    qubits: dict[str, QubitCalibration]
    pairs: dict[str, float]
    durations: dict[str, float]
    failed: list[str] = field(default_factory=list)

    def pair_fidelity(self, gate: str, locus: tuple[str, ...]) -> float:
        """Fidelity of a two-component gate on ``locus`` (either order)."""
        key = f"{gate}:{','.join(locus)}"
        if key in self.pairs:
            return self.pairs[key]
        return self.pairs[f"{gate}:{','.join(reversed(locus))}"]

    def is_calibrated(self, gate: str, locus: tuple[str, ...]) -> bool:
        """Whether ``gate`` is usable on ``locus``."""
        return f"{gate}:{','.join(locus)}" not in self.failed

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (stored in the database)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CalibrationData:
        """Inverse of :meth:`to_json`."""
        return cls(
            qubits={q: QubitCalibration(**v) for q, v in data["qubits"].items()},
            pairs=dict(data["pairs"]),
            durations=dict(data["durations"]),
            failed=list(data.get("failed", [])),
        )


def coherence_limit(t1: float, t2: float, duration: float) -> float:
    """Average fidelity of a single-qubit gate of ``duration`` that only loses coherence
    (relaxation at ``t1``, dephasing at the Ramsey time ``t2``). No published figure may beat
    it: the twin could not play such a gate, and its RB would read less than published."""
    return average_fidelity(0.0, 2, relaxation_ptm_trace(t1, t2, duration))


def generate_calibration(spec: DeviceSpec, seed: int) -> CalibrationData:
    """Draw a calibration from realistic distributions for ``spec``.

    T1 30 to 60 µs, T2* (Ramsey) 10 to 30 µs, T2-echo 1.3 to 2 times T2* (never above 2·T1),
    prx fidelity ≈ 0.999 (never above the :func:`coherence_limit`), two-component gate
    fidelity 0.99 to 0.997, readout error 1 to 4 % with 1→0 errors larger than 0→1
    (relaxation during readout), as on current superconducting chips.
    """
    rng = np.random.default_rng(seed)
    durations = {name: g.duration for name, g in spec.gates.items()}
    qubits: dict[str, QubitCalibration] = {}
    for q in spec.qubits:
        t1 = float(rng.uniform(30e-6, 60e-6))
        t2 = float(min(rng.uniform(10e-6, 30e-6), 2 * t1))
        p01 = float(rng.uniform(0.005, 0.02))
        drawn = float(np.clip(rng.normal(0.999, 0.0003), 0.997, 0.9998))
        qubits[q] = QubitCalibration(
            t1=t1,
            t2=t2,
            prx_fidelity=min(drawn, coherence_limit(t1, t2, durations.get("prx", 0.0))),
            readout_p01=p01,
            readout_p10=float(min(p01 + rng.uniform(0.005, 0.02), 0.04)),
            frequency=float(rng.uniform(4.0e9, 4.8e9)),
        )
    pairs = {
        f"{gate}:{','.join(locus)}": float(rng.uniform(0.99, 0.997))
        for gate in ("cz", "move")
        for locus in spec.loci(gate)
    }
    # A separate stream, so adding echo times left every other drawn figure as it was.
    echo_rng = np.random.default_rng([seed, 2])
    qubits = {
        q: replace(c, t2_echo=float(min(c.t2 * echo_rng.uniform(1.3, 2.0), 2 * c.t1)))
        for q, c in qubits.items()
    }
    return CalibrationData(qubits=qubits, pairs=pairs, durations=durations)
