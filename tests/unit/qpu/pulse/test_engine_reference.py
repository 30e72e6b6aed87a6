"""The pulse engine against QuTiP's master-equation solver on the same playlists.

The reference (``tests/support/pulse_reference.py``) writes the model down independently and
solves it with :func:`qutip.mesolve` (and the exact Liouvillian exponential while idle). The
engine's state where the readout begins must agree with it: every joint level population
(|2> included, so leakage and DRAG count) within 1e-4, ten times tighter than the pulse
level's 1e-3 target, and for compiled circuits the whole density matrix, phases included, to
a fidelity above 1 - 1e-4. These are deterministic states, not samples, so the tolerance is
the solvers' difference alone (about 1e-6 measured).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import qutip
from iqm.models.playlist import Playlist, Segment
from iqm.models.playlist.channel_descriptions import (
    ChannelDescription,
    IQChannelConfig,
    ReadoutChannelConfig,
)
from iqm.models.playlist.instructions import (
    Instruction,
    IQPulse,
    ReadoutTrigger,
    ThresholdStateDiscrimination,
    VirtualRZ,
    Wait,
)
from iqm.models.playlist.waveforms import Constant, TruncatedGaussian, TruncatedGaussianDerivative
from iqm.pulse import Circuit
from iqm.pulse import CircuitOperation as Op

from qstation.qpu.calibration import CalibrationData, generate_calibration
from qstation.qpu.device import DeviceSpec
from qstation.qpu.pulse import engine, experiments
from qstation.qpu.pulse.compiler import standard_compiler
from qstation.qpu.pulse.config import ChannelConfig
from qstation.qpu.pulse.engine import segment_state
from qstation.qpu.pulse.observations import channel_config
from qstation.qpu.pulse.twin import PulseTwin, pulse_twin
from tests.support.pulse_reference import ReferenceState, reference_state

CATALOG = Path(__file__).parents[4] / "src" / "qstation" / "qpu" / "catalog"
#: Populations agree to about 1e-6 (2e-5 on two levels); 1e-4 leaves room for solver settings.
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def device() -> tuple[DeviceSpec, CalibrationData, PulseTwin]:
    spec = DeviceSpec.from_file(CATALOG / "star-5.json")
    cal = generate_calibration(spec, spec.calibration_seed)
    return spec, cal, pulse_twin(spec, cal)


def _compare(
    twin: PulseTwin, playlist: Playlist, config: ChannelConfig
) -> list[tuple[np.ndarray, ReferenceState]]:
    """Engine and reference state of every segment; asserts the populations agree."""
    out = []
    for index in range(len(playlist.segments)):
        state, _ = segment_state(twin, playlist, index, config)
        ref = reference_state(twin, playlist, config, index)
        assert state.levels == ref.levels
        ours = state.populations(ref.qubits)
        difference = np.abs(ours - ref.level_populations()).max()
        assert difference < TOLERANCE, (index, difference)
        n = len(state.qubits)
        axes = [state.index[q] for q in ref.qubits]
        rho = np.transpose(state.rho, axes + [n + i for i in axes])
        out.append((rho.reshape(ref.rho.shape), ref))
    return out


def _sweeps(twin: PulseTwin) -> dict[str, tuple[Playlist, dict[str, float]]]:
    p1, p4 = twin.qubits["QB1"], twin.qubits["QB4"]
    detuned = {"QB4": p4.frequency + 0.4e6}
    return {
        "rabi": (experiments.rabi(twin, "QB1", np.linspace(0.0, 2.0 * p1.pi_amplitude, 7)), {}),
        "drag": (
            experiments.drag(twin, "QB1", np.linspace(0.0, 2.0 * p1.drag_amplitude_q, 4), 3),
            {},
        ),
        "t1": (experiments.t1(twin, "QB1", np.linspace(0.0, 2.0 * p1.t1, 4)), {}),
        "ramsey": (experiments.ramsey(twin, "QB4", np.linspace(0.0, 2.0 * p4.t2, 5)), detuned),
        "echo": (
            experiments.ramsey(twin, "QB4", np.linspace(0.0, 2.0 * p4.t2, 4), echo=True),
            detuned,
        ),
    }


@pytest.mark.parametrize("name", ["rabi", "drag", "t1", "ramsey", "echo"])
def test_sweeps_agree_with_qutip(device: tuple, name: str) -> None:
    _, _, twin = device
    playlist, carriers = _sweeps(twin)[name]
    config = ChannelConfig.calibrated(twin, 1)
    config = replace(config, drive_frequency={**config.drive_frequency, **carriers})
    states = _compare(twin, playlist, config)
    # The sweeps do move the populations (the comparison is not between two ground states).
    excited = [ref.excited(ref.qubits[0]) for _, ref in states]
    assert max(excited) - min(excited) > 0.3


def _hand_built(twin: PulseTwin, qubit: str, segments: list[list[Instruction]]) -> Playlist:
    """One segment per instruction list on ``qubit``'s drive line, each followed by a readout."""
    p = twin.qubits[qubit]
    rate = twin.sample_rate
    drive = ChannelDescription(IQChannelConfig(rate), f"{qubit}__drive.awg")
    readout = ChannelDescription(ReadoutChannelConfig(rate), f"{p.probe_line}__readout")
    playlist = Playlist()
    playlist.add_channel(drive)
    playlist.add_channel(readout)
    window = 96
    weights = IQPulse(Constant(window), Constant(window), 1.0, 0.0)
    acquire = ThresholdStateDiscrimination(f"{qubit}__m", 0, weights, p.threshold)
    probe = Instruction(window, IQPulse(Constant(window), Constant(window), 0.1, 0.0))
    for instructions in segments:
        segment = Segment()
        for instruction in instructions:
            segment.add_to_segment(drive, instruction)
        length = sum(i.duration_samples for i in instructions)
        segment.add_to_segment(readout, Instruction(length, Wait()))
        segment.add_to_segment(readout, Instruction(window, ReadoutTrigger(probe, (acquire,))))
        playlist.segments.append(segment)
    return playlist


