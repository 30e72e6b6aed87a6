"""Simulation engines and the router that picks one per circuit.

Routing (``engine="auto"``), by the measurements in ``docs``/``bench/engines.py``:

* noisy, n ≤ ``DM_MAX_QUBITS``: exact density matrix (cost independent of shots);
* noisy Clifford beyond that: stim (noise Pauli-twirled);
* other noisy circuits: trajectories, on qsim when it is installed (12+ qubits, terminal
  measurements), else NumPy;
* ideal Clifford above ``STIM_MIN_QUBITS``: stim; other ideal circuits: statevector.

The executor adds three program-level fast paths in front of this router (no lowering):
small terminal-measurement circuits (:mod:`.small`), Clifford circuits on stim
(:mod:`.stim_direct`) and large ideal circuits on qsim (:mod:`.qsim`).

A named engine is used when it supports the circuit; otherwise the router falls back to
``auto`` (so ``engine="gpu"`` on a machine without a GPU still works, on the CPU).
"""

from __future__ import annotations

import logging

from qstation.qpu.engines.base import Engine, EngineUnavailableError, Lowered, Results
from qstation.qpu.engines.clifford import CliffordEngine
from qstation.qpu.engines.density import DensityMatrixEngine
from qstation.qpu.engines.gpu import gpu_available, gpu_engines
from qstation.qpu.engines.qsim import QsimTrajectoryEngine
from qstation.qpu.engines.statevector import StatevectorEngine
from qstation.qpu.engines.trajectories import TrajectoryEngine

__all__ = [
    "ENGINE_NAMES",
    "Engine",
    "EngineUnavailableError",
    "Results",
    "Router",
    "gpu_available",
]

log = logging.getLogger(__name__)

#: Engine names accepted by :class:`Router` and ``Executor(engine=...)``.
ENGINE_NAMES = ("auto", "statevector", "trajectories", "density_matrix", "stim", "gpu", "qsim")
DM_MAX_QUBITS = 8
STIM_MIN_QUBITS = 12


class Router:
    """Chooses the engine for each lowered circuit."""

    def __init__(self, preference: str = "auto") -> None:
        if preference not in ENGINE_NAMES:
            raise ValueError(f"unknown engine {preference!r}; choose from {ENGINE_NAMES}")
        self.preference = preference
        self.statevector = StatevectorEngine()
        self.trajectories = TrajectoryEngine()
        self.density = DensityMatrixEngine()
        self.stim = CliffordEngine()
        self.qsim_trajectories = QsimTrajectoryEngine()
        self.gpu: tuple[Engine, Engine] | None = None
        if preference == "gpu":
            if gpu_available():
                self.gpu = gpu_engines()
            else:
                log.warning("engine 'gpu' requested but no usable GPU; using CPU engines")

    def named(self, name: str) -> Engine | None:
        """The engine called ``name`` (``gpu`` resolves to its ideal engine), if built."""
        table: dict[str, Engine] = {
            "statevector": self.statevector,
            "trajectories": self.trajectories,
            "density_matrix": self.density,
            "stim": self.stim,
            "qsim": self.qsim_trajectories,
        }
        return table.get(name)

    def select(self, circuit: Lowered) -> Engine:
        """The engine to run ``circuit`` on."""
        if self.preference == "gpu" and self.gpu is not None:
            engine = self.gpu[1] if circuit.noisy else self.gpu[0]
            if engine.supports(circuit):
                return engine
        chosen = self.named(self.preference)
        if chosen is not None and chosen.supports(circuit):
            return chosen
        return self.auto(circuit)

    def auto(self, circuit: Lowered) -> Engine:
        """The measured-best engine for ``circuit``."""
        clifford = self.stim.supports(circuit)
        if circuit.noisy:
            if circuit.n <= DM_MAX_QUBITS and self.density.supports(circuit):
                return self.density
            if clifford:
                return self.stim
            if self.qsim_trajectories.supports(circuit):
                return self.qsim_trajectories
            if self.trajectories.supports(circuit):
                return self.trajectories
        else:
            if clifford and circuit.n > STIM_MIN_QUBITS:
                return self.stim
            if self.statevector.supports(circuit):
                return self.statevector
            if clifford:
                return self.stim
        raise EngineUnavailableError(
            f"no engine can simulate this {circuit.n}-component circuit "
            "(too large for a statevector and not Clifford)"
        )
