"""Run programs on a digital twin: noise model, lowering, engine routing and post-processing.

One :class:`Executor` serves one calibration set. Noise models are built once per component
list and cached, so a job of many circuits on the same qubits pays for them once.
"""

from __future__ import annotations

import numpy as np

from qstation.qpu.calibration import CalibrationData
from qstation.qpu.circuits import Program
from qstation.qpu.engines import Router
from qstation.qpu.engines.base import Results
from qstation.qpu.engines.lowering import lower
from qstation.qpu.noise import NoiseModel, build_noise_model

HERALDING_MODES = ("none", "zeros")


class Executor:
    """Simulates programs under one calibration set (``None``: an ideal twin)."""

    def __init__(
        self,
        calibration: CalibrationData | None,
        *,
        engine: str = "auto",
        crosstalk: bool = False,
    ) -> None:
        self.calibration = calibration
        self.crosstalk = crosstalk
        self.router = Router(engine)
        self._noise: dict[tuple[str, ...], NoiseModel] = {}

    def noise_model(self, components: tuple[str, ...]) -> NoiseModel | None:
        """The (cached) noise model for ``components``, or None for an ideal twin."""
        if self.calibration is None:
            return None
        model = self._noise.get(components)
        if model is None:
            model = build_noise_model(self.calibration, components, crosstalk=self.crosstalk)
            self._noise[components] = model
        return model

    def engine_for(self, program: Program) -> str:
        """Name of the engine that :meth:`run` would use for ``program``."""
        circuit = lower(program, self.noise_model(tuple(program.components)))
        return self.router.select(circuit).name

    def run(
        self,
        program: Program,
        shots: int,
        *,
        seed: int | None = None,
        heralding: str = "none",
        active_reset_cycles: int | None = None,
    ) -> Results:
        """Simulate ``shots`` shots of ``program``.

        Returns measurement key -> uint8 array of shape (shots_kept, len(locus)), bits in
        locus order, shots in random order. With ``heralding="zeros"`` every used qubit is read
        before the shot and only shots where all read 0 are kept, so fewer may come back.
        ``active_reset_cycles`` is accepted for API compatibility: the twin always starts a
        shot in the ground state, which is what active reset achieves. Results are a function
        of ``seed``.
        """
        if heralding not in HERALDING_MODES:
            raise ValueError(f"heralding must be one of {HERALDING_MODES}")
        if shots < 0:
            raise ValueError("shots must be non-negative")
        del active_reset_cycles
        rng = np.random.default_rng(seed)
        noise = self.noise_model(tuple(program.components))
        circuit = lower(program, noise)
        if heralding == "zeros":
            shots = self._heralded_shots(program, circuit.readout_p01, shots, rng)
        results = self.router.select(circuit).run(circuit, shots, rng)
        order = rng.permutation(shots)
        return {key: np.ascontiguousarray(bits[order], dtype=np.uint8)
                for key, bits in results.items()}

    def _heralded_shots(self, program: Program, p01: np.ndarray, shots: int,
                        rng: np.random.Generator) -> int:
        """Shots surviving a heralding readout of every used qubit.

        Shots start in |0>, so a heralding read of 1 is a readout error (P = p01), independent
        of the shot that follows: the survivors are a binomial draw and need no simulation.
        """
        qubits = [
            i for i, name in enumerate(program.components)
            if self.calibration is not None and name in self.calibration.qubits
        ]
        p_keep = float(np.prod(1.0 - p01[qubits])) if qubits else 1.0
        return int(rng.binomial(shots, p_keep))
