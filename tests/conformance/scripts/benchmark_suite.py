"""IQM's open benchmark suite (``iqm-benchmarks`` 3.x) and qiskit-experiments, unmodified.

Runs in the benchmark venv (``iqm-benchmarks``, ``qiskit-experiments`` and the official
``iqm-client[qiskit]`` 36 they bring) against a qstation server, with small sizes so the whole
script takes a few minutes of CPU. The server runs with its circuit-duration guard off
(``QSTATION_MAX_CIRCUIT_DURATION_OVER_T2=0``): the coherence sweeps outlast T2 on purpose.
Each scenario returns the benchmark's own observations (name, qubits, value, uncertainty);
``tests/conformance/test_benchmark_suite.py`` compares them with the published calibration.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from _harness import Context, run
from iqm.qiskit_iqm import IQMProvider


def _backend(ctx: Context, qc: str) -> Any:
    return IQMProvider(ctx.url, quantum_computer=qc).get_backend()


def _observations(benchmark: Any) -> list[dict[str, Any]]:
    benchmark.run()
    result = benchmark.analyze()
    return [
        {
            "name": o.name,
            "qubits": o.identifier.string_identifier,
            "value": None if o.value is None else float(o.value),
            "uncertainty": None if o.uncertainty is None else float(o.uncertainty),
        }
        for o in result.observations
    ]


def ghz(ctx: Context) -> Any:
    from iqm.benchmarks.entanglement.ghz import GHZBenchmark, GHZConfiguration

    config = GHZConfiguration(custom_qubits_array=[[0, 1, 2, 3]], shots=1000, mit_shots=1000)
    return _observations(GHZBenchmark(_backend(ctx, "lattice-20"), config))


def clops(ctx: Context) -> Any:
    from iqm.benchmarks.quantum_volume.clops import CLOPSBenchmark, CLOPSConfiguration

    config = CLOPSConfiguration(qubits=[0, 1, 3], num_circuits=10, num_updates=2, num_shots=50)
    benchmark = CLOPSBenchmark(_backend(ctx, "lattice-20"), config)
    observations = _observations(benchmark)
    attrs = benchmark.runs[-1].dataset.attrs
    times = {k: v for k, v in attrs.items() if "time" in k and isinstance(v, int | float)}
    return {"observations": observations, "times": times}


def quantum_volume(ctx: Context) -> Any:
    from iqm.benchmarks.quantum_volume.quantum_volume import (
        QuantumVolumeBenchmark,
        QuantumVolumeConfiguration,
    )

    config = QuantumVolumeConfiguration(
        num_circuits=30, shots=200, custom_qubits_array=[[0, 1, 3]], rem=False
    )
    return _observations(QuantumVolumeBenchmark(_backend(ctx, "lattice-20"), config))


def clifford_rb(ctx: Context) -> Any:
    from iqm.benchmarks.randomized_benchmarking.clifford_rb.clifford_rb import (
        CliffordRandomizedBenchmarking,
        CliffordRBConfiguration,
    )

    # One qubit at a time, as a published per-qubit figure is measured: run in parallel, each
    # qubit idles at the barriers while the other plays a longer Clifford, and read 0.0001
    # low. 144 sequences per length: at 12, QB1 spread by 0.0002 from run to run (the fit's
    # own error bar said 0.00015 or less), at 144 by 0.00007 (six runs each).
    config = CliffordRBConfiguration(
        qubits_array=[[0], [1]],
        sequence_lengths=[1, 30, 80, 160],
        num_circuit_samples=144,
        shots=1000,
        parallel_execution=False,
    )
    return _observations(CliffordRandomizedBenchmarking(_backend(ctx, "star-5"), config))


def interleaved_rb(ctx: Context) -> Any:
    from iqm.benchmarks.randomized_benchmarking.interleaved_rb.interleaved_rb import (
        InterleavedRandomizedBenchmarking,
        InterleavedRBConfiguration,
    )

    # Sequences long enough for the decays to near their common offset: the fit leaves the
    # offset free, and with lengths up to 20 only it wandered between 0.32 and 0.44 from run to
    # run, taking the CZ estimate with it (0.989-0.996 for a published 0.9927).
    config = InterleavedRBConfiguration(
        qubits_array=[[0, 1]],
        sequence_lengths=[1, 8, 16, 32, 64],
        num_circuit_samples=25,
        shots=400,
        interleaved_gate="CZGate",
    )
    return _observations(InterleavedRandomizedBenchmarking(_backend(ctx, "lattice-20"), config))


def eplg(ctx: Context) -> Any:
    from iqm.benchmarks.randomized_benchmarking.eplg.eplg import (
        EPLGBenchmark,
        EPLGConfiguration,
    )

    # Layers up to 64 and 50 circuits per depth: with depths up to 16 and 5 circuits the fit of
    # a pair's decay was not determined (0.99 and 0.80 on one pair in two runs), and once lmfit
    # returned no error bar at all, which the suite's own analysis then failed on.
    config = EPLGConfiguration(
        custom_qubits_array=[(0, 1), (1, 4), (4, 3)],
        drb_depths=[1, 8, 16, 32, 64],
        drb_circuit_samples=50,
        shots=300,
    )
    return _observations(EPLGBenchmark(_backend(ctx, "lattice-20"), config))


def mirror_rb(ctx: Context) -> Any:
    from iqm.benchmarks.randomized_benchmarking.mirror_rb.mirror_rb import (
        MirrorRandomizedBenchmarking,
        MirrorRBConfiguration,
    )

    config = MirrorRBConfiguration(
        qubits_array=[[0, 1]],
        depths_array=[[2, 4, 8, 16]],
        num_circuit_samples=10,
        num_pauli_samples=2,
        shots=200,
    )
    benchmark = MirrorRandomizedBenchmarking(_backend(ctx, "lattice-20"), config)
    benchmark.run()
    result = benchmark.analyze()
    attrs = result.dataset.attrs[0]
    return {
        "decay_rate": attrs["decay_rate"],
        "polarizations": {
            str(d): float(v) for d, v in attrs["average_polarization_nominal_values"].items()
        },
    }


def _coherence(ctx: Context, experiment: str, qc: str = "star-5", points: int = 12) -> Any:
    from iqm.benchmarks.coherence.coherence import CoherenceBenchmark, CoherenceConfiguration

    config = CoherenceConfiguration(
        delays=[float(t) for t in np.linspace(0.0, 100e-6, points)],
        qubits_to_plot=[0, 1],
        coherence_exp=experiment,
        # T1 at 4,000 shots: its estimate spreads binomially, so the 10 % floor is several of
        # its standard errors. An echo's shots share their circuit's detuning draws, and at
        # 4,000 shots its estimate still spread by 4 % (20-qubit echoes fitted three times:
        # std 0.040, mean 0.993) while the benchmark reported ~3 %: more shots narrow the
        # reported error, and with it the 3-sigma band, faster than the spread.
        shots=4000 if experiment == "t1" else 1000,
    )
    return _observations(CoherenceBenchmark(_backend(ctx, qc), config))


def coherence_t1(ctx: Context) -> Any:
    return _coherence(ctx, "t1")


def coherence_t2_echo(ctx: Context) -> Any:
    # 24 delays, as for the whole chip: a delay's shots share its detuning draws.
    return _coherence(ctx, "t2_echo", points=24)


def coherence_t2_echo_wide(ctx: Context) -> Any:
    """Echoes on all 20 qubits of lattice-20 at once: one circuit too wide for exact paths."""
    # 24 delays: the shots of a delay share its detuning draws, so more delays, not more
    # shots, narrow the spread (at 12, a qubit's estimate spread by 5-12 % between runs).
    return _coherence(ctx, "t2_echo", "lattice-20", points=24)


def qiskit_experiments(ctx: Context) -> Any:
    """T1, T2Ramsey, T2Hahn and StandardRB on QB1 of star-5 through the official adapter."""
    from qiskit_experiments.library import T1, StandardRB, T2Hahn, T2Ramsey

    backend = _backend(ctx, "star-5")
    delays = [float(t) for t in np.linspace(1e-6, 100e-6, 15)]
    experiments = {
        "T1": T1([0], delays=delays),
        "T2Ramsey": T2Ramsey(
            [0], delays=[float(t) for t in np.linspace(1e-6, 45e-6, 25)], osc_freq=1e5
        ),
        "T2Hahn": T2Hahn([0], delays=[float(t) for t in np.linspace(0.0, 40e-6, 15)]),
        # Sequences long enough for the decay to be fitted, not guessed: up to 160 Cliffords
        # and 6 samples, runs read EPG_r from 0.4 to 1.7 times the published error.
        "StandardRB": StandardRB(
            [0], lengths=[1, 50, 100, 200, 400, 700], num_samples=20, seed=3
        ),
    }
    # IQM's native single-qubit gate is Qiskit's "r", which qiskit-experiments' table of
    # gate error ratios does not list (its EPG step fails on any IQM backend): every gate of
    # the transpiled Cliffords is an "r", so it carries all of the error per Clifford.
    experiments["StandardRB"].analysis.set_options(gate_error_ratio={"r": 1.0})
    out: dict[str, Any] = {}
    for name, experiment in experiments.items():
        # The coherence fits get 4,000 shots: at 1,000 one T1 fit in a few dozen read 15 % low.
        experiment.set_run_options(shots=1000 if name == "StandardRB" else 4000)
        data = experiment.run(backend).block_for_results(timeout=300)
        if data.errors():  # an analysis that failed says why, rather than giving no figure
            out[f"{name}.errors"] = data.errors()[-2000:]
        for result in data.analysis_results(dataframe=True).itertuples():
            value = result.value
            nominal = getattr(value, "nominal_value", value)
            error = getattr(value, "std_dev", None)
            if isinstance(nominal, int | float):
                out[f"{name}.{result.name}"] = {
                    "value": float(nominal),
                    "uncertainty": None if error is None else float(error),
                }
    return out


if __name__ == "__main__":
    run(
        {
            "ghz": ghz,
            "clops": clops,
            "quantum_volume": quantum_volume,
            "clifford_rb": clifford_rb,
            "interleaved_rb": interleaved_rb,
            "eplg": eplg,
            "mirror_rb": mirror_rb,
            "coherence_t1": coherence_t1,
            "coherence_t2_echo": coherence_t2_echo,
            "coherence_t2_echo_wide": coherence_t2_echo_wide,
            "qiskit_experiments": qiskit_experiments,
        }
    )