def _pulse(
    twin: PulseTwin, qubit: str, scale: float, drag: bool = True, **kw: float
) -> Instruction:
    """The calibrated DRAG pulse shape at amplitude ``scale`` (IQPulse keywords in ``kw``)."""
    p = twin.qubits[qubit]
    n = round(p.pi_duration * twin.sample_rate)
    q = p.drag_amplitude_q * scale / p.pi_amplitude if drag else 0.0
    wave_i, wave_q = TruncatedGaussian(n, 1.0), TruncatedGaussianDerivative(n, 1.0)
    return Instruction(n, IQPulse(wave_i, wave_q, scale, q, **kw))


def test_frame_changes_and_modulation_agree_with_qutip(device: tuple) -> None:
    """A pulse's own phase increment, a virtual Z and an off-carrier modulated pulse."""
    _, _, twin = device
    half = twin.qubits["QB2"].pi_amplitude / 2
    segments = [
        [
            _pulse(twin, "QB2", half),
            _pulse(twin, "QB2", half, phase=0.3, phase_increment=increment),
            Instruction(16, VirtualRZ(-increment / 2)),
            Instruction(32, Wait()),
            _pulse(twin, "QB2", half, modulation_frequency=2e-3),
        ]
        for increment in (0.0, 0.7, 2.0)
    ]
    states = _compare(twin, _hand_built(twin, "QB2", segments), ChannelConfig.calibrated(twin, 1))
    excited = [ref.excited("QB2") for _, ref in states]
    assert max(excited) - min(excited) > 0.1  # the phases matter


