"""The pulse engine against QuTiP's master-equation solver, on the same playlists, same process.

Usage: ``PYTHONPATH=. python -m bench.pulse [--repeats 5]``

Two cases on ``star-5``'s calibration set:

* a Rabi amplitude sweep on QB1: 50 segments (amplitudes 0 to twice the π amplitude), each a
  DRAG-shaped pulse then a thresholded readout, 1000 shots per segment;
* a Bell pair compiled by IQM's standard compiler (prx on both qubits, cz, prx, measure both),
  1000 shots.

``qstation`` is :func:`qstation.qpu.pulse.engine.simulate_playlist`, results included (shots
sampled, IQ points drawn, discriminated). The reference solves every segment of the same
playlist with :func:`qutip.mesolve` during pulses and the exact Liouvillian exponential while
idle (``tests/support/pulse_reference.py``), then samples the same number of shots from its
populations. Times are medians of ``--repeats`` runs after one warm-up; ``ratio`` is qstation
over the reference (below 1 means qstation is faster). The last column shows that both solve
the same physics: the largest difference of any joint level population (|2> included) between
the engine's state and QuTiP's where the readout begins, over all segments.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from iqm.models.playlist import Playlist
from iqm.pulse import Circuit
from iqm.pulse import CircuitOperation as Op
from tests.support.pulse_reference import reference_state

from qstation.qpu.calibration import generate_calibration
from qstation.qpu.device import DeviceSpec
from qstation.qpu.pulse import experiments
from qstation.qpu.pulse.compiler import standard_compiler
from qstation.qpu.pulse.config import ChannelConfig
from qstation.qpu.pulse.engine import segment_state, simulate_playlist
from qstation.qpu.pulse.observations import channel_config
from qstation.qpu.pulse.twin import PulseTwin, pulse_twin

CATALOG = Path(__file__).resolve().parents[1] / "src" / "qstation" / "qpu" / "catalog"
SHOTS = 1000
POINTS = 50


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Median wall time of ``fn`` after one warm-up, and its last result."""
    out = fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def reference_run(
    twin: PulseTwin, playlist: Playlist, config: ChannelConfig, rng: np.random.Generator
) -> list[np.ndarray]:
    """QuTiP's solution of every segment, and ``shots`` outcomes drawn from its populations."""
    out = []
    for index in range(len(playlist.segments)):
        state = reference_state(twin, playlist, config, index)
        probs = state.level_populations().ravel()
        draws = rng.choice(probs.size, size=config.shots, p=probs / probs.sum())
        out.append(np.stack(np.unravel_index(draws, state.level_populations().shape)))
    return out


def agreement(twin: PulseTwin, playlist: Playlist, config: ChannelConfig) -> float:
    """Largest difference of any joint level population, engine state against QuTiP's."""
    worst = 0.0
    for index in range(len(playlist.segments)):
        state, _ = segment_state(twin, playlist, index, config)
        ref = reference_state(twin, playlist, config, index)
        diff = np.abs(state.populations(ref.qubits) - ref.level_populations()).max()
        worst = max(worst, float(diff))
    return worst


def bell(spec: DeviceSpec, twin: PulseTwin, compiler: object) -> tuple[Playlist, ChannelConfig]:
    """prx·prx·cz·prx·measure on the first coupled pair, compiled by IQM's compiler."""
    a, b = next(p for p in spec.loci("cz") if all(x.startswith("QB") for x in p))
    h = {"angle": math.pi / 2, "phase": math.pi / 2}
    ops = (
        Op(name="prx", locus=(a,), args=h),
        Op(name="prx", locus=(b,), args=h),
        Op(name="cz", locus=(a, b), args={}),
        Op(name="prx", locus=(b,), args={"angle": math.pi / 2, "phase": -math.pi / 2}),
        Op(name="measure", locus=(a, b), args={"key": "m"}),
    )
    run, _ = compiler.compile([Circuit(name="bell", instructions=ops)])  # type: ignore[attr-defined]
    sweep = run.sweep_definition
    config = channel_config(sweep.settings, twin)
    return sweep.playlist, ChannelConfig(
        config.drive_frequency, config.readout_frequency, SHOTS, config.integration_threshold
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    spec = DeviceSpec.from_file(CATALOG / "star-5.json")
    cal = generate_calibration(spec, spec.calibration_seed)
    twin = pulse_twin(spec, cal)
    rng = np.random.default_rng(7)
    qubit = "QB1"
    amplitudes = np.linspace(0.0, 2.0 * twin.qubits[qubit].pi_amplitude, POINTS)
    cases = [
        (
            f"Rabi sweep {POINTS} points x {SHOTS} shots",
            experiments.rabi(twin, qubit, amplitudes),
            ChannelConfig.calibrated(twin, SHOTS),
        ),
        (f"compiled Bell run, {SHOTS} shots", *bell(spec, twin, standard_compiler(spec, cal))),
    ]
    print(f"# bench/pulse.py (star-5, calibration seed {spec.calibration_seed})")
    print("| case | qstation | QuTiP reference | ratio | largest population difference |")
    print("|---|---|---|---|---|")
    for name, playlist, config in cases:

        def engine(pl: Playlist = playlist, cfg: ChannelConfig = config) -> object:
            return simulate_playlist(twin, pl, cfg, rng)

        def reference(pl: Playlist = playlist, cfg: ChannelConfig = config) -> object:
            return reference_run(twin, pl, cfg, rng)

        ours, _ = timed(engine, args.repeats)
        theirs, _ = timed(reference, args.repeats)
        diff = agreement(twin, playlist, config)
        print(
            f"| {name} | {ours * 1e3:.1f} ms | {theirs * 1e3:.1f} ms | {ours / theirs:.3f} "
            f"| {diff:.1e} |"
        )


if __name__ == "__main__":
    main()
