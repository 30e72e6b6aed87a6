"""Round trips of the one bit-order function of each adapter (Hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qstation.adapters.cirq import to_cirq_measurements
from qstation.adapters.qiskit import measurement_key, parse_key, to_bitstrings

names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)


@st.composite
def registers_and_shots(draw: st.DrawFn) -> tuple[list[tuple[str, int]], dict[int, list[int]], int]:
    """Registers, a random subset of measured clbits (global index → bit per shot), shots."""
    sizes = draw(st.lists(st.integers(1, 5), min_size=1, max_size=4))
    regs = [(f"{draw(names)}{i}", size) for i, size in enumerate(sizes)]
    width = sum(sizes)
    shots = draw(st.integers(1, 20))
    measured = draw(st.sets(st.integers(0, width - 1), max_size=width))
    values = {i: draw(st.lists(st.integers(0, 1), min_size=shots, max_size=shots))
              for i in measured}
    return regs, values, shots


def _keys(regs: list[tuple[str, int]], values: dict[int, list[int]]) -> dict[str, list[list[int]]]:
    out = {}
    offset = 0
    for index, (name, size) in enumerate(regs):
        for bit in range(size):
            if offset + bit in values:
                out[measurement_key(name, size, index, bit)] = [[v] for v in values[offset + bit]]
        offset += size
    return out


@settings(max_examples=150, deadline=None)
@given(registers_and_shots())
def test_qiskit_bitstrings_put_clbit_i_at_position_minus_1_minus_i(case) -> None:  # type: ignore[no-untyped-def]
    regs, values, shots = case
    strings = to_bitstrings(_keys(regs, values), regs, shots)
    width = sum(size for _, size in regs)
    assert len(strings) == shots and all(len(s) == width for s in strings)
    for shot, text in enumerate(strings):
        for clbit in range(width):
            expected = values[clbit][shot] if clbit in values else 0
            assert text[width - 1 - clbit] == str(expected)


@given(names, st.integers(1, 40), st.integers(0, 9), st.integers(0, 39))
def test_measurement_keys_round_trip(name: str, size: int, index: int, bit: int) -> None:
    assert parse_key(measurement_key(name, size, index, bit)) == (name, size, index, bit)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(names, st.tuples(st.integers(1, 5), st.integers(0, 12)), max_size=4),
       st.data())
def test_cirq_measurements_keep_qubit_order_and_apply_invert_masks(spec, data) -> None:  # type: ignore[no-untyped-def]
    shots_by_key, masks, expected = {}, {}, {}
    for key, (width, shots) in spec.items():
        bits = np.array(data.draw(st.lists(st.lists(st.integers(0, 1), min_size=width,
                                                    max_size=width),
                                           min_size=shots, max_size=shots)),
                        dtype=np.int8).reshape(shots, width)
        mask = tuple(data.draw(st.lists(st.booleans(), min_size=width, max_size=width)))
        shots_by_key[key], masks[key] = bits.tolist(), mask
        expected[key] = bits ^ np.array(mask, dtype=np.int8)
    out = to_cirq_measurements(shots_by_key, masks)
    assert set(out) == set(expected)
    for key, array in out.items():
        assert array.shape == expected[key].shape
        np.testing.assert_array_equal(array, expected[key])
