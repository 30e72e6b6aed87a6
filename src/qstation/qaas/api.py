"""The QaaS client: :class:`API`, with the operations of ``qiboconnection``'s ``API``.

Differences from the original, on purpose: :meth:`API.get_result` returns circuit results
(one :class:`CircuitResult` per circuit, which reads like Qibo's results), failed and cancelled
jobs raise instead of looking unfinished, and a cancelled job counts as finished when waiting.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import httpx

from qstation.qaas._connection import DEFAULT_URL, Connection
from qstation.qaas._errors import JobTimeoutError, UnsupportedJobType
from qstation.qaas._models import Calibration, Job, JobData, Runcard
from qstation.qaas._programs import describe, result_of
from qstation.qaas._records import RecordsMixin
from qstation.schemas.qaas_v1 import (
    FINISHED,
    Device,
    DeviceStatus,
    JobCreated,
    JobListItem,
    JobStatus,
    JobType,
)


class API(RecordsMixin):
    """A logged-in session with a QaaS server (qstation's QaaS API, or any compatible one).

    Args:
        username: the account's username.
        api_key: one of the account's QaaS API keys.
        url: the server's QaaS base URL, e.g. ``http://host:8000/qaas`` (default: the
            ``QUANTUM_SERVICE_URL`` environment variable, else ``http://127.0.0.1:8000/qaas``).
        transport: an ``httpx`` transport to send requests through (tests, proxies).
        timeout: seconds to wait for each answer.

    Raises:
        AuthenticationError: wrong username or API key.
        TransportError: the server cannot be reached.
    """

    def __init__(
        self,
        username: str,
        api_key: str,
        *,
        url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        base = url or os.environ.get("QUANTUM_SERVICE_URL") or DEFAULT_URL
        self._conn = Connection(base, transport=transport, timeout=timeout)
        self._claims = self._conn.login(username, api_key)
        self.username = username
        self._jobs: list[Job] = []
        self._devices: dict[int, Device] = {}
        self._selected: list[int] = []
        self._runcard: Runcard | None = None
        self._calibration: Calibration | None = None

    @classmethod
    def login(cls, username: str, api_key: str, **kwargs: Any) -> API:
        """Log in and return the session (keyword arguments as for :class:`API`)."""
        return cls(username, api_key, **kwargs)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._conn.close()

    def __enter__(self) -> API:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def user_id(self) -> int:
        """The logged-in user's id."""
        return int(self._claims["user_id"])

    @property
    def role(self) -> str:
        """The logged-in user's role: ``user``, ``member`` or ``admin``."""
        return str(self._claims.get("user_role", "user"))

    @property
    def jobs(self) -> list[Job]:
        """The jobs submitted in this session, oldest first."""
        return list(self._jobs)

    @property
    def last_job(self) -> Job:
        """The job submitted last in this session.

        Raises:
            IndexError: none was submitted yet.
        """
        return self._jobs[-1]

    def ping(self) -> str:
        """Check that the server answers; returns ``"OK"``."""
        return str(self._conn.ping())

    # Devices

    def list_devices(self) -> list[Device]:
        """Every device of the server, with its status and features."""
        devices = [Device.model_validate(d) for d in self._conn.pages("/devices")]
        self._devices.update({d.id: d for d in devices})
        return devices

    def get_device(self, device_id: int) -> Device:
        """One device.

        Raises:
            NotFound: no such device.
        """
        device = Device.model_validate(self._conn.call("GET", f"/devices/{device_id}"))
        self._devices[device.id] = device
        return device

    def select_device_id(self, device_id: int) -> None:
        """Use this device for later :meth:`execute` calls that name none."""
        self.select_device_ids([device_id])

    def select_device_ids(self, device_ids: Sequence[int]) -> None:
        """Use these devices (one job each) for later :meth:`execute` calls that name none."""
        for device_id in device_ids:
            self.get_device(device_id)
        self._selected = list(device_ids)

    def set_device_to_maintenance(self, device_id: int) -> None:
        """Put a device in maintenance: it refuses new jobs and keeps its queue (admins)."""
        self._set_status(device_id, DeviceStatus.MAINTENANCE)

    def set_device_to_online(self, device_id: int) -> None:
        """Put a device back online: it accepts and runs jobs again (admins)."""
        self._set_status(device_id, DeviceStatus.ONLINE)

    def set_device_to_offline(self, device_id: int) -> None:
        """Take a device offline: it accepts jobs, which wait until it is online (admins)."""
        self._set_status(device_id, DeviceStatus.OFFLINE)

    def _set_status(self, device_id: int, status: DeviceStatus) -> None:
        raw = self._conn.call("PUT", f"/devices/{device_id}", json={"status": status.value})
        self._devices[device_id] = Device.model_validate(raw)

    # Jobs

    def execute(
        self,
        circuit: Any = None,
        qprogram: str | None = None,
        anneal_program_args: dict[str, Any] | None = None,
        vqa: Any = None,
        nshots: int = 10,
        device_ids: Sequence[int] | None = None,
        device_id: int | None = None,
        name: str = "-",
        summary: str = "-",
    ) -> list[int] | int:
        """Submit one job per device: circuits, or a qprogram, annealing program or VQA.

        Args:
            circuit: a ``qibo.Circuit`` or OpenQASM 2 text, or a list of them (one job).
            qprogram: a serialised qililab QProgram.
            anneal_program_args: an annealing program description.
            vqa: a variational algorithm (a dict, or an object with ``vqa_dict``,
                ``init_params`` and ``optimizer_params``).
            nshots: shots per circuit.
            device_ids: devices to run on (one job each).
            device_id: the one device to run on (then the job id is returned alone).
            name: a name for the job.
            summary: a short description of the job.

        Returns:
            The job id with ``device_id``; otherwise the list of job ids.

        Raises:
            ValueError: not exactly one program given, or no device chosen.
            UnsupportedJobType: the devices do not run this kind of program (the job is
                stored, with its id in the exception).
            InvalidRequest: e.g. a circuit the device cannot run.
            Conflict: the device is in maintenance.
        """
        description, job_type = describe(circuit, qprogram, anneal_program_args, vqa)
        if device_id is not None and device_ids is not None:
            raise ValueError("give device_id or device_ids, not both")
        targets = [device_id] if device_id is not None else list(device_ids or self._selected)
        if not targets:
            raise ValueError("no device: pass device_id, or call select_device_id first")
        ids = [self._submit(d, nshots, job_type, description, name, summary) for d in targets]
        return ids[0] if device_id is not None else ids

    def _submit(
        self,
        device_id: int,
        nshots: int,
        job_type: JobType,
        description: str,
        name: str,
        summary: str,
    ) -> int:
        body = {
            "user_id": self.user_id,
            "device_id": device_id,
            "number_shots": nshots,
            "job_type": job_type.value,
            "description": description,
            "name": name,
            "summary": summary,
        }
        created = JobCreated.model_validate(self._conn.call("POST", "/circuits", json=body))
        self._jobs.append(Job(created.job_id, device_id, job_type.value, nshots, name, summary))
        if created.status == JobStatus.ERROR:
            raise UnsupportedJobType(created.job_id, created.error or "the job cannot run")
        return created.job_id

    def get_job(self, job_id: int) -> JobData:
        """A job with its decoded description and (once completed) result."""
        return JobData.from_wire(self._conn.call("GET", f"/jobs/{job_id}"))

    def get_result(self, job_id: int) -> Any:
        """A job's result: a list of :class:`CircuitResult` for circuit jobs, the decoded
        payload for other kinds, or None while the job is unfinished.

        Raises:
            JobFailed: the job ended in error (with the server's reason).
            JobCancelled: the job was cancelled.
        """
        return result_of(self.get_job(job_id))

    def get_results(self, job_ids: Sequence[int]) -> list[Any]:
        """:meth:`get_result` of several jobs, in order."""
        return [self.get_result(job_id) for job_id in job_ids]

    def execute_and_return_results(
        self,
        circuit: Any = None,
        qprogram: str | None = None,
        nshots: int = 10,
        device_ids: Sequence[int] | None = None,
        device_id: int | None = None,
        timeout: float = 3600,
        interval: float = 60,
    ) -> list[Any]:
        """Submit like :meth:`execute`, wait until every job has finished, return results.

        Args:
            timeout: seconds to wait in all.
            interval: seconds between status checks.

        Returns:
            One result per job (as :meth:`get_result`); None for a job that failed or was
            cancelled.

        Raises:
            JobTimeoutError: not every job finished within ``timeout`` (they keep running).
        """
        deadline = time.monotonic() + timeout
        submitted = self.execute(
            circuit=circuit,
            qprogram=qprogram,
            nshots=nshots,
            device_ids=device_ids,
            device_id=device_id,
        )
        ids = [submitted] if isinstance(submitted, int) else submitted
        while True:
            data = [self.get_job(job_id) for job_id in ids]
            if all(d.status in FINISHED for d in data):
                return [d.result if d.status == JobStatus.COMPLETED else None for d in data]
            if time.monotonic() + interval > deadline:
                raise JobTimeoutError(f"jobs {ids} did not finish within {timeout} s")
            time.sleep(interval)

    def list_jobs(self, favourites: bool = False) -> list[JobListItem]:
        """The caller's jobs, newest first (only favourites with ``favourites=True``)."""
        items = self._conn.pages("/jobs", params={"favourites": favourites})
        return [JobListItem.model_validate(item) for item in items]

    def cancel_job(self, job_id: int) -> None:
        """Cancel an unfinished job (a running one stops at its next circuit).

        Raises:
            Conflict: the job has already finished.
        """
        self._conn.call("PUT", f"/jobs/cancel/{job_id}", json={"job_id": job_id})

    def delete_job(self, job_id: int) -> None:
        """Delete a job and its results."""
        self._conn.call("DELETE", f"/jobs/{job_id}")

    def favourite_job(self, job_id: int, favourite: bool = True) -> None:
        """Mark (or, with ``favourite=False``, unmark) a job as a favourite."""
        method = "PUT" if favourite else "DELETE"
        self._conn.call(
            method, f"/jobs/{job_id}/favourite", base=f"{self._conn.base_url}/qstation/v1"
        )
