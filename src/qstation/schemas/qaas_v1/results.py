"""Circuit results inside a completed circuit job's ``result`` envelope (one per circuit)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CircuitResultData(BaseModel):
    """The outcome of one circuit.

    Bitstrings list the measured classical bits in order (registers as declared, bits by
    index), the first bit leftmost: ``"01"`` means bit 0 read 0 and bit 1 read 1. ``samples``
    holds one row of bits per shot in the same order. ``probabilities`` are empirical
    (counts / shots); ``final_state`` and ``final_state_probabilities`` are the ideal,
    noiseless state before measurement over all qubits (qubit 0 leftmost), given only for
    small circuits measured at their end. ``registers`` maps each classical register to the
    positions of its measured bits in the bitstrings (a qstation extra).
    """

    model_config = ConfigDict(extra="allow")

    probabilities: dict[str, float]
    counts: dict[str, int]
    samples: list[list[int]]
    final_state: dict[str, str] | None = None
    final_state_probabilities: dict[str, float] | None = None
    registers: dict[str, list[int]] = Field(default_factory=dict)
