"""A :class:`cirq.Sampler` running circuits on a qstation quantum computer (remote or local)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cirq

from qstation.adapters.cirq._convert import Inversions, to_cirq_measurements, to_native
from qstation.adapters.cirq.device import IQMDevice
from qstation.client import (
    IQMClient,
    Job,
    JobCancelledError,
    JobFailedError,
    JobTimeoutError,
    LocalDevice,
)
from qstation.client.local_views import local_calibration_views


class CircuitExecutionError(RuntimeError):
    """A job did not produce results: failed (with the server's message), cancelled or late.

    Attributes:
        job_id: the job's id.
        error_code: the server's error code, if it gave one.
    """

    def __init__(self, message: str, *, job_id: str, error_code: str | None = None) -> None:
        super().__init__(message)
        self.job_id = job_id
        self.error_code = error_code


class IQMSampler(cirq.Sampler):
    """Samples Cirq circuits on a qstation quantum computer.

    Circuits must be native to :attr:`device` (``sampler.device.compile(circuit)`` makes
    them so) unless ``compile=True``. Measurement keys are kept.

    Args:
        url: the server URL (leave out with ``client``).
        quantum_computer: the quantum computer's alias.
        token: a bearer token, if the server requires one.
        calibration_set_id: run with this calibration set (default: the server's current).
        compile: decompose and route circuits that are not native before running them.
        timeout: seconds to wait for each job.
        client: an :class:`~qstation.client.IQMClient` or :class:`~qstation.client.LocalDevice`
            to use instead of creating a client.
        **client_options: passed to :class:`~qstation.client.IQMClient`.

    Example::

        sampler = IQMSampler("http://127.0.0.1:8000", quantum_computer="lattice-20")
        result = sampler.run(sampler.device.compile(circuit), repetitions=1000)
    """

    def __init__(
        self, url: str | None = None, *, quantum_computer: str | None = None,
        token: str | None = None, calibration_set_id: str | None = None, compile: bool = False,
        timeout: float | None = 900.0, client: IQMClient | LocalDevice | None = None,
        **client_options: Any,
    ) -> None:
        if client is None:
            extra: dict[str, Any] = {"token": token} if token else {}
            client = IQMClient(url, quantum_computer=quantum_computer, **client_options, **extra)
        self._client = client
        if isinstance(client, LocalDevice):
            dqa = local_calibration_views(client).dqa
        else:
            dqa = client.get_dynamic_quantum_architecture(calibration_set_id)
        self._device = IQMDevice(dqa)
        self._calibration_set_id = calibration_set_id
        self._compile = compile
        self._timeout = timeout

    @classmethod
    def local(
        cls, device: str = "lattice-20", *, noise: bool = True, seed: int | None = None,
        **kwargs: Any,
    ) -> IQMSampler:
        """A sampler of a catalog device's twin simulated in this process (no server).

        Args:
            device: the catalog name.
            noise: simulate with the calibration's noise (False: ideal).
            seed: base seed of shot sampling.
            **kwargs: passed to the constructor (``compile``).
        """
        return cls(client=LocalDevice(device, noise=noise, seed=seed), **kwargs)

    @property
    def device(self) -> IQMDevice:
        """The quantum computer's qubits, connectivity and native gates."""
        return self._device

    def close(self) -> None:
        """Release the client's connections."""
        if isinstance(self._client, IQMClient):
            self._client.close()

    def run_sweep(
        self, program: cirq.AbstractCircuit, params: cirq.Sweepable, repetitions: int = 1,
    ) -> Sequence[cirq.Result]:
        """Run the circuit once per parameter assignment, all in one job.

        Raises:
            ValueError: a circuit is not native to the device (and ``compile`` is off).
            CircuitExecutionError: the job failed or was cancelled (server's message).
        """
        return self.run_batch([program], [params], repetitions)[0]

    def run_batch(
        self, programs: Sequence[cirq.AbstractCircuit],
        params_list: Sequence[cirq.Sweepable] | None = None,
        repetitions: int | Sequence[int] = 1,
    ) -> Sequence[Sequence[cirq.Result]]:
        """Run several circuits, each over its sweep, in one job.

        Raises:
            ValueError: mixed repetitions, or a circuit the device cannot run.
            CircuitExecutionError: the job failed or was cancelled (server's message).
        """
        params_list = params_list or [None] * len(programs)
        reps = {repetitions} if isinstance(repetitions, int) else set(repetitions)
        if len(reps) != 1:
            raise ValueError("one job runs every circuit with the same number of repetitions")
        resolvers = [list(cirq.to_resolvers(p)) for p in params_list]
        native: list[dict[str, Any]] = []
        inversions: list[Inversions] = []
        for index, (program, sweep) in enumerate(zip(programs, resolvers, strict=True)):
            circuit = self._device.compile(program) if self._compile else program
            for point, resolver in enumerate(sweep):
                resolved = cirq.resolve_parameters(circuit, resolver)
                body, masks = to_native(resolved, self._device, f"circuit-{index}-{point}")
                native.append(body)
                inversions.append(masks)
        measurements = self._execute(native, reps.pop())
        flat = iter(zip(measurements, inversions, strict=True))
        return [[cirq.ResultDict(params=r, measurements=to_cirq_measurements(*next(flat)))
                 for r in sweep] for sweep in resolvers]

    def _execute(self, circuits: list[dict[str, Any]], shots: int) -> list[dict[str, Any]]:
        options: dict[str, Any] = {"shots": shots}
        if isinstance(self._client, IQMClient):
            options["calibration_set_id"] = (self._calibration_set_id
                                             or self._device.calibration_set_id)
        job: Job = self._client.run(circuits, **options)
        try:
            result = job.result(timeout=self._timeout)
        except JobTimeoutError as err:
            job.cancel()
            raise CircuitExecutionError(f"job {job.job_id} did not finish in {self._timeout} s;"
                                        " it was cancelled", job_id=str(job.job_id)) from err
        except JobFailedError as err:
            raise CircuitExecutionError(err.message, job_id=err.job_id,
                                        error_code=err.error_code) from err
        except JobCancelledError as err:
            raise CircuitExecutionError(str(err), job_id=err.job_id) from err
        return list(result.measurements or [])
