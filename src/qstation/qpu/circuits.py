"""The internal circuit form the engines run.

A :class:`Program` is one circuit restricted to the components it touches (engines simulate
only those), with instruction names resolved and angles in radians. Every engine takes a
``Program`` and returns per-shot bits per measurement key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Instruction names the engines understand.
OP_NAMES = frozenset({"prx", "cz", "move", "measure", "reset", "barrier", "delay", "cc_prx"})


@dataclass(frozen=True, slots=True)
class Op:
    """One instruction on local component indices.

    ``qubits`` index :attr:`Program.components`. ``angle``/``phase`` are radians
    (``prx``/``cc_prx``). ``key`` names a ``measure``; ``feedback_key`` on a ``measure`` makes
    its outcome available to ``cc_prx`` ops with the same ``feedback_key``, which apply their
    rotation when the outcome for ``feedback_qubit`` was 1. ``duration`` is seconds (``delay``).
    """

    name: str
    qubits: tuple[int, ...]
    angle: float = 0.0
    phase: float = 0.0
    key: str | None = None
    feedback_key: str | None = None
    feedback_qubit: int | None = None
    duration: float = 0.0


@dataclass(slots=True)
class Program:
    """One circuit ready to simulate.

    ``components`` are physical names (qubits, then any resonators used), ``measurements``
    the ``(key, local indices)`` of every ``measure`` in program order.
    """

    name: str
    components: list[str]
    ops: list[Op]
    measurements: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)

    @property
    def n(self) -> int:
        """Number of simulated components."""
        return len(self.components)
