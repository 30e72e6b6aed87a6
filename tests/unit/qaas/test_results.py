"""Circuit results: from the worker's measurements to the wire, and as Qibo users read them."""

from __future__ import annotations

from collections import Counter

import numpy as np
import orjson

from qstation.qaas import CircuitResult
from qstation.schemas.qaas_v1 import decompress
from qstation.server.qaas.results import circuit_result, encode_results

MEASUREMENTS = {"m_a": [[1], [1], [0], [1]], "m_b": [[0], [1], [0], [0]], "unused": [[1]] * 4}
LAYOUT = {"bit_keys": ["m_a", "m_b"], "registers": {"a": [0], "b": [1]}}


def test_layout_selects_and_orders_the_bits() -> None:
    result = circuit_result(MEASUREMENTS, LAYOUT)
    assert result["samples"] == [[1, 0], [1, 1], [0, 0], [1, 0]]
    assert result["counts"] == {"00": 1, "10": 2, "11": 1}
    assert result["probabilities"] == {"00": 0.25, "10": 0.5, "11": 0.25}
    assert result["registers"] == {"a": [0], "b": [1]}


def test_jobs_of_the_iqm_api_report_every_key() -> None:
    (result,) = decompress(encode_results(orjson.dumps([{"m": [[0, 1], [1, 1]]}]).decode(), None))
    assert result["counts"] == {"01": 1, "11": 1} and result["final_state"] is None


def test_client_result_reads_like_qibo() -> None:
    result = CircuitResult.from_wire(circuit_result(MEASUREMENTS, LAYOUT))
    assert result.nshots == 4 and result.nbits == 2
    assert result.frequencies() == Counter({"10": 2, "00": 1, "11": 1})
    assert result.frequencies(binary=False) == Counter({2: 2, 0: 1, 3: 1})
    assert result.frequencies(registers=True) == {
        "a": Counter({"1": 3, "0": 1}),
        "b": Counter({"0": 3, "1": 1}),
    }
    assert result.samples().tolist() == [[1, 0], [1, 1], [0, 0], [1, 0]]
    assert result.samples(binary=False).tolist() == [2, 3, 0, 2]
    assert result.samples(registers=True)["b"].tolist() == [[0], [1], [0], [0]]
    np.testing.assert_allclose(result.probabilities(), [0.25, 0.0, 0.5, 0.25])
    assert result["counts"]["10"] == 2 and "samples" in result
