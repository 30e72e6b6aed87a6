"""Run circuits on a digital twin in this process, behind the same :class:`Job` interface.

:class:`LocalDevice` needs no server: it validates and simulates with :mod:`qstation.qpu`
(imported only when a device is created), using the same device catalog, calibration and
noise model as ``qstation serve``. Jobs run when submitted, so they are already finished
when :meth:`LocalDevice.run` returns.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from qstation.client._circuits import build_request
from qstation.client._errors import CircuitValidationError, JobCancelledError, JobFailedError
from qstation.client._jobs import Job
from qstation.client.models import (
    CircuitMeasurements,
    QuantumArchitectureSpecification,
    RunMetadata,
    RunResult,
)
from qstation.schemas.iqm_v1 import CircuitJobRequest, ErrorBody, JobStatus, TimelineEntry

_SOURCE = "qstation-local"


class LocalJob(Job):
    """A job that ran in this process."""

    def __init__(self, result: RunResult) -> None:
        self._result = result

    @property
    def job_id(self) -> UUID:
        return self._result.job_id

    def status(self) -> JobStatus:
        return self._result.status

    @property
    def queue_position(self) -> int | None:
        return None

    def wait(self, timeout: float | None = None, poll_interval: float | None = None) -> JobStatus:
        return self._result.status

    def result(self, timeout: float | None = None) -> RunResult:
        if self._result.status is JobStatus.FAILED:
            raise JobFailedError(str(self.job_id), self._result.errors)
        if self._result.status is JobStatus.CANCELLED:
            raise JobCancelledError(f"job {self.job_id} was cancelled", job_id=str(self.job_id))
        return self._result

    def cancel(self) -> None:
        """Nothing to cancel: a local job has finished by the time it is returned."""


class LocalDevice:
    """A simulated quantum computer in this process.

    Args:
        device: a device of the catalog (``qstation.qpu.registry``), e.g. ``lattice-20``.
        noise: simulate with the calibration's noise (False: an ideal twin).
        calibration_seed: seed of the generated calibration (default: the device's own,
            which is what a fresh ``qstation serve`` publishes).
        engine: simulator engine name (``auto`` picks per circuit).
        seed: base seed of the shot sampling (None: fresh randomness per job).

    Raises:
        ClientConfigurationError: unknown device.
    """

    def __init__(
        self, device: str = "lattice-20", *, noise: bool = True,
        calibration_seed: int | None = None, engine: str = "auto", seed: int | None = None,
    ) -> None:
        from qstation.client._errors import ClientConfigurationError
        from qstation.qpu.calibration import generate_calibration
        from qstation.qpu.executor import Executor
        from qstation.qpu.registry import UnknownDeviceError, get_device

        try:
            self.spec = get_device(device)
        except UnknownDeviceError as err:
            raise ClientConfigurationError(str(err.args[0])) from err
        seed_of_cal = self.spec.calibration_seed if calibration_seed is None else calibration_seed
        self.calibration = generate_calibration(self.spec, seed_of_cal)
        self._executor = Executor(self.calibration if noise else None, engine=engine)
        self._seed = seed
        self._jobs = 0

    @property
    def name(self) -> str:
        """The device name."""
        return str(self.spec.name)

    def get_quantum_architecture(self) -> QuantumArchitectureSpecification:
        """Qubits, couplings and native operations with their calibrated loci."""
        operations = {
            gate: [list(locus) for locus in self.spec.loci(gate)
                   if self.calibration.is_calibrated(gate, locus)]
            for gate in self.spec.gates
        }
        return QuantumArchitectureSpecification(
            name=self.name, qubits=list(self.spec.qubits),
            computational_resonators=list(self.spec.computational_resonators),
            qubit_connectivity=[list(c) for c in self.spec.couplers], operations=operations,
        )

    def run(self, circuits: Iterable[Any], **options: Any) -> LocalJob:
        """Validate and simulate circuits; the returned job has finished.

        Args:
            circuits: the circuits (:class:`~qstation.client.Circuit` or their JSON form).
            **options: as :meth:`IQMClient.submit_circuits` (``shots``, ``qubit_mapping``,
                ``heralding_mode``, ...); ``seed`` overrides the device's sampling seed.

        Raises:
            CircuitValidationError: a circuit the device cannot run.
        """
        seed = options.pop("seed", None)
        options.pop("use_timeslot", None)
        options.pop("idempotency_key", None)
        request = build_request(circuits, **options)
        job_id = uuid.uuid4()
        started = datetime.now(UTC)
        measurements, errors = self._simulate(request, self._seeds(seed, len(request.circuits)))
        status = JobStatus.FAILED if errors else JobStatus.COMPLETED
        timeline = [TimelineEntry(source=_SOURCE, status="created", timestamp=started),
                    TimelineEntry(source=_SOURCE, status=status.value,
                                  timestamp=datetime.now(UTC))]
        return LocalJob(RunResult(
            job_id=job_id, status=status, measurements=None if errors else measurements,
            metadata=RunMetadata(request=request, timeline=timeline), errors=errors,
        ))

    def _seeds(self, seed: int | None, count: int) -> list[int]:
        import numpy as np

        base = seed if seed is not None else self._seed
        entropy = None if base is None else [base, self._jobs]
        self._jobs += 1
        states = np.random.SeedSequence(entropy).generate_state(count, dtype=np.uint64)
        return [int(s) for s in states]

    def _simulate(
        self, request: CircuitJobRequest, seeds: list[int]
    ) -> tuple[list[CircuitMeasurements], list[ErrorBody]]:
        from qstation.qpu.validate import CircuitValidationError as QpuValidationError
        from qstation.qpu.validate import Compiler, RawInstruction

        compiler = Compiler(self.spec, self.calibration,
                            move_gate_validation=request.move_gate_validation)
        results: list[CircuitMeasurements] = []
        for circuit, seed in zip(request.circuits, seeds, strict=True):
            raw = (RawInstruction(i.name, i.locus, i.args) for i in circuit.instructions)
            try:
                program = compiler.compile(circuit.name, raw, request.mapping())
            except QpuValidationError as err:
                raise CircuitValidationError(str(err)) from err
            bits = self._executor.run(program, request.shots, seed=seed,
                                      heralding=request.heralding_mode)
            if request.heralding_mode == "zeros" and all(b.shape[0] == 0 for b in bits.values()):
                text = f"circuit {circuit.name!r}: heralding discarded all {request.shots} shots"
                return [], [ErrorBody(message=text, error_code="HERALDING_NO_SHOTS",
                                      source=_SOURCE)]
            results.append({key: value.tolist() for key, value in bits.items()})
        return results, []

