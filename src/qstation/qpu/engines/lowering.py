"""Lower a :class:`Program` plus an optional :class:`NoiseModel` to engine instructions.

With noise, the program is scheduled ASAP (:func:`qstation.qpu.durations.schedule`) and each
qubit gets, in order: relaxation over any idle interval before an instruction, the
instruction, then the gate's depolarizing channel and relaxation over the gate's duration.
Nothing is emitted on a qubit after its terminal measurement, because nothing afterwards can
change what was read. Residual ZZ (off by default) accumulates per coupler and is applied as a
conditional phase just before any instruction on either qubit that does not commute with it.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from qstation.qpu.circuits import Op, Program
from qstation.qpu.durations import schedule
from qstation.qpu.engines.base import Instr, Lowered
from qstation.qpu.noise import NoiseModel, relaxation

Matrix = npt.NDArray[np.complex128]

CZ = np.diag([1, 1, 1, -1]).astype(np.complex128)
SWAP = np.eye(4, dtype=np.complex128)[[0, 2, 1, 3]]
#: Instructions that do not commute with a ZZ rotation on their qubits.
_ZZ_FLUSH = frozenset({"prx", "cc_prx", "move", "measure", "reset"})


@lru_cache(maxsize=4096)  # bounded: random angles/intervals would grow it forever
def prx_matrix(angle: float, phase: float) -> Matrix:
    """exp(-i (X cos φ + Y sin φ) θ/2) = RZ(φ)·RX(θ)·RZ(-φ)."""
    c, s = math.cos(angle / 2), math.sin(angle / 2)
    m = np.array(
        [[c, -1j * s * np.exp(-1j * phase)], [-1j * s * np.exp(1j * phase), c]],
        dtype=np.complex128,
    )
    m.flags.writeable = False
    return m


def zz_matrix(phi: float) -> Matrix:
    """Conditional phase φ on |11>: residual ZZ in the frame calibrated with neighbours in |0>."""
    return np.diag([1, 1, 1, np.exp(-1j * phi)]).astype(np.complex128)


def terminal_measures(program: Program) -> set[int]:
    """Indices of ``measure`` ops after which their qubits are idle and their bits unused."""
    touched: set[int] = set()
    fed_back: set[str] = set()
    terminal: set[int] = set()
    for i in range(len(program.ops) - 1, -1, -1):
        op = program.ops[i]
        if op.name in ("barrier", "delay"):
            continue
        if op.name == "measure" and not touched.intersection(op.qubits) and (
            op.feedback_key is None or op.feedback_key not in fed_back
        ):
            terminal.add(i)
        touched.update(op.qubits)
        if op.name == "cc_prx" and op.feedback_key is not None:
            fed_back.add(op.feedback_key)
    return terminal


def _gate(op: Op, terminal: bool) -> list[Instr]:
    name = op.name
    if name == "prx":
        m = prx_matrix(op.angle, op.phase)
        return [Instr("u", op.qubits, m, gate="prx", angle=op.angle, phase=op.phase)]
    if name == "cz":
        return [Instr("u", op.qubits, CZ, gate="cz")]
    if name == "move":
        return [Instr("u", op.qubits, SWAP, gate="move")]
    if name == "cc_prx":
        fq = op.feedback_qubit if op.feedback_qubit is not None else -1
        m = prx_matrix(op.angle, op.phase)
        return [
            Instr("cc", op.qubits, m, gate="prx", angle=op.angle, phase=op.phase,
                  feedback_key=op.feedback_key, feedback_qubit=fq)
        ]
    if name == "measure":
        return [Instr("measure", op.qubits, key=op.key, feedback_key=op.feedback_key,
                      terminal=terminal)]
    if name == "reset":
        return [Instr("reset", op.qubits)]
    return []


@lru_cache(maxsize=65536)
def _relax_instr(noise: NoiseModel, q: int, t: float) -> Instr | None:
    """One shared object per (model, qubit, duration): engines cache operators per object."""
    if not noise.is_noisy(q):
        return None
    gamma, coherence = relaxation(noise.t1[q], noise.t2[q], t)
    if gamma <= 0.0 and coherence >= 1.0:
        return None
    return Instr("relax", (q,), p=gamma, coherence=coherence)


@lru_cache(maxsize=65536)
def _depol_instr(qubits: tuple[int, ...], lam: float) -> Instr:
    return Instr("depol", qubits, p=lam)


class _NoisyLowering:
    """Walks a schedule and interleaves noise channels with the gates."""

    def __init__(self, program: Program, noise: NoiseModel) -> None:
        self.noise = noise
        self.out: list[Instr] = []
        self.clock = [0.0] * program.n  # how far each qubit's evolution has been emitted
        self.done = [False] * program.n
        self.zz_clock = dict.fromkeys(noise.zz, 0.0)

    def relax(self, q: int, t: float) -> None:
        if t <= 0.0 or self.done[q]:
            return
        ins = _relax_instr(self.noise, q, t)
        if ins is not None:
            self.out.append(ins)

    def idle_until(self, q: int, t: float) -> None:
        self.relax(q, t - self.clock[q])
        self.clock[q] = max(self.clock[q], t)

    def flush_zz(self, qubits: tuple[int, ...], t: float) -> None:
        for (a, b), rate in self.noise.zz.items():
            if (a in qubits or b in qubits) and not (self.done[a] or self.done[b]):
                theta = rate * (t - self.zz_clock[(a, b)])
                if theta != 0.0:
                    self.out.append(Instr("u", (a, b), zz_matrix(theta), gate="zz", p=theta))
                self.zz_clock[(a, b)] = t

    def gate_noise(self, op: Op, duration: float) -> None:
        qs = op.qubits
        if op.name in ("prx", "cc_prx"):
            lam = self.noise.prx_depolarizing[qs[0]]
            if lam > 0.0:
                self.out.append(_depol_instr(qs, lam))
        elif op.name in ("cz", "move") and len(qs) == 2:
            lam = self.noise.pair(op.name, qs[0], qs[1])
            if lam > 0.0:
                self.out.append(_depol_instr(qs, lam))
        elif op.name != "measure":
            return  # reset leaves |0>, which relaxation does not change
        for q in qs:
            self.relax(q, duration)

    def add(self, op: Op, start: float, duration: float, terminal: bool) -> None:
        if op.name == "barrier":
            return
        if op.name in _ZZ_FLUSH and self.noise.zz:
            self.flush_zz(op.qubits, start)
        for q in op.qubits:
            self.idle_until(q, start)
        if op.name == "delay":
            for q in op.qubits:
                self.idle_until(q, start + duration)
            return
        self.out.extend(_gate(op, terminal))
        if terminal:
            for q in op.qubits:
                self.done[q] = True
        else:
            self.gate_noise(op, duration)
        for q in op.qubits:
            self.clock[q] = max(self.clock[q], start + duration)


def lower(program: Program, noise: NoiseModel | None) -> Lowered:
    """The engine form of ``program`` under ``noise`` (``None``: ideal)."""
    terminal = terminal_measures(program)
    if noise is None:
        instrs = [i for k, op in enumerate(program.ops) for i in _gate(op, k in terminal)]
        p01 = np.zeros(program.n)
        p10 = np.zeros(program.n)
    else:
        walker = _NoisyLowering(program, noise)
        for k, item in enumerate(schedule(program, noise.durations).items):
            walker.add(item.op, item.start, item.duration, k in terminal)
        instrs = walker.out
        p01 = np.asarray(noise.readout_p01, dtype=np.float64)
        p10 = np.asarray(noise.readout_p10, dtype=np.float64)
    kinds = frozenset(i.kind for i in instrs)
    return Lowered(
        n=program.n,
        instrs=instrs,
        measurements=list(program.measurements)
        or [(op.key or "", op.qubits) for op in program.ops if op.name == "measure"],
        readout_p01=p01,
        readout_p10=p10,
        noisy=bool(kinds & {"relax", "depol"}) or any(i.gate == "zz" for i in instrs),
        has_feedback="cc" in kinds,
        has_midcircuit=any(i.kind == "measure" and not i.terminal for i in instrs)
        or "reset" in kinds,
        kinds=kinds,
    )
