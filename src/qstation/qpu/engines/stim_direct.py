"""Direct Program → stim text for Clifford circuits, without the generic lowering.

The generic path (schedule objects, lowered instructions, one string per instruction) spends
more Python time than stim spends simulating a 54-qubit circuit. Here the noisy schedule is
walked once and every line comes from per-qubit string tables built once per noise model:
the noise after a gate, idle relaxation per (qubit, interval) and the Clifford decomposition
of each quarter-turn ``prx``. The noise is the same Pauli twirl as
:mod:`qstation.qpu.engines.clifford` (depolarizing exact, relaxation twirled), and readout
error is applied exactly (asymmetric) to the sampled bits. Circuits with classical feedback or
crosstalk take the generic path.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from qstation.qpu.circuits import Program
from qstation.qpu.durations import FALLBACK_DURATIONS
from qstation.qpu.engines.base import Results
from qstation.qpu.engines.clifford import _RX, _RZ, _stim, quarter_turns
from qstation.qpu.engines.lowering import terminal_measures
from qstation.qpu.noise import NoiseModel, relaxation, twirled_relaxation

_OPS = frozenset({"prx", "cz", "move", "measure", "barrier", "delay", "reset"})
_TWO = {"cz": "CZ", "move": "SWAP"}


def _prx_gates(theta: int, phi: int) -> tuple[str, ...]:
    """stim gates of RZ(φ)·RX(θ)·RZ(-φ) in application order (rightmost first)."""
    if theta == 0:
        return ()
    return tuple(g for g in (_RZ[(-phi) % 4], _RX[theta], _RZ[phi]) if g)


_PRX = {(t, p): _prx_gates(t, p) for t in range(4) for p in range(4)}


def _channel(q: int, gamma: float, coherence: float) -> str:
    px, py, pz = twirled_relaxation(gamma, coherence)
    if px <= 0.0 and pz <= 0.0:
        return ""
    return f"PAULI_CHANNEL_1({px!r},{py!r},{pz!r}) {q}\n"


class DirectStimEngine:
    """Samples Clifford programs on stim under one noise model (``None``: ideal)."""

    name = "stim"

    def __init__(self, noise: NoiseModel | None, cache_size: int = 64) -> None:
        self.noise = noise
        durations = noise.durations if noise is not None else {}
        self.t = {g: durations.get(g, FALLBACK_DURATIONS.get(g, 0.0)) for g in _OPS}
        self.t["reset"] = durations.get("reset", self.t["measure"] + self.t["prx"])
        self._idle: dict[tuple[int, float], str] = {}
        self._after_prx: dict[int, str] = {}
        self._after_pair: dict[tuple[str, int, int], str] = {}
        self._cache: OrderedDict[tuple[object, ...], Any] = OrderedDict()
        self.cache_size = cache_size

    @staticmethod
    def supports(program: Program, noise: NoiseModel | None) -> bool:
        """Quarter-turn prx, cz, move, measure, reset, barrier, delay; no crosstalk."""
        if noise is not None and noise.zz:
            return False
        for op in program.ops:
            if op.name not in _OPS:
                return False
            if op.name == "prx" and (quarter_turns(op.angle) is None
                                     or quarter_turns(op.phase) is None):
                return False
        return True

    def _relax(self, q: int, t: float) -> str:
        assert self.noise is not None
        if not self.noise.is_noisy(q) or t <= 1e-15:
            return ""
        return _channel(q, *relaxation(self.noise.t1[q], self.noise.t2[q], t))

    def _idle_text(self, q: int, dt: float) -> str:
        key = (q, dt)
        s = self._idle.get(key)
        if s is None:
            if len(self._idle) > 8192:
                self._idle.clear()
            s = self._idle[key] = self._relax(q, dt)
        return s

    def _prx_noise(self, q: int) -> str:
        s = self._after_prx.get(q)
        if s is None:
            assert self.noise is not None
            lam = self.noise.prx_depolarizing[q]
            s = f"DEPOLARIZE1({lam * 3 / 4!r}) {q}\n" if lam > 0 else ""
            s = self._after_prx[q] = s + self._relax(q, self.t["prx"])
        return s

    def _pair_noise(self, gate: str, a: int, b: int) -> str:
        key = (gate, a, b)
        s = self._after_pair.get(key)
        if s is None:
            assert self.noise is not None
            lam = self.noise.pair(gate, a, b)
            s = f"DEPOLARIZE2({min(lam * 15 / 16, 1.0)!r}) {a} {b}\n" if lam > 0 else ""
            s += self._relax(a, self.t[gate]) + self._relax(b, self.t[gate])
            self._after_pair[key] = s
        return s

    def text(self, program: Program) -> tuple[str, list[tuple[str, tuple[int, ...]]], list[float]]:
        """The stim program text, the measurement record layout ``(key, qubits)`` and, per
        record column, the probability that its qubit decays between its last gate and a
        terminal measurement (applied to the sampled bits: see :meth:`run`)."""
        noisy = self.noise is not None
        terminal = terminal_measures(program) if noisy else set()
        n = program.n
        free = [0.0] * n
        idle = [0.0] * n  # idle time since the qubit's last gate, not yet emitted
        done = [False] * n
        out: list[str] = []
        layout: list[tuple[str, tuple[int, ...]]] = []
        decay: list[float] = []
        t_prx = self.t["prx"]

        def flush(q: int) -> None:
            # Relaxation between gates: Pauli-twirled (stim cannot decay a superposition).
            if idle[q] > 0.0:
                out.append(self._idle_text(q, idle[q]))
                idle[q] = 0.0

        for i, op in enumerate(program.ops):
            name, qs = op.name, op.qubits
            if name == "prx":
                q = qs[0]
                if noisy:
                    flush(q)
                theta, phi = quarter_turns(op.angle), quarter_turns(op.phase)
                for g in _PRX[(theta or 0, phi or 0)]:
                    out.append(f"{g} {q}\n")
                if noisy:
                    out.append(self._prx_noise(q))
                    free[q] += t_prx
                continue
            if noisy:
                start = max((free[q] for q in qs), default=0.0)
                end = start + (max(op.duration, 0.0) if name == "delay" else 0.0)
                for q in qs:
                    if not done[q]:
                        idle[q] += end - free[q]
                    free[q] = end
                if name != "delay" and not (name == "measure" and i in terminal):
                    for q in qs:
                        flush(q)
            if name in _TWO:
                out.append(f"{_TWO[name]} {qs[0]} {qs[1]}\n")
                if noisy:
                    out.append(self._pair_noise(name, qs[0], qs[1]))
                    free[qs[0]] = free[qs[1]] = start + self.t[name]
            elif name == "reset":
                out.append("R " + " ".join(map(str, qs)) + "\n")
                for q in qs:
                    free[q] = start + self.t["reset"] if noisy else 0.0
            elif name == "measure":
                out.append("M " + " ".join(map(str, qs)) + "\n")
                layout.append((op.key or "", qs))
                if noisy and i in terminal:
                    # Nothing acts on these qubits any more: a decay before the readout only
                    # turns a 1 into a 0, which is exact on the sampled bits.
                    for q in qs:
                        decay.append(self._decay(q, idle[q]))
                        idle[q] = 0.0
                        done[q] = True
                else:
                    decay += [0.0] * len(qs)
                    for q in qs if noisy else ():
                        out.append(self._relax(q, self.t["measure"]))
                        free[q] = start + self.t["measure"]
        return "".join(out), layout, decay

    def _decay(self, q: int, t: float) -> float:
        assert self.noise is not None
        if not self.noise.is_noisy(q) or t <= 0.0:
            return 0.0
        return relaxation(self.noise.t1[q], self.noise.t2[q], t)[0]

    def run(self, program: Program, shots: int, rng: np.random.Generator) -> Results:
        """Sample ``shots`` shots; readout error is applied to the sampled bits."""
        key = (tuple(program.components), tuple(program.ops))
        hit = self._cache.get(key)
        if hit is None:
            text, layout, decay = self.text(program)
            hit = (_stim().Circuit(text), layout, np.asarray(decay))
            self._cache[key] = hit
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        circuit, layout, decays = hit
        seed = int(rng.integers(2**63))
        bits = circuit.compile_sampler(seed=seed).sample(shots).view(np.uint8)
        if decays.size and decays.any():
            bits = bits & (rng.random(bits.shape) >= decays).astype(np.uint8)
        cols = [q for _, qs in layout for q in qs]
        if self.noise is not None and cols:
            idx = np.asarray(cols)
            p01 = np.asarray(self.noise.readout_p01)[idx]
            p10 = np.asarray(self.noise.readout_p10)[idx]
            flips = rng.random(bits.shape) < np.where(bits == 1, p10, p01)
            bits = bits ^ flips.astype(np.uint8)
        out: Results = {}
        c = 0
        for k, qs in layout:
            out[k] = np.ascontiguousarray(bits[:, c:c + len(qs)])
            c += len(qs)
        for k, qs in program.measurements:
            out.setdefault(k, np.zeros((shots, len(qs)), dtype=np.uint8))
        return out
