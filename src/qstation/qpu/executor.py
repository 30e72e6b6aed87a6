"""Run programs on a digital twin: noise model, lowering, engine routing and post-processing.

One :class:`Executor` serves one calibration set. Noise models are built once per component
list and cached, so a job of many circuits on the same qubits pays for them once.
"""

from __future__ import annotations

import numpy as np

from qstation.qpu.calibration import CalibrationData
from qstation.qpu.circuits import Program
from qstation.qpu.engines import DM_MAX_QUBITS, STIM_MIN_QUBITS, Router
from qstation.qpu.engines.base import Results, int_to_bits
from qstation.qpu.engines.detuned import detuned_distribution, draws_for
from qstation.qpu.engines.lowering import lower
from qstation.qpu.engines.qsim import QSIM_MIN_QUBITS, QsimIdealEngine
from qstation.qpu.engines.small import SmallCircuitEngine
from qstation.qpu.engines.stim_direct import DirectStimEngine
from qstation.qpu.noise import NoiseModel, build_noise_model
from qstation.qpu.quasi_static import (
    REALIZATIONS_EXACT,
    REALIZATIONS_SAMPLED,
    applicable,
    detunings,
    needs_draws,
    shift_phases,
)
from qstation.qpu.split import join_results, parts, split

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
        self._noise_qs: dict[tuple[str, ...], NoiseModel] = {}
        self._small_qs: dict[tuple[str, ...], SmallCircuitEngine] = {}
        self._small: dict[tuple[str, ...], SmallCircuitEngine] = {}
        self._stim: dict[tuple[str, ...], DirectStimEngine] = {}
        self._qsim = QsimIdealEngine()

    def noise_model(self, components: tuple[str, ...]) -> NoiseModel | None:
        """The (cached) noise model for ``components``, or None for an ideal twin."""
        if self.calibration is None:
            return None
        model = self._noise.get(components)
        if model is None:
            model = build_noise_model(self.calibration, components, crosstalk=self.crosstalk)
            self._noise[components] = model
        return model

    def quasi_static_model(self, program: Program) -> NoiseModel | None:
        """The noise model with quasi-static detuning for ``program``, or None where the
        Markovian model (dephasing at T2*) is used: an ideal twin, MOVE programs, no qubit
        with low-frequency noise, Clifford programs on stim (a detuned frame is not
        Clifford; there the Ramsey and echo times coincide at T2*) and programs too short for
        the detuning to matter (:func:`~qstation.qpu.quasi_static.needs_draws`)."""
        if self.calibration is None or not applicable(program):
            return None
        components = tuple(program.components)
        model = self._noise_qs.get(components)
        if model is None:
            model = build_noise_model(
                self.calibration, components, crosstalk=self.crosstalk, quasi_static=True
            )
            self._noise_qs[components] = model
        if not any(model.detuning_hwhm) or self.stim_engine(program) is not None:
            return None
        if not needs_draws(program, model.detuning_hwhm, model.durations):
            return None
        return model

    def small_engine(self, program: Program) -> SmallCircuitEngine | None:
        """The fast small-circuit path for ``program`` when routing allows it, else None.

        Only under ``engine="auto"``: a named engine is always honoured (tests compare them).
        """
        if self.router.preference != "auto":
            return None
        components = tuple(program.components)
        noise = self.noise_model(components)
        if not SmallCircuitEngine.supports(program, noise):
            return None
        engine = self._small.get(components)
        if engine is None:
            if len(self._small) > 256:
                self._small.clear()
            engine = self._small[components] = SmallCircuitEngine(noise)
        return engine

    def stim_engine(self, program: Program) -> DirectStimEngine | None:
        """The direct stim path when routing sends ``program`` to stim, else None."""
        if self.router.preference not in ("auto", "stim"):
            return None
        components = tuple(program.components)
        noise = self.noise_model(components)
        if self.router.preference == "auto":
            threshold = DM_MAX_QUBITS if noise is not None else STIM_MIN_QUBITS
            if program.n <= threshold:
                return None
        if not DirectStimEngine.supports(program, noise):
            return None
        engine = self._stim.get(components)
        if engine is None:
            if len(self._stim) > 64:
                self._stim.clear()
            engine = self._stim[components] = DirectStimEngine(noise)
        return engine

    def qsim_engine(self, program: Program) -> QsimIdealEngine | None:
        """qsim for large ideal circuits when it is installed, else None."""
        if (self.router.preference not in ("auto", "qsim") or self.calibration is not None
                or program.n < QSIM_MIN_QUBITS or not QsimIdealEngine.supports(program)):
            return None
        return self._qsim

    def engine_for(self, program: Program) -> str:
        """Name of the engine that :meth:`run` would use for ``program``."""
        if self.small_engine(program) is not None or self._split(
                program, self.noise_model(tuple(program.components))) is not None:
            return SmallCircuitEngine.name
        if self.stim_engine(program) is not None:
            return DirectStimEngine.name
        if self.qsim_engine(program) is not None:
            return QsimIdealEngine.name
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
        if heralding == "zeros":
            p01 = np.asarray(noise.readout_p01 if noise else np.zeros(program.n))
            shots = self._heralded_shots(program, p01, shots, rng)
        pieces = self._split(program, noise) if heralding == "none" else None
        if pieces is not None:
            groups, programs = pieces
            seeds = rng.integers(2**63, size=len(programs))
            results = join_results(program, groups, [
                self.run(part, shots, seed=int(s)) for part, s in zip(programs, seeds, strict=True)
            ])
            return results  # each part's shots are already in random order
        quasi = self.quasi_static_model(program)
        small = self.small_engine(program) if quasi is None else None
        direct = self.stim_engine(program) if small is None and quasi is None else None
        qsim = (
            self.qsim_engine(program)
            if small is None and direct is None and quasi is None
            else None
        )
        if quasi is not None:
            results = self._run_detuned(program, quasi, shots, rng)
        elif small is not None:
            results = self._run_small(small, program, noise, shots, rng)
        elif direct is not None:
            results = direct.run(program, shots, rng)
        elif qsim is not None:
            results = qsim.run(program, shots, rng)
        else:
            circuit = lower(program, noise)
            results = self.router.select(circuit).run(circuit, shots, rng)
        order = rng.permutation(shots)
        return {key: np.ascontiguousarray(bits[order], dtype=np.uint8)
                for key, bits in results.items()}

    def _split(
        self, program: Program, noise: NoiseModel | None
    ) -> tuple[list[list[int]], list[Program]] | None:
        """Independent parts of a noisy ``program`` too wide for the exact small path, each
        small enough for it (None: run it whole)."""
        if (noise is None or self.crosstalk or self.router.preference != "auto"
                or SmallCircuitEngine.supports(program, noise)):
            return None
        groups = parts(program)
        if len(groups) < 2:
            return None
        programs = split(program, noise.durations, groups)
        if not all(SmallCircuitEngine.supports(p, self.noise_model(tuple(p.components)))
                   for p in programs):
            return None
        return groups, programs

    def _run_detuned(
        self, program: Program, noise: NoiseModel, shots: int, rng: np.random.Generator
    ) -> Results:
        """``program`` under quasi-static detuning: a set of detuning draws per circuit.

        On the small path the exact distributions of the draws are averaged and every shot is
        sampled from that mixture (independent shots). Elsewhere the shots are spread over the
        draws at random and each draw's program runs on the routed engine.
        """
        components = tuple(program.components)
        if self.router.preference == "auto" and SmallCircuitEngine.supports(program, noise):
            small = self._small_qs.get(components)
            if small is None:
                if len(self._small_qs) > 256:
                    self._small_qs.clear()
                small = self._small_qs[components] = SmallCircuitEngine(noise, cache_size=0)
            wanted = draws_for(program.n, min(shots, REALIZATIONS_EXACT))
            draws = detunings(noise.detuning_hwhm, wanted, rng)
            mixture, qubits = detuned_distribution(small, program, draws)
            return self._sample(mixture, qubits, program, noise, shots, rng)
        # The density matrix's cost does not grow with shots: it affords as many draws as the
        # small path; trajectory engines pay per group of shots, so they take fewer.
        plain = self.router.select(lower(program, noise))
        budget = REALIZATIONS_EXACT if plain is self.router.density else REALIZATIONS_SAMPLED
        k = max(min(shots, budget), 1)
        draws = detunings(noise.detuning_hwhm, k, rng)
        counts = rng.multinomial(shots, np.full(k, 1.0 / k)) if shots else np.ones(k, int)
        parts: list[Results] = []
        for delta, count in zip(draws, counts.tolist(), strict=True):
            if count:
                circuit = lower(shift_phases(program, delta.tolist(), noise.durations), noise)
                parts.append(self.router.select(circuit).run(circuit, count if shots else 0, rng))
        return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}

    @classmethod
    def _run_small(
        cls,
        small: SmallCircuitEngine,
        program: Program,
        noise: NoiseModel | None,
        shots: int,
        rng: np.random.Generator,
    ) -> Results:
        """Sample ``shots`` from the small engine's exact distribution, then readout error."""
        probs, qubits = small.probabilities(program)
        return cls._sample(probs, qubits, program, noise, shots, rng)

    @staticmethod
    def _sample(
        probs: np.ndarray,
        qubits: list[int],
        program: Program,
        noise: NoiseModel | None,
        shots: int,
        rng: np.random.Generator,
    ) -> Results:
        """``shots`` outcomes drawn from ``probs`` over ``qubits``, then readout error."""
        idx = rng.choice(len(probs), size=shots, p=probs) if qubits else np.zeros(shots, int)
        bits = int_to_bits(idx.astype(np.int64), len(qubits))
        if noise is not None and qubits:
            q = np.asarray(qubits)
            p01, p10 = np.asarray(noise.readout_p01)[q], np.asarray(noise.readout_p10)[q]
            flips = rng.random(bits.shape) < np.where(bits == 1, p10, p01)
            bits ^= flips.astype(np.uint8)
        col = {q: c for c, q in enumerate(qubits)}
        measurements = program.measurements or [
            (op.key or "", op.qubits) for op in program.ops if op.name == "measure"]
        return {key: bits[:, [col[q] for q in qs]] for key, qs in measurements}

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
