"""Circuit-job bodies in the IQM wire format, for tests."""

from __future__ import annotations

import math
from typing import Any

HALF_PI = math.pi / 2


def prx(q: str, angle: float = HALF_PI, phase: float = HALF_PI) -> dict[str, Any]:
    return {"name": "prx", "locus": [q], "args": {"angle": angle, "phase": phase}}


def cz(a: str, b: str) -> dict[str, Any]:
    return {"name": "cz", "locus": [a, b], "args": {}}


def measure(*qs: str, key: str = "m") -> dict[str, Any]:
    return {"name": "measure", "locus": list(qs), "args": {"key": key}}


def bell(a: str = "QB1", b: str = "QB2", key: str = "m") -> list[dict[str, Any]]:
    """(|00> + |11>)/√2 from RY(π/2)⊗RY(π/2), CZ, RY(-π/2) on ``b``."""
    return [prx(a), prx(b), cz(a, b), prx(b, HALF_PI, -HALF_PI), measure(a, b, key=key)]


def job(*circuits: list[dict[str, Any]], shots: int = 1000, **extra: Any) -> dict[str, Any]:
    """A circuit-job body with one named circuit per instruction list."""
    return {
        "circuits": [
            {"name": f"c{i}", "instructions": instrs, "metadata": {}}
            for i, instrs in enumerate(circuits)
        ],
        "shots": shots,
        **extra,
    }
