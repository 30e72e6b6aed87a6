"""The pulse engine's one error: a definition it cannot simulate, named precisely."""

from __future__ import annotations


class PulseError(ValueError):
    """A playlist the twin cannot execute; the message names instruction, channel and limit."""
