"""Shots through a segment: every readout a measurement, feedback chosen per shot.

Without mid-circuit readouts a segment's shots share one density matrix up to the readout,
and are drawn from it at once. A readout followed by more pulses (a mid-circuit measurement,
a conditional reset, ``cc_prx``) splits the shots: each shot's readout result is drawn (the
levels found jointly, the integrated IQ point with decay during the window), and the shots
that found the same levels and sent the same feedback bits continue on one branch, whose
state is the projection onto those levels. Later conditional instructions pick, per branch,
the instruction the branch's feedback bit selects. This is exact for the model: branches
are density matrices, not trajectories, and there are only as many as distinct records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from qstation.qpu.pulse.density import DensityState
from qstation.qpu.pulse.errors import PulseError
from qstation.qpu.pulse.readout import discriminate, measure
from qstation.qpu.pulse.schedule import Acquire, Conditional, Event
from qstation.qpu.pulse.twin import PulseTwin

Apply = Callable[[DensityState, Event], None]
#: Distinct measurement records a segment may branch into (each holds a density matrix).
MAX_BRANCHES = 256


@dataclass
class _Branch:
    state: DensityState
    shots: np.ndarray  # indices of the shots on this branch
    signals: dict[str, int] = field(default_factory=dict)  # feedback label -> bit


def simulate_shots(
    twin: PulseTwin,
    events: list[Event],
    state: DensityState,
    shots: int,
    rng: np.random.Generator,
    apply: Apply,
) -> dict[str, np.ndarray]:
    """Every acquisition's values for ``shots`` shots of the segment ``events`` describe."""
    results: dict[str, np.ndarray] = {}
    branches = [_Branch(state, np.arange(shots))]
    i = 0
    while i < len(events):
        e = events[i]
        if isinstance(e, Acquire):
            j = i
            while j < len(events) and isinstance(events[j], Acquire) and events[j].start == e.start:
                j += 1
            group = [a for a in events[i:j] if isinstance(a, Acquire)]
            # Branch only if anything follows: the last readout needs no state after it.
            branches = [
                child
                for b in branches
                for child in _readout(
                    twin, b, group, rng, results, total=shots, split=j < len(events)
                )
            ]
            if len(branches) > MAX_BRANCHES:
                raise PulseError(
                    f"readout at sample {e.start} on channel "
                    f"{twin.qubits[e.component].probe_line}__readout: the segment's mid-circuit "
                    f"measurements give {len(branches)} distinct records; the pulse engine "
                    f"follows at most {MAX_BRANCHES}"
                )
            i = j
            continue
        for b in branches:
            if isinstance(e, Conditional):
                if e.condition not in b.signals:
                    raise PulseError(
                        f"instruction ConditionalInstruction on channel {e.component}__drive "
                        f"at sample {e.start}: no earlier readout sends feedback signal "
                        f"{e.condition!r}"
                    )
                for inner in e.if_true if b.signals[e.condition] else e.if_false:
                    apply(b.state, inner)
            else:
                apply(b.state, e)
        i += 1
    return results


def _readout(
    twin: PulseTwin,
    branch: _Branch,
    group: list[Acquire],
    rng: np.random.Generator,
    results: dict[str, np.ndarray],
    *,
    total: int,
    split: bool,
) -> list[_Branch]:
    """One readout (acquisitions starting together) on one branch; the branches after it."""
    state, n = branch.state, branch.shots.size
    simulated = list(dict.fromkeys(a.component for a in group if a.component in state.index))
    for q in simulated:
        state.idle(q, group[0].start)
    found = {a.component: np.zeros(n, dtype=np.int64) for a in group}
    if simulated and n:
        probs = state.populations(simulated)
        flat = probs.ravel() / probs.sum()
        draws = rng.choice(flat.size, size=n, p=flat)
        for q, column in zip(simulated, np.unravel_index(draws, probs.shape), strict=True):
            found[q] = column
    after = {q: levels.copy() for q, levels in found.items()}
    bits: dict[str, np.ndarray] = {}
    windows: dict[str, int] = {}
    for a in group:
        p = twin.qubits[a.component]
        window = a.window or round(p.integration_length * twin.sample_rate)
        windows[a.component] = max(windows.get(a.component, 0), window)
        values, relaxed = measure(found[a.component], p, window / twin.sample_rate, rng)
        after[a.component] = np.minimum(after[a.component], relaxed)
        out = values if a.threshold is None else discriminate(values, a.threshold)
        if a.label not in results:
            results[a.label] = np.zeros(total, dtype=out.dtype)
        results[a.label][branch.shots] = out
        if a.feedback and a.threshold is not None:
            bits[a.feedback] = out.astype(np.int64)
    if n == 0:  # no shots: carry on (every label gets its empty row), signals nominal
        return [_Branch(state, branch.shots, {**branch.signals, **dict.fromkeys(bits, 0)})]
    if not split:
        return [branch]
    columns = [found[q] for q in simulated] + [after[q] for q in simulated] + list(bits.values())
    if not columns:
        return [branch]
    keys = np.stack(columns, axis=1)
    children = []
    for key in np.unique(keys, axis=0):
        mask = np.all(keys == key, axis=1)
        child = state.copy()
        m = len(simulated)
        child.collapse({q: (int(key[k]), int(key[m + k])) for k, q in enumerate(simulated)})
        for q in simulated:
            # The readout accounted for relaxation during the window: the qubit's clock moves on.
            child.clock[q] = max(child.clock[q], group[0].start + windows[q])
        signals = dict(branch.signals)
        signals.update({label: int(key[2 * m + k]) for k, label in enumerate(bits)})
        children.append(_Branch(child, branch.shots[mask], signals))
    return children
