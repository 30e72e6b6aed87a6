"""Running one run job (pulse level) for a worker: its definition in, its artifacts out.

Synchronous and CPU-bound like :mod:`qstation.queue.runner`: workers call it in a thread.
Cancellation is checked at every sweep spot.
"""

from __future__ import annotations

from collections.abc import Callable

from qstation.qpu.calibration import CalibrationData
from qstation.qpu.device import DeviceSpec
from qstation.qpu.pulse.definition import DefinitionError
from qstation.qpu.pulse.execute import RunCancelled, execute_run
from qstation.queue.claim import Claimed
from qstation.queue.runner import JobCancelled, JobFailed, Outcome, circuit_seed
from qstation.queue.stages import Stages


def run_pulse_job(
    claimed: Claimed,
    spec: DeviceSpec,
    calibration: CalibrationData,
    should_stop: Callable[[], bool],
) -> Outcome:
    """Execute a claimed run job on the twin of ``calibration``.

    Raises:
        JobCancelled: cancellation was requested at a sweep spot.
        JobFailed: the definition or an instruction cannot be executed.
    """
    if claimed.definition is None:
        raise JobFailed(f"run job {claimed.id} has no stored definition", "INTERNAL_ERROR")
    stages = Stages()
    stages.mark("execution_started")
    try:
        results = execute_run(
            spec,
            calibration,
            claimed.definition,
            # Each spot has its own seed: a reclaimed job re-runs to the same results.
            seed_of=lambda spot: circuit_seed(claimed.id, spot),
            should_stop=should_stop,
        )
    except RunCancelled:
        raise JobCancelled from None
    except DefinitionError as err:
        raise JobFailed(str(err), err.code) from err
    except ValueError as err:  # the engine's PulseError: what it cannot simulate, and why
        raise JobFailed(str(err), "PULSE_SIMULATION_FAILED") from err
    # Results are assembled and serialized as the sweep runs: post-processing ends with it.
    stages.mark("post_processing_ended", stages.end_execution())
    return Outcome(
        measurements=results.measurements,
        counts=results.counts,
        sweep_results=results.sweep_results,
        stages=stages.marks,
    )
