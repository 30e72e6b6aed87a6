"""Clifford engine on ``stim``: any size, for prx at multiples of π/2, cz, move and resets.

Noise is Pauli-twirled here: depolarizing maps exactly, thermal relaxation becomes the Pauli
channel with the same PTM diagonal (so amplitude damping's bias towards |0> is lost), and
residual ZZ (a conditional phase φ) becomes IZ, ZI, ZZ flips with probability sin²(φ/2)/4.
Readout error is applied to the sampled bits (exactly asymmetric), except on measurements
read by ``cc_prx``, where it must act inside the circuit and uses the symmetric average of
p01 and p10.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qstation.qpu.engines.base import EngineUnavailableError, Instr, Lowered, Results, apply_readout
from qstation.qpu.engines.decay import split_trailing_decay
from qstation.qpu.noise import twirled_relaxation

_RZ = ("", "S", "Z", "S_DAG")
_RX = ("", "SQRT_X", "X", "SQRT_X_DAG")
_TOL = 1e-9
_TWO_QUBIT = {"cz": "CZ", "move": "SWAP"}


def quarter_turns(x: float) -> int | None:
    """``x`` as a multiple of π/2 (mod 4), or None when it is not one."""
    k = x / (math.pi / 2)
    r = round(k)
    return r % 4 if abs(k - r) < _TOL else None


def is_clifford(ins: Instr) -> bool:
    """Whether stim can represent ``ins`` (noise channels are always twirlable)."""
    if ins.kind == "u":
        if ins.gate == "prx":
            return quarter_turns(ins.angle) is not None and quarter_turns(ins.phase) is not None
        return ins.gate in ("cz", "move", "zz")
    if ins.kind == "cc":
        turns, phase = quarter_turns(ins.angle), quarter_turns(ins.phase)
        return turns in (0, 2) and phase is not None
    return ins.kind in ("measure", "reset", "relax", "depol")


def _stim() -> Any:
    try:
        import stim
    except ImportError as exc:  # pragma: no cover - stim is a server dependency
        raise EngineUnavailableError("stim is not installed") from exc
    return stim


class _Builder:
    """Writes stim circuit text (one parse is far cheaper than many ``append`` calls)."""

    def __init__(self, circuit: Lowered) -> None:
        self.circuit = circuit
        self.lines: list[str] = []
        self.n_meas = 0
        self.where: dict[tuple[str, int], int] = {}  # (feedback_key, qubit) -> record index
        self.columns: list[tuple[Instr, int, bool]] = []  # (measure, first column, noisy)

    def emit(self, gate: str, targets: list[int] | list[str], *args: float) -> None:
        head = f"{gate}({','.join(repr(float(a)) for a in args)})" if args else gate
        self.lines.append(f"{head} {' '.join(map(str, targets))}")

    def prx(self, q: int, angle: float, phase: float) -> None:
        theta, phi = quarter_turns(angle), quarter_turns(phase)
        assert theta is not None and phi is not None
        if theta == 0:
            return
        # RZ(φ)·RX(θ)·RZ(-φ): the rightmost acts first.
        for gate in (_RZ[(-phi) % 4], _RX[theta], _RZ[phi]):
            if gate:
                self.lines.append(f"{gate} {q}")

    def add(self, ins: Instr) -> None:
        qs = list(ins.qubits)
        if ins.kind == "u":
            if ins.gate == "prx":
                self.prx(qs[0], ins.angle, ins.phase)
            elif ins.gate in _TWO_QUBIT:
                self.emit(_TWO_QUBIT[ins.gate], qs)
            elif ins.gate == "zz":
                # CPHASE(φ) twirled: IZ, ZI and ZZ each with probability sin²(φ/2)/4.
                p = math.sin(ins.p / 2) ** 2 / 4
                probs = [0.0] * 15
                probs[2] = probs[11] = probs[14] = p
                self.emit("PAULI_CHANNEL_2", qs, *probs)
        elif ins.kind == "cc":
            self.cc(ins)
        elif ins.kind == "measure":
            self.measure(ins)
        elif ins.kind == "reset":
            self.emit("R", qs)
        elif ins.kind == "relax":
            self.emit("PAULI_CHANNEL_1", qs, *twirled_relaxation(ins.p, ins.coherence))
        elif ins.kind == "depol":
            gate, k = ("DEPOLARIZE1", 1) if len(qs) == 1 else ("DEPOLARIZE2", 2)
            self.emit(gate, qs, min(ins.p * (4**k - 1) / 4**k, 1.0))

    def cc(self, ins: Instr) -> None:
        if quarter_turns(ins.angle) == 0:
            return
        phase = quarter_turns(ins.phase)
        gate = "CX" if phase in (0, 2) else "CY"
        rec = self.where.get((ins.feedback_key or "", ins.feedback_qubit))
        if rec is None:
            return  # never measured: the condition reads 0
        self.emit(gate, [f"rec[{rec - self.n_meas}]", str(ins.qubits[0])])

    def measure(self, ins: Instr) -> None:
        feedback = ins.feedback_key is not None and self.circuit.has_readout_error
        self.columns.append((ins, self.n_meas, feedback))
        for q in ins.qubits:
            if feedback:
                p = (self.circuit.readout_p01[q] + self.circuit.readout_p10[q]) / 2
                self.emit("M", [q], float(p))
            else:
                self.emit("M", [q])
            if ins.feedback_key is not None:
                self.where[(ins.feedback_key, q)] = self.n_meas
            self.n_meas += 1

    def circuit_object(self) -> Any:
        return _stim().Circuit("\n".join(self.lines))


class CliffordEngine:
    """Stabilizer simulation (stim) of Clifford circuits of any size."""

    name = "stim"

    def supports(self, circuit: Lowered) -> bool:
        """Clifford gates only (noise is twirled)."""
        return all(is_clifford(i) for i in circuit.instrs)

    def run(self, circuit: Lowered, shots: int, rng: np.random.Generator) -> Results:
        """Build the stim circuit and sample all shots in one call."""
        circuit, decay = split_trailing_decay(circuit)
        b = _Builder(circuit)
        for ins in circuit.instrs:
            b.add(ins)
        seed = int(rng.integers(2**63))
        samples = b.circuit_object().compile_sampler(seed=seed).sample(shots).astype(np.uint8)
        out: Results = {}
        for ins, first, noisy in b.columns:
            bits = decay.apply(ins, samples[:, first:first + len(ins.qubits)], rng)
            if not noisy:
                bits = apply_readout(np.ascontiguousarray(bits), ins.qubits, circuit, rng)
            out[ins.key or ""] = bits
        for key, qs in circuit.measurements:
            out.setdefault(key, np.zeros((shots, len(qs)), dtype=np.uint8))
        return out
