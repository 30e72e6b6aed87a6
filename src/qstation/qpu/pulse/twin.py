"""The pulse-level view of a calibration set: one physical model, two views.

A calibration set (:class:`~qstation.qpu.calibration.CalibrationData`) is the twin's truth at
one point in time. The circuit path turns it into a noise model; the pulse path turns it into
the parameters here: what the station publishes (settings, calibration observations that IQM's
compiler loads) and what the pulse engine simulates. Both derive from the same numbers, so a
Rabi sweep finds the π amplitude the calibration set publishes, and drift or recalibration of
the set moves both views together.

The quantities that the circuit-level calibration does not carry (anharmonicity, Rabi rate per
unit amplitude, readout cloud geometry, CZ flux coefficients) are drawn deterministically from
the component's name and the device's calibration seed, then scaled by the calibrated values,
so each chip keeps its own character across calibration sets.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from scipy.special import ndtr

from qstation.qpu.calibration import CalibrationData
from qstation.qpu.device import DeviceSpec

#: AWG sample rate of every drive, flux and readout channel (Hz).
SAMPLE_RATE = 2.4e9
#: Instruction lengths are multiples of this many samples.
GRANULARITY = 16
#: Readout resonators sit around this frequency (Hz).
READOUT_BAND = 5.5e9
#: Each probe line reads out this many qubits (frequency-multiplexed).
QUBITS_PER_PROBE_LINE = 6
#: Truncation level of IQM's truncated Gaussian waveforms (their sigma follows from it).
_GAUSSIAN_THRESHOLD = 0.003


def _unit(*parts: str) -> float:
    """A deterministic number in [0, 1) for the given names (stable across processes)."""
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class QubitPulse:
    """Pulse-level parameters of one qubit and its readout."""

    name: str
    frequency: float  # Hz, the |0>-|1> transition; the calibrated drive frequency equals it
    anharmonicity: float  # Hz, negative (a transmon's |1>-|2> transition lies below)
    t1: float  # s
    t2: float  # s
    pi_amplitude: float  # AWG amplitude (full scale 1) of the calibrated π pulse
    pi_duration: float  # s, the prx pulse length
    drag_coefficient: float  # s, the derivative (Q) quadrature coefficient of the DRAG pulse
    readout_frequency: float  # Hz
    readout_amplitude: float  # AWG amplitude of the probe pulse
    readout_duration: float  # s, the probe pulse length
    integration_length: float  # s, the acquisition window
    readout_separation: float  # distance between the |0> and |1> IQ cloud centres
    readout_sigma: float  # standard deviation of each integrated IQ cloud (per quadrature)
    threshold: float  # discrimination threshold on the projected IQ value
    probe_line: str = "PL-1"  # the probe line that reads this qubit out
    #: s, the Hahn-echo time; ``t2`` is the Ramsey time T2*. None: no low-frequency noise.
    t2_echo: float | None = None

    @property
    def quasi_static_width(self) -> float:
        """Half width (rad/s) of the qubit's quasi-static detuning: 1/T2* - 1/T2echo."""
        if self.t2_echo is None or self.t2_echo <= self.t2:
            return 0.0
        return 1.0 / self.t2 - 1.0 / self.t2_echo

    @property
    def gaussian_sigma(self) -> float:
        """Standard deviation (s) of the calibrated truncated-Gaussian π pulse."""
        return self.pi_duration / math.sqrt(8.0 * math.log(1.0 / _GAUSSIAN_THRESHOLD))

    @property
    def drag_amplitude_q(self) -> float:
        """The DRAG coefficient as IQM publishes it: the Q amplitude of the derivative waveform.

        IQM's derivative waveform is normalised to peak 1, i.e. sqrt(e)·sigma times the time
        derivative of the in-phase Gaussian; the Q quadrature is ``drag_coefficient`` times that
        derivative, so its amplitude is ``pi_amplitude · drag_coefficient / (sqrt(e)·sigma)``.
        """
        return self.pi_amplitude * self.drag_coefficient / (math.sqrt(math.e) * self.gaussian_sigma)


@dataclass(frozen=True)
class CouplerPulse:
    """Pulse-level parameters of the CZ on one coupler."""

    name: str  # e.g. "TC-1-3"
    qubits: tuple[str, str]
    cz_amplitude: float  # flux AWG amplitude of the calibrated CZ pulse
    cz_duration: float  # s
    phase_per_amplitude2_second: float  # conditional phase rate: φ = k · A² · duration


@dataclass(frozen=True)
class PulseTwin:
    """Everything the pulse engine and the station artifacts need of one calibration set."""

    dut_label: str
    qubits: dict[str, QubitPulse]
    couplers: dict[str, CouplerPulse]
    sample_rate: float = SAMPLE_RATE
    granularity: int = GRANULARITY

    def simulated_flux(self) -> frozenset[str]:
        """The components whose flux pulses the engine simulates: couplers between two qubits.

        A real station also drives qubit flux lines and couplers to computational resonators;
        the twin publishes those channels but does not model what their pulses do.
        """
        return frozenset(
            name for name, c in self.couplers.items() if all(q in self.qubits for q in c.qubits)
        )


def coupler_name(a: str, b: str) -> str:
    """IQM's name for the tunable coupler between two components, e.g. ``TC-1-3``.

    A coupler to a computational resonator carries the resonator's name: ``TC-1-COMPR1``.
    """
    if a.startswith("QB") and b.startswith("QB"):
        na, nb = sorted((_index(a), _index(b)))
        return f"TC-{na}-{nb}"
    qubit, other = (a, b) if a.startswith("QB") else (b, a)
    return f"TC-{_index(qubit)}-{other}"


