"""The high-level client: submit circuits, follow jobs, read architectures and calibration."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Self
from uuid import UUID

import httpx

from qstation.client._circuits import build_request, json_request_body
from qstation.client._jobs import RemoteJob, finished_result, run_result
from qstation.client._server_client import IQMServerClient
from qstation.client._transport import RetryPolicy
from qstation.client._waiting import wait_for_job
from qstation.client.models import Circuit, QuantumArchitectureSpecification, RunResult
from qstation.schemas import iqm_v1 as wire
from qstation.schemas.iqm_v1 import (
    CircuitJobRequest,
    DynamicQuantumArchitecture,
    JobData,
    JobStatus,
    MeasurementCounts,
    ObservationSet,
    StaticQuantumArchitecture,
)
from qstation.schemas.qstation_v1 import JobPage

#: How long :meth:`IQMClient.wait_for_results` waits by default (seconds).
DEFAULT_TIMEOUT_SECONDS = 900.0
CircuitLike = Circuit | wire.Circuit | Mapping[str, Any]


class IQMClient:
    """Runs circuits on a quantum computer served over IQM Server API v1.

    Args:
        url: the server URL (default ``IQM_SERVER_URL``); https unless on loopback.
        **kwargs: passed to :class:`IQMServerClient`: ``quantum_computer``, ``token``,
            ``tokens_file``, ``auth_server_url``, ``username``, ``password``,
            ``client_signature``, ``enable_opentelemetry``, ``timeout``, ``http_client``,
            ``transport``, ``retry``.

    Raises:
        ClientConfigurationError: a bad URL or an ambiguous authentication set-up.

    Example::

        client = IQMClient("https://qstation.example.org", quantum_computer="lattice-20")
        job = client.run([circuit], shots=1000)
        print(job.result().counts())
    """

    def __init__(
        self, url: str | None = None, *, quantum_computer: str | None = None,
        http_client: httpx.Client | None = None, transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None, **kwargs: Any,
    ) -> None:
        self._server = IQMServerClient(
            url, quantum_computer=quantum_computer, http_client=http_client, transport=transport,
            retry=retry, **kwargs,
        )

    @property
    def server(self) -> IQMServerClient:
        """The underlying REST client, for operations this class does not wrap."""
        return self._server

    @property
    def quantum_computer(self) -> str:
        """The alias of the quantum computer in use."""
        return self._server.quantum_computer

    def close(self) -> None:
        """Release network resources."""
        self._server.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- submitting -------------------------------------------------------------------------

    def create_run_request(
        self, circuits: Iterable[CircuitLike], **options: Any
    ) -> CircuitJobRequest:
        """The validated request :meth:`submit_circuits` would send (same arguments).

        Raises:
            CircuitValidationError: a circuit or option is invalid.
        """
        return build_request(circuits, **options)

    def submit_circuits(
        self,
        circuits: Iterable[CircuitLike],
        *,
        qubit_mapping: Mapping[str, str] | None = None,
        calibration_set_id: UUID | str | None = None,
        shots: int = 1,
        max_circuit_duration_over_t2: float | None = None,
        heralding_mode: str = "none",
        use_timeslot: bool = False,
        idempotency_key: str | None = None,
        **options: Any,
    ) -> UUID:
        """Submit circuits for execution and return the job id.

        Args:
            circuits: the circuits (:class:`Circuit` or their JSON form).
            qubit_mapping: logical → physical qubit names, if the circuits use logical ones.
            calibration_set_id: run with this calibration set (default: the current one).
            shots: repetitions of each circuit.
            max_circuit_duration_over_t2: reject circuits longer than this fraction of
                the shortest T2 of their qubits; 0 disables the check; None: server default.
            heralding_mode: ``"none"`` or ``"zeros"`` (keep only shots whose qubits all
                read 0 before the circuit).
            use_timeslot: queue for a reserved timeslot.
            idempotency_key: makes resubmitting the same job safe (one job per key).
            **options: further request fields (``active_reset_cycles``,
                ``move_gate_validation``, ``move_gate_frame_tracking``, ``dd_mode``, ...).

        Returns:
            The job id.

        Raises:
            CircuitValidationError: rejected before sending.
            InvalidRequestError: rejected by the server (the message says why).
        """
        return self.run(
            circuits, qubit_mapping=qubit_mapping, calibration_set_id=calibration_set_id,
            shots=shots, max_circuit_duration_over_t2=max_circuit_duration_over_t2,
            heralding_mode=heralding_mode, use_timeslot=use_timeslot,
            idempotency_key=idempotency_key, **options,
        ).job_id

    def run(
        self, circuits: Iterable[CircuitLike], *, use_timeslot: bool = False,
        idempotency_key: str | None = None, **options: Any,
    ) -> RemoteJob:
        """Like :meth:`submit_circuits`, returning a :class:`~qstation.client.Job` handle."""
        request = build_request(circuits, **options)
        data = self._server.submit_circuits(request, use_timeslot=use_timeslot,
                                            idempotency_key=idempotency_key)
        return RemoteJob(self._server, data.id, data=data, request=request)

    def run_json(
        self, circuits: Sequence[Mapping[str, Any]], *, use_timeslot: bool = False,
        idempotency_key: str | None = None, **options: Any,
    ) -> RemoteJob:
        """Like :meth:`run`, for circuits in their JSON form as a converter writes them: only
        the options are checked here, the circuits by the server, and no models are built
        for them (for 10^4 instructions those cost tens of milliseconds, only to write the
        same JSON). The job's results carry no request in their metadata.

        Raises:
            CircuitValidationError: no circuits, or an invalid option.
            InvalidRequestError: rejected by the server (the message says why).
        """
        body = json_request_body(circuits, **options)
        data = self._server.submit_circuits_json(body, use_timeslot=use_timeslot,
                                                 idempotency_key=idempotency_key)
        return RemoteJob(self._server, data.id, data=data)

    def job(self, job_id: UUID | str, *, data: JobData | None = None) -> RemoteJob:
        """A handle on an existing job (``data``: its state as already known)."""
        return RemoteJob(self._server, job_id, data=data)

    # --- following jobs ---------------------------------------------------------------------

    def get_run_status(self, job_id: UUID | str) -> JobData:
        """The job's status, queue position, timeline and errors (no results).

        Raises:
            NotFoundError: no such job.
        """
        return self._server.get_job(job_id)

    def get_run(self, job_id: UUID | str) -> RunResult:
        """The job's current state, with measurements if it has completed (never waits)."""
        data = self._server.get_job(job_id)
        measurements = (
            self._server.get_job_artifact_measurements(job_id)
            if data.status is JobStatus.COMPLETED else None
        )
        return run_result(data, measurements, None)

    def wait_for_results(
        self, job_id: UUID | str, timeout_secs: float = DEFAULT_TIMEOUT_SECONDS
    ) -> RunResult:
        """Wait for the job to finish and return its results.

        Raises:
            JobTimeoutError: not finished within ``timeout_secs``.
            JobFailedError: the job failed (the server's message and error code).
            JobCancelledError: the job was cancelled.
        """
        data = wait_for_job(self._server, job_id, timeout=timeout_secs)
        return finished_result(data, lambda: self._server.get_job_artifact_measurements(job_id),
                               None)

    def cancel_job(self, job_id: UUID | str) -> None:
        """Cancel a job (a finished one keeps its status)."""
        self._server.cancel_job(job_id)

    abort_job = cancel_job

    def delete_job(self, job_id: UUID | str) -> None:
        """Delete a job and its results, cancelling it first if needed."""
        self._server.delete_job(job_id)

    def get_job_measurements(self, job_id: UUID | str) -> list[dict[str, list[list[int]]]]:
        """Per circuit, each measurement key's shots (the job must have completed)."""
        return self._server.get_job_artifact_measurements(job_id)

    def get_job_measurement_counts(self, job_id: UUID | str) -> list[MeasurementCounts]:
        """Per circuit, the counts of each bitstring (the job must have completed)."""
        return self._server.get_job_artifact_measurement_counts(job_id)

    def list_jobs(self, **filters: Any) -> JobPage:
        """A page of the caller's jobs, newest first (see :meth:`IQMServerClient.list_jobs`)."""
        return self._server.list_jobs(**filters)

    # --- the quantum computer ---------------------------------------------------------------

    def get_quantum_architecture(self) -> QuantumArchitectureSpecification:
        """Qubits, connectivity and native operations with their calibrated loci."""
        dqa = self.get_dynamic_quantum_architecture()
        operations = {
            name: _unique(locus for impl in gate.implementations.values() for locus in impl.loci)
            for name, gate in dqa.gates.items()
        }
        couplings = _unique(
            locus for name in ("cz", "move") for locus in operations.get(name, [])
        )
        return QuantumArchitectureSpecification(
            name=self.quantum_computer, qubits=dqa.qubits,
            computational_resonators=dqa.computational_resonators,
            qubit_connectivity=couplings, operations=operations,
            calibration_set_id=dqa.calibration_set_id,
        )

    def get_static_quantum_architecture(self) -> StaticQuantumArchitecture:
        """The chip's qubits, resonators and couplings."""
        return self._server.get_static_quantum_architectures()[0]

    def get_dynamic_quantum_architecture(
        self, calibration_set_id: UUID | str | None = None
    ) -> DynamicQuantumArchitecture:
        """Gates and loci calibrated in a calibration set (default: the current one)."""
        return self._server.get_dynamic_quantum_architecture(calibration_set_id)

    def get_calibration_set(self, calibration_set_id: UUID | str | None = None) -> ObservationSet:
        """A calibration set's observations (default: the current set)."""
        return self._server.get_calibration_set(calibration_set_id)

    def get_quality_metric_set(
        self, calibration_set_id: UUID | str | None = None
    ) -> ObservationSet:
        """Quality metrics of a calibration set (default: the current set)."""
        return self._server.get_calibration_set_quality_metric_set(calibration_set_id)

    def get_health(self) -> dict[str, Any]:
        """Whether the quantum computer accepts and runs jobs."""
        return self._server.get_health()

    def get_about(self) -> dict[str, Any]:
        """What the server is."""
        return self._server.get_about()


def _unique(loci: Iterable[list[str]]) -> list[list[str]]:
    seen: dict[tuple[str, ...], None] = {}
    for locus in loci:
        seen.setdefault(tuple(locus), None)
    return [list(locus) for locus in seen]
