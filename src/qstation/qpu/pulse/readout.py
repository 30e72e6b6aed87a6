"""Dispersive readout: integrated IQ points from Gaussian clouds, decay during the window.

Each shot's qubit state (sampled from the final density matrix) sets where its integrated IQ
point lands: |0> around 0, |1> around ``readout_separation`` on the real axis, |2> further out.
A qubit in |1> may relax during the integration window (exponential decay time at rate 1/T1):
the signal then integrates partly at the |1> and partly at the |0> position, which is why 1→0
errors exceed 0→1 errors on real chips. Noise is Gaussian per quadrature, with the twin's
``readout_sigma`` at the calibrated window and shrinking as 1/sqrt(window) for longer ones.
"""

from __future__ import annotations

import numpy as np

from qstation.qpu.pulse.twin import QubitPulse


def integrated_iq(
    levels: np.ndarray, p: QubitPulse, window_s: float, rng: np.random.Generator
) -> np.ndarray:
    """One complex integrated value per shot for the given level per shot."""
    return measure(levels, p, window_s, rng)[0]


def measure(
    levels: np.ndarray, p: QubitPulse, window_s: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Integrated values per shot, and each shot's level at the end of the window.

    The level after is the level found, except for a |1> that relaxed during the window: it
    is left in |0> (what a later pulse on the qubit then sees).
    """
    window_s = max(window_s, 1e-12)
    mean = levels.astype(float) * p.readout_separation
    excited = levels == 1
    decay = rng.exponential(p.t1, size=levels.shape)
    early = excited & (decay < window_s)
    # Decayed at t: the integral spends t at the |1> position and the rest at |0>.
    mean[early] = p.readout_separation * decay[early] / window_s
    sigma = p.readout_sigma * np.sqrt(p.integration_length / window_s)
    noise = rng.normal(0.0, sigma, size=(2, *levels.shape))
    after = np.where(early, 0, levels)
    return mean + noise[0] + 1j * noise[1], after


def discriminate(values: np.ndarray, threshold: float) -> np.ndarray:
    """Thresholded single-shot outcomes (int8) along the real (projection) axis."""
    return (values.real > threshold).astype(np.int8)
