"""Draw the Rabi and Ramsey figures of docs/pulse.md (needs matplotlib).

Usage: ``.venv/bin/python docs/figures/pulse_sweeps.py`` writes ``pulse-sweeps.svg`` next to
this file: a Rabi amplitude sweep on QB1 and a Ramsey sweep on QB4 of ``star-5``, simulated by
the pulse engine with 1000 shots per point, each with its fit and the calibrated value.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state
from scipy.optimize import curve_fit

from qstation.qpu.calibration import generate_calibration
from qstation.qpu.pulse import experiments
from qstation.qpu.pulse.config import ChannelConfig
from qstation.qpu.pulse.engine import simulate_playlist
from qstation.qpu.pulse.twin import pulse_twin
from qstation.qpu.registry import get_device

SHOTS = 1000
DETUNING = 0.4e6  # Hz, carrier above the qubit


def rabi_model(a: np.ndarray, offset: float, height: float, pi_amp: float) -> np.ndarray:
    return offset - height * np.cos(np.pi * a / pi_amp)


def ramsey_model(
    t: np.ndarray, amp: float, tau: float, f: float, phi: float, base: float
) -> np.ndarray:
    return amp * np.exp(-t / tau) * np.cos(2 * np.pi * f * t + phi) + base


def main() -> None:
    spec = get_device("star-5")
    twin = pulse_twin(spec, generate_calibration(spec, spec.calibration_seed))
    rng = np.random.default_rng(2)
    config = ChannelConfig.calibrated(twin, SHOTS)
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    left, right = fig.subplots(1, 2)

    p = twin.qubits["QB1"]
    amps = np.linspace(0.0, 2.0 * p.pi_amplitude, 50)
    p1 = simulate_playlist(twin, experiments.rabi(twin, "QB1", amps), config, rng)["QB1__m"]
    p1 = p1.mean(axis=1)
    fit, _ = curve_fit(rabi_model, amps, p1, p0=[0.5, 0.5, 0.9 * p.pi_amplitude])
    fine = np.linspace(amps[0], amps[-1], 400)
    left.plot(amps, p1, "o", ms=3, label=f"engine, {SHOTS} shots")
    left.plot(fine, rabi_model(fine, *fit), "-", label=f"fit: π amplitude {fit[2]:.4f}")
    left.axvline(p.pi_amplitude, ls=":", c="k", label=f"calibrated {p.pi_amplitude:.4f}")
    left.set(xlabel="drive amplitude (full scale 1)", ylabel="P(1)", title="Rabi, QB1")
    left.legend(fontsize=8)

    p = twin.qubits["QB4"]
    delays = np.linspace(0.0, 2.5 * p.t2, 60)
    detuned = replace(
        config, drive_frequency={**config.drive_frequency, "QB4": p.frequency + DETUNING}
    )
    playlist = experiments.ramsey(twin, "QB4", delays)
    p1 = simulate_playlist(twin, playlist, detuned, rng)["QB4__m"].mean(axis=1)
    fit, _ = curve_fit(ramsey_model, delays, p1, p0=[0.45, 0.8 * p.t2, DETUNING, 0.0, 0.5])
    fine = np.linspace(delays[0], delays[-1], 600)
    us = 1e6
    right.plot(delays * us, p1, "o", ms=3, label=f"engine, {SHOTS} shots")
    right.plot(
        fine * us,
        ramsey_model(fine, *fit),
        "-",
        label=f"fit: {abs(fit[2]) / 1e6:.3f} MHz, T2 {fit[1] * us:.1f} µs",
    )
    right.set(
        xlabel="delay (µs)",
        ylabel="P(1)",
        title=f"Ramsey, QB4: carrier +{DETUNING / 1e6:.1f} MHz, calibrated T2 {p.t2 * us:.1f} µs",
    )
    right.legend(fontsize=8, loc="upper right")

    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: a small, diffable file
    matplotlib.rcParams["svg.hashsalt"] = "qstation"  # stable element ids between runs
    out = Path(__file__).with_name("pulse-sweeps.svg")
    fig.savefig(out, metadata={"Date": None})
    print(out)


if __name__ == "__main__":
    main()
