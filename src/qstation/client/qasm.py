"""A small OpenQASM 2 reader: the ``qelib1.inc`` subset, lowered to ``prx``, ``cz``, ``measure``.

Z rotations are *virtual*: each qubit keeps a frame angle that later ``prx`` phases absorb
(``prx(θ, φ)·RZ(λ) = RZ(λ)·prx(θ, φ - λ)``, and ``cz`` and Z measurements commute with
RZ), so they cost nothing, as on IQM hardware. Results equal the source circuit up to a
global phase.

Supported: ``qreg``, ``creg``, ``measure`` (bits or whole registers), ``reset``,
``barrier``, and the gates ``id x y z h s sdg t tdg sx sxdg rx ry rz p u1 u2 u3 u U cx CX cz
cy swap``, with parameters written with numbers, ``pi``, ``+ - * / ^``, parentheses and
``sin cos tan exp ln sqrt``. Not supported (rejected with a clear message): ``gate`` and
``opaque`` definitions, and ``if``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from qstation.client._errors import CircuitValidationError
from qstation.client.models import Circuit, Instruction

__all__ = ["QasmError", "circuit_from_qasm"]

_PI = math.pi
_FUNCS: dict[str, Callable[[float], float]] = {
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "exp": math.exp, "ln": math.log,
    "sqrt": math.sqrt,
}
_NUMBER = r"\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?"
_TOKEN = re.compile(rf"\s*(?:({_NUMBER})|([A-Za-z_]\w*)|(.))")
_STATEMENT = re.compile(r"^(\w+)\s*(?:\((.*)\))?\s*(.*)$", re.S)
_ARG = re.compile(r"^([A-Za-z_]\w*)\s*(?:\[\s*(\d+)\s*\])?$")


class QasmError(CircuitValidationError):
    """The OpenQASM text cannot be read; the message names the statement."""


class _Expr:
    """Recursive-descent evaluation of a parameter expression."""

    def __init__(self, text: str) -> None:
        self.tokens = [m.group(1) or m.group(2) or m.group(3) for m in _TOKEN.finditer(text)
                       if (m.group(1) or m.group(2) or m.group(3) or "").strip()]
        self.pos = 0

    def value(self) -> float:
        result = self._sum()
        if self.pos != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.pos]!r}")
        return result

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        tok = self._peek()
        if tok is None:
            raise ValueError("unexpected end of expression")
        self.pos += 1
        return tok

    def _sum(self) -> float:
        value = self._product()
        while self._peek() in ("+", "-"):
            value = value + self._product() if self._take() == "+" else value - self._product()
        return value

    def _product(self) -> float:
        value = self._power()
        while self._peek() in ("*", "/"):
            value = value * self._power() if self._take() == "*" else value / self._power()
        return value

    def _power(self) -> float:
        base = self._unary()
        if self._peek() == "^":
            self._take()
            return float(base ** self._power())
        return base

    def _unary(self) -> float:
        if self._peek() in ("-", "+"):
            return -self._unary() if self._take() == "-" else self._unary()
        return self._atom()

    def _atom(self) -> float:
        tok = self._take()
        if tok == "(":
            value = self._sum()
            if self._take() != ")":
                raise ValueError("missing ')'")
            return value
        if tok == "pi":
            return _PI
        if tok in _FUNCS:
            if self._take() != "(":
                raise ValueError(f"{tok} needs parentheses")
            arg = self._sum()
            if self._take() != ")":
                raise ValueError("missing ')'")
            return _FUNCS[tok](arg)
        try:
            return float(tok)
        except ValueError:
            raise ValueError(f"unknown name {tok!r}") from None


class _Lowering:
    """Turns qelib1 gates into prx/cz with per-qubit virtual-Z frames."""

    def __init__(self) -> None:
        self.ops: list[Instruction] = []
        self.frame: dict[str, float] = {}

    def rz(self, q: str, angle: float) -> None:
        self.frame[q] = self.frame.get(q, 0.0) + angle

    def prx(self, q: str, angle: float, phase: float) -> None:
        self.ops.append(Instruction(name="prx", locus=[q], args={
            "angle": angle, "phase": phase - self.frame.get(q, 0.0)}))

    def h(self, q: str) -> None:
        self.rz(q, _PI)
        self.prx(q, _PI / 2, _PI / 2)

    def u3(self, q: str, theta: float, phi: float, lam: float) -> None:
        self.rz(q, lam)
        self.prx(q, theta, _PI / 2)
        self.rz(q, phi)

    def cz(self, a: str, b: str) -> None:
        self.ops.append(Instruction(name="cz", locus=[a, b]))

    def cx(self, c: str, t: str) -> None:
        self.h(t)
        self.cz(c, t)
        self.h(t)

    def gate(self, name: str, params: list[float], qs: list[str]) -> None:
        one: dict[str, Callable[[str], None]] = {
            "id": lambda q: None, "x": lambda q: self.prx(q, _PI, 0.0),
            "y": lambda q: self.prx(q, _PI, _PI / 2), "z": lambda q: self.rz(q, _PI),
            "h": self.h, "s": lambda q: self.rz(q, _PI / 2), "sdg": lambda q: self.rz(q, -_PI / 2),
            "t": lambda q: self.rz(q, _PI / 4), "tdg": lambda q: self.rz(q, -_PI / 4),
            "sx": lambda q: self.prx(q, _PI / 2, 0.0), "sxdg": lambda q: self.prx(q, -_PI / 2, 0.0),
        }
        p = params
        rotations: dict[str, tuple[int, Callable[[str], None]]] = {
            "rx": (1, lambda q: self.prx(q, p[0], 0.0)),
            "ry": (1, lambda q: self.prx(q, p[0], _PI / 2)),
            "rz": (1, lambda q: self.rz(q, p[0])), "p": (1, lambda q: self.rz(q, p[0])),
            "u1": (1, lambda q: self.rz(q, p[0])),
            "u2": (2, lambda q: self.u3(q, _PI / 2, p[0], p[1])),
            "u3": (3, lambda q: self.u3(q, *p[:3])), "u": (3, lambda q: self.u3(q, *p[:3])),
            "U": (3, lambda q: self.u3(q, *p[:3])),
        }
        two: dict[str, Callable[[str, str], None]] = {
            "cx": self.cx, "CX": self.cx, "cz": self.cz, "swap": self._swap, "cy": self._cy,
        }
        if name in one and len(qs) == 1 and not p:
            one[name](qs[0])
        elif name in rotations and len(qs) == 1 and len(p) == rotations[name][0]:
            rotations[name][1](qs[0])
        elif name in two and len(qs) == 2 and not p:
            two[name](qs[0], qs[1])
        else:
            raise ValueError(f"unsupported gate or wrong arguments: {name}({len(p)} params) "
                             f"on {len(qs)} qubit(s)")

    def _swap(self, a: str, b: str) -> None:
        for c, t in ((a, b), (b, a), (a, b)):
            self.cx(c, t)

    def _cy(self, c: str, t: str) -> None:
        self.rz(t, -_PI / 2)
        self.cx(c, t)
        self.rz(t, _PI / 2)


class _Reader:
    """Registers and statements of one program."""

    def __init__(self, qubit_name: Callable[[int], str]) -> None:
        self.qubit_name = qubit_name
        self.qregs: dict[str, list[str]] = {}
        self.cregs: dict[str, int] = {}
        self.keys: set[str] = set()
        self.low = _Lowering()

    def operands(self, text: str, regs: dict[str, list[str]]) -> list[list[str]]:
        """Each operand as a list of elements (a whole register broadcasts)."""
        result = []
        for part in (p.strip() for p in text.split(",") if p.strip()):
            m = _ARG.match(part)
            if m is None or m.group(1) not in regs:
                raise ValueError(f"unknown register or bad operand {part!r}")
            reg = regs[m.group(1)]
            if m.group(2) is None:
                result.append(list(reg))
            elif int(m.group(2)) < len(reg):
                result.append([reg[int(m.group(2))]])
            else:
                raise ValueError(f"index out of range in {part!r}")
        return result

    def statement(self, text: str) -> None:
        if text.startswith(("OPENQASM", "include")):
            return
        if text.startswith(("gate ", "opaque ", "if")):
            raise ValueError("gate/opaque definitions and 'if' are not supported")
        m = _STATEMENT.match(text)
        if m is None:
            raise ValueError("cannot parse")
        name, params, rest = m.group(1), m.group(2), m.group(3)
        if name in ("qreg", "creg"):
            reg = _ARG.match(rest.strip())
            if reg is None or reg.group(2) is None:
                raise ValueError(f"bad {name} declaration")
            size = int(reg.group(2))
            if name == "creg":
                self.cregs[reg.group(1)] = size
            else:
                start = sum(len(r) for r in self.qregs.values())
                self.qregs[reg.group(1)] = [self.qubit_name(start + i) for i in range(size)]
        elif name == "measure":
            self.measure(rest)
        elif name in ("barrier", "reset"):
            qubits = [q for group in self.operands(rest, self.qregs) for q in group]
            if name == "reset":
                for q in qubits:
                    self.low.frame[q] = 0.0
            self.low.ops.append(Instruction(name=name, locus=list(dict.fromkeys(qubits))))
        else:
            values = [_Expr(p).value() for p in _split_params(params)] if params else []
            groups = self.operands(rest, self.qregs)
            width = max(len(g) for g in groups) if groups else 0
            for i in range(width):  # register broadcasting, as OpenQASM 2 defines it
                self.low.gate(name, values, [g[i] if len(g) > 1 else g[0] for g in groups])

    def measure(self, rest: str) -> None:
        source, arrow, target = rest.partition("->")
        if not arrow:
            raise ValueError("measure needs '-> creg'")
        (qubits,) = self.operands(source, self.qregs)
        bits_regs = {name: [f"{name}_{i}" for i in range(n)] for name, n in self.cregs.items()}
        (bits,) = self.operands(target, bits_regs)
        if len(qubits) != len(bits):
            raise ValueError("measure: register sizes differ")
        for q, key in zip(qubits, bits, strict=True):
            unique, n = key, 1
            while unique in self.keys:
                n += 1
                unique = f"{key}_{n}"
            self.keys.add(unique)
            self.low.ops.append(Instruction(name="measure", locus=[q], args={"key": unique}))


def _split_params(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def circuit_from_qasm(
    text: str, *, name: str = "qasm", qubit_name: Callable[[int], str] = lambda i: f"QB{i + 1}"
) -> Circuit:
    """Read an OpenQASM 2 program into a :class:`~qstation.client.Circuit`.

    Args:
        text: the program.
        name: the circuit's name.
        qubit_name: physical name of the i-th declared qubit (default ``QB1``, ``QB2``, ...).

    Returns:
        The circuit, in native operations; each measured bit is a key ``<creg>_<index>``.

    Raises:
        QasmError: the program uses something unsupported or is malformed.
    """
    reader = _Reader(qubit_name)
    body = re.sub(r"//[^\n]*", "", text)
    for number, statement in enumerate(s.strip() for s in body.split(";")):
        if not statement:
            continue
        try:
            reader.statement(statement)
        except (ValueError, ZeroDivisionError, OverflowError) as err:
            raise QasmError(f"OpenQASM statement {number + 1} ({statement!r}): {err}") from None
    if not reader.low.ops:
        raise QasmError("the OpenQASM program has no operations")
    return Circuit(name=name, instructions=reader.low.ops, metadata={"source": "openqasm2"})
