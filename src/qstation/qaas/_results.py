"""Circuit results as Qibo users read them: frequencies, samples and probabilities.

A :class:`CircuitResult` wraps one circuit's wire result. Bitstrings list the measured bits
with the first one leftmost, as Qibo writes them; ``registers`` say which positions belong to
which classical register.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from qstation.schemas.qaas_v1 import CircuitResultData


class CircuitResult(Mapping[str, Any]):
    """The outcome of one circuit of a job.

    It reads like Qibo's result objects (:meth:`frequencies`, :meth:`samples`,
    :meth:`probabilities`) and also like the plain dict the QaaS protocol carries
    (``result["counts"]``).
    """

    def __init__(self, data: CircuitResultData) -> None:
        self.data = data

    @classmethod
    def from_wire(cls, raw: Mapping[str, Any]) -> CircuitResult:
        """Build from one entry of a circuit job's decoded result."""
        return cls(CircuitResultData.model_validate(raw))

    # Mapping interface: the wire keys.
    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())

    def __repr__(self) -> str:
        return f"CircuitResult(nshots={self.nshots}, counts={dict(self.data.counts)})"

    def to_dict(self) -> dict[str, Any]:
        """The result as the protocol carries it."""
        return self.data.model_dump(exclude_none=False)

    @property
    def nshots(self) -> int:
        """Number of shots."""
        return sum(self.data.counts.values())

    @property
    def nbits(self) -> int:
        """Number of measured bits in each outcome."""
        return len(next(iter(self.data.counts), ""))

    @property
    def counts(self) -> dict[str, int]:
        """Bitstring → number of shots."""
        return dict(self.data.counts)

    @property
    def registers(self) -> dict[str, list[int]]:
        """Classical register → positions of its bits in the bitstrings."""
        return dict(self.data.registers)

    @property
    def final_state(self) -> dict[str, complex] | None:
        """The ideal state before measurement (small circuits only), qubit 0 leftmost."""
        if self.data.final_state is None:
            return None
        return {k: complex(v.strip("()")) for k, v in self.data.final_state.items()}

    def frequencies(self, binary: bool = True, registers: bool = False) -> Any:
        """Counts of each outcome, as Qibo gives them.

        Args:
            binary: bitstring keys (True) or integer keys (False, first bit most significant).
            registers: one counter per classical register instead of one for all bits.

        Returns:
            A ``collections.Counter`` (or a dict of them, by register name).
        """
        if registers:
            out = {}
            for name, positions in self.data.registers.items():
                sub: Counter[str] = Counter()
                for bits, n in self.data.counts.items():
                    sub["".join(bits[p] for p in positions)] += n
                out[name] = _keys(sub, binary)
            return out
        return _keys(Counter(self.data.counts), binary)

    def samples(self, binary: bool = True, registers: bool = False) -> Any:
        """Every shot's outcome.

        Args:
            binary: an array of bits per shot (True) or one integer per shot (False).
            registers: a dict of arrays, one per classical register.

        Returns:
            A ``numpy.ndarray`` (or a dict of them, by register name).
        """
        import numpy as np

        table = np.asarray(self.data.samples, dtype=np.int64).reshape(-1, self.nbits)
        if registers:
            return {
                name: _maybe_decimal(table[:, positions], binary)
                for name, positions in self.data.registers.items()
            }
        return _maybe_decimal(table, binary)

    def probabilities(self) -> Any:
        """Empirical probability of every outcome, indexed by its integer value.

        Returns:
            A ``numpy.ndarray`` of length ``2**nbits`` (first bit most significant).
        """
        import numpy as np

        probs = np.zeros(2**self.nbits)
        for bits, n in self.data.counts.items():
            probs[int(bits, 2)] = n / self.nshots
        return probs


def _keys(counter: Counter[str], binary: bool) -> Counter[Any]:
    if binary:
        return counter
    return Counter({int(k, 2): v for k, v in counter.items()})


def _maybe_decimal(table: Any, binary: bool) -> Any:
    import numpy as np

    if binary:
        return table
    weights = 2 ** (table.shape[1] - 1 - np.arange(table.shape[1]))
    return table @ weights
