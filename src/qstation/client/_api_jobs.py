"""Job operations of IQMServerClient: submit, inspect, cancel, delete, fetch artifacts, wait."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from uuid import UUID

from pydantic import TypeAdapter

from qstation import heap
from qstation.client._errors import APIError, JobError, NotFoundError
from qstation.client._pulse import (
    Protobuf,
    parse_run_definition,
    parse_sweep_results,
    run_definition_bytes,
)
from qstation.client._server_base import ServerBase, job_path
from qstation.schemas.iqm_v1 import CircuitJobRequest, JobData, JobStatus, MeasurementCounts
from qstation.schemas.qstation_v1 import JobPage

if TYPE_CHECKING:
    from iqm.station_control.interface.models import RunDefinition, SweepResults

_PROTOBUF = "application/protobuf"

#: Measurements are validated from the body's bytes in one pass, which builds each shot's
#: list once; decoding first and validating the decoded lists built them twice, and the
#: extra objects woke the garbage collector over the caller's whole heap (up to 0.1 s for
#: a 40-circuit job in a process holding Qiskit circuits).
_MEASUREMENTS: TypeAdapter[list[dict[str, list[list[int]]]]] = TypeAdapter(
    list[dict[str, list[list[int]]]]
)


class JobsAPI(ServerBase):
    """Creating and following jobs."""

    def submit_circuits(
        self, run_request: CircuitJobRequest, *, use_timeslot: bool = False,
        idempotency_key: str | None = None,
    ) -> JobData:
        """Submit a batch of circuits for execution.

        The request carries an ``Idempotency-Key``, so it is safely retried after a lost
        connection or a 502/503/504: the server returns the job the key first created.

        Args:
            run_request: the circuits and execution options.
            use_timeslot: queue for a reserved timeslot instead of the shared FIFO queue.
            idempotency_key: a key of your own to make resubmissions safe across calls
                (default: a fresh random key, protecting this call's retries only).

        Returns:
            The new job's data; its ``id`` tracks it.

        Raises:
            InvalidRequestError: the server rejected the circuits (the message says why).
            NotFoundError: unknown quantum computer or calibration set.
        """
        return self.submit_circuits_json(
            run_request.model_dump_json(exclude_none=False).encode(),
            use_timeslot=use_timeslot, idempotency_key=idempotency_key,
        )

    def submit_circuits_json(
        self, body: bytes, *, use_timeslot: bool = False, idempotency_key: str | None = None,
    ) -> JobData:
        """Like :meth:`submit_circuits`, for a request given as its JSON body, sent as it is
        (:meth:`IQMClient.run_json <qstation.client.IQMClient.run_json>` builds one)."""
        key = idempotency_key or str(uuid.uuid4())
        timeslot = use_timeslot or self._timeslot_from_url
        response = self._request(
            "POST", f"/api/v1/jobs/{self.quantum_computer}/circuit", content=body,
            params={"use_timeslot": str(timeslot).lower()},
            headers={"Content-Type": "application/json; charset=UTF-8", "Idempotency-Key": key},
            safe=True,
        )
        return JobData.model_validate_json(response.content)

    def submit_run(
        self, run_definition: RunDefinition | Protobuf | bytes, *, use_timeslot: bool = False,
        idempotency_key: str | None = None,
    ) -> JobData:
        """Submit a pulse-level run.

        Args:
            run_definition: IQM's ``RunDefinition`` (e.g. from ``Compiler.compile``; missing
                ids are filled in), or its protobuf message or serialized bytes.
            use_timeslot: queue for a reserved timeslot instead of the shared FIFO queue.
            idempotency_key: as for :meth:`submit_circuits`: a retried submission (after a
                lost connection or a 502/503/504) returns the job the key first created.

        Returns:
            The new job's data (``type`` is ``"run"``).

        Raises:
            InvalidRequestError: the station cannot run it; the message names the
                instruction, channel and limit.
        """
        return self._submit_protobuf("run", run_definition, use_timeslot, idempotency_key)

    def submit_sweep(
        self, sweep_definition: RunDefinition | Protobuf | bytes, *, use_timeslot: bool = False,
        idempotency_key: str | None = None,
    ) -> JobData:
        """Submit an N-dimensional pulse-level sweep: a run definition whose soft sweeps span
        the spots (the same job as :meth:`submit_run`, on the ``sweep`` route).

        Raises:
            InvalidRequestError: the station cannot run it (the message says why).
        """
        return self._submit_protobuf("sweep", sweep_definition, use_timeslot, idempotency_key)

    def _submit_protobuf(
        self, kind: str, message: RunDefinition | Protobuf | bytes, use_timeslot: bool,
        idempotency_key: str | None,
    ) -> JobData:
        key = idempotency_key or str(uuid.uuid4())
        headers = {"Content-Type": _PROTOBUF, "Idempotency-Key": key}
        response = self._request(
            "POST", f"/api/v1/jobs/{self.quantum_computer}/{kind}",
            params={"use_timeslot": str(use_timeslot or self._timeslot_from_url).lower()},
            content=run_definition_bytes(message), headers=headers, safe=True,
        )
        return JobData.model_validate_json(response.content)

    def get_job(self, job_id: str | UUID) -> JobData:
        """The job's status, timeline, errors and queue position.

        Raises:
            NotFoundError: no such job (or not visible to this caller).
        """
        return self._get_model(job_path(job_id), JobData)

    def cancel_job(self, job_id: str | UUID) -> None:
        """Cancel a job: a waiting job at once, a running one at its next circuit boundary.

        A job that already finished keeps its status.

        Raises:
            NotFoundError: no such job.
        """
        self._request("POST", job_path(job_id, "/cancel"))

    def delete_job(self, job_id: str | UUID) -> None:
        """Cancel a job if needed and delete it with its results.

        Raises:
            NotFoundError: no such job.
        """
        self._request("DELETE", job_path(job_id))

    def get_submit_circuits_payload(self, job_id: str | UUID) -> CircuitJobRequest:
        """The circuit job request as the server received it."""
        return CircuitJobRequest.model_validate(self._get_json(job_path(job_id, "/payload")))

    def get_submit_run_payload(self, job_id: str | UUID) -> RunDefinition:
        """The ``RunDefinition`` of a run job, as the server received it.

        Raises:
            JobError: the job is a circuit job (see :meth:`get_submit_circuits_payload`).
            NotFoundError: no such job.
        """
        response = self._request("GET", job_path(job_id, "/payload"))
        if not response.headers.get("content-type", "").startswith(_PROTOBUF):
            raise JobError(f"job {job_id} is no run job; read its payload with "
                           f"get_submit_circuits_payload", job_id=str(job_id))
        return parse_run_definition(response.content)

    def get_job_artifact_measurements(self, job_id: str | UUID) -> list[dict[str, list[list[int]]]]:
        """Per circuit, each measurement key's shots (bits in locus order).

        Raises:
            NotFoundError: no such job, or it has not completed.
        """
        body = self._request("GET", job_path(job_id, "/artifacts/measurements")).content
        with heap.paused():
            return _MEASUREMENTS.validate_json(body)

    def get_job_artifact_measurement_counts(self, job_id: str | UUID) -> list[MeasurementCounts]:
        """Per circuit, the counts of each bitstring.

        Raises:
            NotFoundError: no such job, or it has not completed.
        """
        return self._get_list(job_path(job_id, "/artifacts/measurement_counts"), MeasurementCounts)

    def get_job_artifact_sweep_results(self, job_id: str | UUID) -> SweepResults:
        """The results of a completed run job: per return parameter, one array per sweep spot.

        Raises:
            NotFoundError: no such job, it is no run job, or it has not completed.
        """
        response = self._request("GET", job_path(job_id, "/artifacts/sweep_results"))
        return parse_sweep_results(response.content)

    # --- qstation additions -----------------------------------------------------------------

    def wait_for_job_change(
        self, job_id: str | UUID, known: JobStatus | None, timeout: float
    ) -> JobData | None:
        """Long-poll until the job's status differs from ``known`` (or is terminal).

        Returns:
            The job as it is when it changed or ``timeout`` ran out; None if the server has
            no long-poll endpoint (then poll :meth:`get_job` instead).

        Raises:
            NotFoundError: no such job.
        """
        if self._long_poll is False:
            return None
        params: dict[str, Any] = {"timeout": max(0.0, min(timeout, 300.0))}
        if known is not None:
            params["status"] = known.value
        path = f"/qstation/v1/jobs/{quote(str(job_id), safe='')}/wait"
        try:
            data = self._get_model(path, JobData, params=params,
                                   timeout=params["timeout"] + self.timeout)
        except APIError as err:
            if _no_such_endpoint(err):
                self._long_poll = False
                return None
            raise
        self._long_poll = True
        return data

    def list_jobs(
        self, *, limit: int = 50, cursor: str | None = None, status: JobStatus | None = None,
        quantum_computer: str | None = None, all_users: bool = False,
    ) -> JobPage:
        """A page of the caller's jobs, newest first (a qstation endpoint).

        Args:
            limit: jobs per page (at most 500).
            cursor: ``next_cursor`` of the previous page.
            status: only jobs in this status.
            quantum_computer: only jobs of this quantum computer.
            all_users: every user's jobs (admins only).

        Raises:
            ForbiddenError: ``all_users`` without being an admin.
        """
        params: dict[str, Any] = {"limit": limit}
        if all_users:
            params["all_users"] = "true"
        for name, value in (("cursor", cursor), ("status", status),
                            ("quantum_computer", quantum_computer)):
            if value is not None:
                params[name] = str(value)
        return self._get_model("/qstation/v1/jobs", JobPage, params=params)


def _no_such_endpoint(err: APIError) -> bool:
    if isinstance(err, NotFoundError):
        return err.error_code != "JOB_NOT_FOUND"
    return err.status_code in (405, 501)