def test_leaked_population_relaxes_through_one_to_zero(device: tuple) -> None:
    """|2> prepared (π on 0-1, then π on 1-2 modulated to the anharmonicity), then a wait.

    During a wait, |2> decays to |1> and that population decays on to |0>: after T1 about 40 %
    is back in |0>, as QuTiP's master equation has it.
    """
    _, _, twin = device
    p = twin.qubits["QB1"]
    to_two = _pulse(
        twin,
        "QB1",
        p.pi_amplitude / math.sqrt(2),  # the 1-2 matrix element of a† is sqrt(2)
        drag=False,
        modulation_frequency=-p.anharmonicity / twin.sample_rate,
    )
    granule = twin.granularity
    segments = [
        [_pulse(twin, "QB1", p.pi_amplitude), to_two, Instruction(max(samples, granule), Wait())]
        for samples in (0, round(p.t1 * twin.sample_rate / granule) * granule)
    ]
    (_, prepared), (_, waited) = _compare(
        twin, _hand_built(twin, "QB1", segments), ChannelConfig.calibrated(twin, 1)
    )
    assert prepared.level_populations()[2] > 0.99
    assert 0.35 < waited.level_populations()[0] < 0.45


def _circuit(spec: DeviceSpec, size: int) -> Circuit:
    """A Bell pair (size 2) or a GHZ state (size 3) along coupled qubits."""
    loci = [pair for pair in spec.loci("cz") if all(x.startswith("QB") for x in pair)]
    a, b = loci[0]
    bc = next(pair for pair in loci if b in pair and a not in pair)
    c = bc[0] if bc[1] == b else bc[1]
    h = {"angle": math.pi / 2, "phase": math.pi / 2}
    back = {"angle": math.pi / 2, "phase": -math.pi / 2}
    ops = [Op(name="prx", locus=(a,), args=h)]
    for target, pair in ((b, (a, b)), (c, bc))[: size - 1]:
        ops += [
            Op(name="prx", locus=(target,), args=h),
            Op(name="cz", locus=pair, args={}),
            Op(name="prx", locus=(target,), args=back),
        ]
    ops.append(Op(name="measure", locus=(a, b, c)[:size], args={"key": "m"}))
    return Circuit(name=f"ghz{size}", instructions=tuple(ops))


@pytest.mark.parametrize("size", [2, 3])
def test_compiled_circuits_agree_with_qutip(device: tuple, size: int) -> None:
    spec, cal, twin = device
    run, _ = standard_compiler(spec, cal).compile([_circuit(spec, size)])
    sweep = run.sweep_definition
    ((rho, ref),) = _compare(twin, sweep.playlist, channel_config(sweep.settings, twin))
    assert len(ref.qubits) == size
    fidelity = qutip.fidelity(qutip.Qobj(rho, dims=ref.rho.dims), ref.rho) ** 2
    assert fidelity > 1.0 - 1e-4  # sqrtm of near-pure states limits the fidelity's own accuracy
    # And the state is the entangled one: |0...0> and |1...1> each about one half.
    pops = ref.level_populations()
    assert pops[(0,) * size] > 0.45 and pops[(1,) * size] > 0.45


def test_two_level_truncation_agrees_with_qutip(
    device: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Segments with many qubits run on two levels; the same model on two levels in QuTiP."""
    spec, cal, twin = device
    monkeypatch.setattr(engine, "THREE_LEVEL_QUBITS", 1)
    run, _ = standard_compiler(spec, cal).compile([_circuit(spec, 3)])
    sweep = run.sweep_definition
    config = channel_config(sweep.settings, twin)
    state, _ = segment_state(twin, sweep.playlist, 0, config)
    ref = reference_state(twin, sweep.playlist, config, levels=2)
    assert state.levels == 2
    difference = np.abs(state.populations(ref.qubits) - ref.level_populations()).max()
    assert difference < TOLERANCE
    pops = ref.level_populations()
    assert pops[0, 0, 0] > 0.45 and pops[1, 1, 1] > 0.45
