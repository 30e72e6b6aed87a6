"""Offline Qiskit backends: a catalog device's twin simulated in this process.

A :class:`LocalBackend` has the target a server publishes for the same device and
calibration, and simulates with the same noise model, so code developed offline runs
unchanged against a server.
"""

from __future__ import annotations

from typing import Any

from qstation.adapters.qiskit.backend import IQMBackendBase
from qstation.adapters.qiskit.job import IQMJob
from qstation.adapters.qiskit.target import Architecture
from qstation.client import Job, LocalDevice, NotFoundError
from qstation.client.local_views import local_calibration_views


class LocalBackend(IQMBackendBase):
    """A catalog device simulated in-process, as a Qiskit backend.

    Args:
        device: the catalog name (``lattice-20``, ``star-5``, ``resonator-6``, ``lattice-54``).
        noise: simulate with the calibration's noise (False: an ideal twin).
        seed: base seed of shot sampling (None: fresh randomness per job).
        **kwargs: passed to :class:`IQMBackendBase` (``max_circuits``).

    Raises:
        ClientConfigurationError: unknown device.
    """

    def __init__(
        self, device: str = "lattice-20", *, noise: bool = True, seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.device = LocalDevice(device, noise=noise, seed=seed)
        views = local_calibration_views(self.device)
        arch = Architecture.from_views(views.dqa, views.calibration_set, views.metrics)
        arch.device = device
        kwargs.setdefault("name", f"local-{device}")
        super().__init__(arch, **kwargs)
        self._jobs: dict[str, Job] = {}

    def _submit(
        self, circuits: list[dict[str, Any]], options: dict[str, Any],
        calibration_set_id: str | None,
    ) -> Job:
        job = self.device.run(circuits, **options)
        self._jobs[str(job.job_id)] = job
        return job

    def retrieve_job(self, job_id: str) -> IQMJob:
        """A job run earlier by this backend.

        Raises:
            NotFoundError: no job with this id ran here.
        """
        job = self._jobs.get(str(job_id))
        if job is None:
            raise NotFoundError(f"job {job_id} did not run on this local backend",
                                status_code=404, error_code="JOB_NOT_FOUND")
        return IQMJob(self, str(job_id), job=job)

    def _payload(self, job: Job) -> Any:
        return job.result().metadata.request


def fake_lattice20(**kwargs: Any) -> LocalBackend:
    """The 20-qubit square-lattice twin (see :class:`LocalBackend` for the arguments)."""
    return LocalBackend("lattice-20", **kwargs)


def fake_lattice54(**kwargs: Any) -> LocalBackend:
    """The 54-qubit square-lattice twin."""
    return LocalBackend("lattice-54", **kwargs)


def fake_star5(**kwargs: Any) -> LocalBackend:
    """The 5-qubit star twin (one central qubit)."""
    return LocalBackend("star-5", **kwargs)


def fake_resonator6(**kwargs: Any) -> LocalBackend:
    """The 6-qubit twin coupled through one computational resonator (MOVE + CZ)."""
    return LocalBackend("resonator-6", **kwargs)