def _index(component: str) -> int:
    digits = "".join(ch for ch in component if ch.isdigit())
    return int(digits) if digits else 0


def granular(
    duration: float, sample_rate: float = SAMPLE_RATE, granularity: int = GRANULARITY
) -> float:
    """``duration`` as a whole number (at least one) of instruction granules.

    A station's pulses can only last whole granules, so a device file's gate duration that is
    not one (25 ns is 60 samples at 2.4 GHz) is rounded to the nearest; whole ones are kept as
    they are, bit for bit.
    """
    granules = duration * sample_rate / granularity
    if abs(granules - round(granules)) < 1e-6 and round(granules) >= 1:
        return duration
    return max(round(granules), 1) * granularity / sample_rate


def readout_error_1(window: float, t1: float, separation: float, sigma: float) -> float:
    """P(read 0 | |1>) for an integration window: cloud overlap plus decay within the window.

    A qubit that decays at time t integrates at the |1> position for t and at |0> for the rest,
    so its mean lands at ``separation·t/window``; the threshold sits half way.
    """
    threshold = separation / 2.0
    t = np.linspace(0.0, window, 257)
    integrand = np.exp(-t / t1) / t1 * ndtr((threshold - separation * t / window) / sigma)
    decayed = float(np.sum(integrand[1:] + integrand[:-1]) * (t[1] - t[0]) / 2.0)
    return math.exp(-window / t1) * float(ndtr(-threshold / sigma)) + decayed


def _integration_window(p10: float, t1: float, sigma: float, longest: float) -> float:
    """The window (a whole number of granules) whose 1 -> 0 error is the calibrated one."""
    granule = GRANULARITY / SAMPLE_RATE
    lo, hi = granule, longest
    if readout_error_1(hi, t1, 1.0, sigma) <= p10:
        return hi
    for _ in range(40):  # bisection: the error grows with the window
        mid = (lo + hi) / 2.0
        lo, hi = (mid, hi) if readout_error_1(mid, t1, 1.0, sigma) < p10 else (lo, mid)
    return max(round(lo / granule), 1) * granule


def _qubit(spec: DeviceSpec, cal: CalibrationData, q: str) -> QubitPulse:
    qc = cal.qubits[q]
    seed = str(spec.calibration_seed)
    anharmonicity = -(180e6 + 40e6 * _unit(seed, q, "anharmonicity"))
    pi_duration = granular(spec.gates["prx"].duration if "prx" in spec.gates else 20e-9)
    # The Rabi rate per unit amplitude is a property of the drive line; the calibrated π
    # amplitude follows from it. Tied to the calibrated frequency so recalibration moves it.
    pi_amplitude = 0.3 + 0.4 * _unit(seed, q, "rabi", f"{qc.frequency:.0f}")
    # First-order DRAG for a transmon: the derivative quadrature cancels the |1>-|2> leakage.
    drag = -1.0 / (2.0 * math.pi * anharmonicity) / 2.0
    index = spec.qubits.index(q)
    readout_duration = granular(
        spec.gates["measure"].duration if "measure" in spec.gates else 1.5e-6
    )
    # Cloud overlap sets the 0 -> 1 error; the rest of the 1 -> 0 error is decay in the window.
    separation = 1.0
    z = NormalDist().inv_cdf(1.0 - max(qc.readout_p01, 1e-6))
    sigma = separation / (2.0 * z)
    return QubitPulse(
        name=q,
        frequency=qc.frequency,
        anharmonicity=anharmonicity,
        t1=qc.t1,
        t2=qc.t2,
        t2_echo=qc.echo_time,
        pi_amplitude=pi_amplitude,
        pi_duration=pi_duration,
        drag_coefficient=drag,
        readout_frequency=READOUT_BAND + 300e6 * _unit(seed, q, "readout"),
        readout_amplitude=0.1 + 0.1 * _unit(seed, q, "probe"),
        readout_duration=readout_duration,
        integration_length=_integration_window(qc.readout_p10, qc.t1, sigma, readout_duration),
        readout_separation=separation,
        readout_sigma=sigma,
        threshold=separation / 2.0,
        probe_line=f"PL-{index // QUBITS_PER_PROBE_LINE + 1}",
    )


def _coupler(spec: DeviceSpec, cal: CalibrationData, a: str, b: str) -> CouplerPulse:
    seed = str(spec.calibration_seed)
    duration = granular(spec.gates["cz"].duration if "cz" in spec.gates else 40e-9)
    amplitude = 0.2 + 0.3 * _unit(seed, a, b, "cz")
    return CouplerPulse(
        name=coupler_name(a, b),
        qubits=(a, b),
        cz_amplitude=amplitude,
        cz_duration=duration,
        phase_per_amplitude2_second=math.pi / (amplitude**2 * duration),
    )


def pulse_twin(spec: DeviceSpec, cal: CalibrationData) -> PulseTwin:
    """The pulse-level parameters of ``cal`` on ``spec``."""
    qubits = {q: _qubit(spec, cal, q) for q in spec.qubits}
    couplers = {}
    for a, b in spec.couplers:
        c = _coupler(spec, cal, a, b)
        couplers[c.name] = c
    return PulseTwin(dut_label=spec.dut_label, qubits=qubits, couplers=couplers)
