"""What a run's settings say at one sweep spot: the values the pulse engine reads.

The station's settings tree (:mod:`.station`) is large; the engine needs only a few of its
values. :class:`ChannelConfig` is that extract, so the engine never walks a settings tree and a
sweep over a setting (a drive frequency, the number of shots) reaches the engine as plain data.
"""

from __future__ import annotations

from dataclasses import dataclass

from qstation.qpu.pulse.twin import PulseTwin


@dataclass(frozen=True)
class ChannelConfig:
    """What the station's settings say for one sweep spot: the values the engine reads."""

    drive_frequency: dict[str, float]  # qubit -> Hz, carrier of <qubit>__drive
    readout_frequency: dict[str, float]  # qubit -> Hz, probe carrier for that qubit
    shots: int  # repetitions of the playlist
    integration_threshold: dict[str, float]  # qubit -> threshold the station discriminates with

    @classmethod
    def calibrated(cls, twin: PulseTwin, shots: int) -> ChannelConfig:
        """The configuration of a freshly calibrated station: every value from ``twin``."""
        return cls(
            drive_frequency={q: p.frequency for q, p in twin.qubits.items()},
            readout_frequency={q: p.readout_frequency for q, p in twin.qubits.items()},
            shots=shots,
            integration_threshold={q: p.threshold for q, p in twin.qubits.items()},
        )
