"""The Cirq adapter against an ideal ``qstation serve``: textbook circuits vs cirq.Simulator."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import cirq
import numpy as np
import pytest
import sympy

from qstation.adapters.cirq import IQMSampler
from tests.support.servers import serve_process
from tests.support.textbook import same_distribution

pytestmark = pytest.mark.timeout(300)
SHOTS = 2000


@pytest.fixture(scope="module")
def ideal_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("ideal-cirq") / "data"
    with serve_process(data, ("lattice-20", "resonator-6"), "--no-noise") as url:
        yield url


def circuits() -> list[cirq.Circuit]:
    q = cirq.LineQubit.range(5)
    bell = cirq.Circuit(cirq.H(q[0]), cirq.CNOT(q[0], q[1]), cirq.measure(q[0], q[1], key="m"))
    ghz = cirq.Circuit(
        cirq.H(q[0]),
        *(cirq.CNOT(q[i], q[i + 1]) for i in range(3)),
        cirq.measure(*q[:4], key="ghz"),
    )
    qft = cirq.Circuit(
        cirq.H.on_each(*q[:4]),
        *(cirq.Z(q[j]) ** (2 * 5 * 2**j / 16) for j in range(4)),
        cirq.inverse(cirq.qft(*q[:4], without_reverse=False)),
        cirq.ry(0.4)(q[0]),
        cirq.measure(*q[:4], key="qft"),
    )
    grover = cirq.Circuit(cirq.H.on_each(*q[:3]))
    for _ in range(2):
        grover += [
            cirq.X(q[1]),
            cirq.CCZ(*q[:3]),
            cirq.X(q[1]),
            cirq.H.on_each(*q[:3]),
            cirq.X.on_each(*q[:3]),
            cirq.CCZ(*q[:3]),
            cirq.X.on_each(*q[:3]),
            cirq.H.on_each(*q[:3]),
        ]
    grover.append(cirq.measure(*q[:3], key="grover"))
    bv = cirq.Circuit(
        cirq.X(q[4]),
        cirq.H.on_each(*q),
        *(cirq.CNOT(q[i], q[4]) for i in (0, 1, 3)),
        cirq.H.on_each(*q[:4]),
        cirq.measure(*q[:4], key="bv"),
    )
    mid = cirq.Circuit(
        cirq.H(q[0]),
        cirq.measure(q[0], key="first"),
        cirq.CNOT(q[0], q[1]),
        cirq.ry(0.8)(q[2]),
        cirq.measure(q[2], q[1], key="second", invert_mask=(False, True)),
    )
    return [bell, ghz, qft, grover, bv, mid]


def histogram(result: cirq.Result) -> Counter[str]:
    keys = sorted(result.measurements)
    rows = np.hstack([result.measurements[k] for k in keys])
    return Counter("".join(map(str, row)) for row in rows)


@pytest.mark.parametrize("qc", ["lattice-20", "resonator-6"])
def test_textbook_circuits_match_cirq_simulator(ideal_url: str, qc: str) -> None:
    sampler = IQMSampler(ideal_url, quantum_computer=qc, compile=True)
    programs = circuits()
    ours = sampler.run_batch(programs, repetitions=SHOTS)
    reference = cirq.Simulator(seed=3)
    for program, results in zip(programs, ours, strict=True):
        (result,) = results
        expected = reference.run(program, repetitions=SHOTS)
        assert set(result.measurements) == set(expected.measurements)
        same_distribution(histogram(result), histogram(expected))
    assert ours[4][0].histogram(key="bv").most_common(1)[0][0] == 0b1101  # big-endian: q0 first
    sampler.close()


def test_sweep_runs_as_one_job_and_native_circuits_validate(ideal_url: str) -> None:
    sampler = IQMSampler(ideal_url, quantum_computer="lattice-20")
    a, b = sampler.device.qubits[:2]
    t = sympy.Symbol("t")
    native = cirq.Circuit(cirq.X(a) ** t, cirq.CZ(a, b), cirq.measure(a, b, key="m"))
    for op in native.all_operations():
        sampler.device.validate_operation(op)
    results = sampler.run_sweep(native, cirq.Points("t", [0.0, 1.0]), repetitions=200)
    assert [r.histogram(key="m") for r in results] == [Counter({0: 200}), Counter({2: 200})]
    far = sampler.device.qubits[-1]
    with pytest.raises(ValueError, match="not coupled"):
        sampler.run(cirq.Circuit(cirq.CZ(a, far), cirq.measure(a, key="m")))
    with pytest.raises(ValueError, match="not native"):
        sampler.run(cirq.Circuit(cirq.H(a), cirq.measure(a, key="m")))


def test_local_sampler_runs_offline() -> None:
    sampler = IQMSampler.local("star-5", noise=False, seed=1, compile=True)
    q = cirq.LineQubit.range(3)
    circuit = cirq.Circuit(
        cirq.H(q[0]), cirq.CNOT(q[0], q[1]), cirq.CNOT(q[1], q[2]), cirq.measure(*q, key="ghz")
    )
    counts = sampler.run(circuit, repetitions=300).histogram(key="ghz")
    assert set(counts) == {0, 7}
