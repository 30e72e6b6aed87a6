"""Qiskit backends for qstation quantum computers: on a server (:class:`IQMBackend`) or local."""

from __future__ import annotations

import warnings
from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from importlib.metadata import version
from typing import Any

from qiskit.circuit import Parameter, QuantumCircuit
from qiskit.providers import BackendV2, Options
from qiskit.transpiler import Target

from qstation import heap
from qstation.adapters.qiskit._convert import creg_layout, to_native
from qstation.adapters.qiskit._result import Experiment
from qstation.adapters.qiskit.job import IQMJob
from qstation.adapters.qiskit.target import Architecture
from qstation.client import IQMClient, Job
from qstation.schemas.iqm_v1 import CircuitJobRequest

#: Options forwarded to the SDK's ``run`` (the rest are the adapter's own).
_REQUEST_OPTIONS = ("shots", "max_circuit_duration_over_t2", "heralding_mode",
                    "move_gate_validation", "active_reset_cycles")
ParameterBinds = Sequence[Mapping[Parameter, Sequence[float]]]


class IQMBackendBase(BackendV2):  # type: ignore[misc]
    """What remote and local qstation backends share: the target, options and ``run``.

    Args:
        architecture: the calibration set's operations and figures.
        max_circuits: the most circuits one job may hold (None: not known).
        **kwargs: passed to :class:`~qiskit.providers.BackendV2` (``name``, ``provider``, ...).
    """

    def __init__(
        self, architecture: Architecture, *, max_circuits: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(backend_version=version("qstation"), **kwargs)
        self.architecture = architecture
        self._max_circuits = max_circuits

    @cached_property
    def _target(self) -> Target:
        return self.architecture.target()

    @property
    def target(self) -> Target:
        """The target the transpiler works with (fictional CZs on resonator devices)."""
        return self._target

    @cached_property
    def target_with_resonators(self) -> Target:
        """The target with computational resonators as qubits and the native ``move``."""
        return self.architecture.target(with_resonators=True)

    @property
    def max_circuits(self) -> int | None:
        """The most circuits one job may hold, if known."""
        return self._max_circuits

    @property
    def physical_qubits(self) -> list[str]:
        """Qubit names, in Qiskit index order."""
        return list(self.architecture.qubits)

    def qubit_name_to_index(self, name: str) -> int:
        """The Qiskit index of a qubit (or resonator) name."""
        return self.architecture.index[name]

    def index_to_qubit_name(self, index: int) -> str:
        """The name of the qubit (or resonator) with a Qiskit index."""
        return (self.architecture.qubits + self.architecture.resonators)[index]

    @classmethod
    def _default_options(cls) -> Options:
        options = Options(
            shots=1024, calibration_set_id=None, max_circuit_duration_over_t2=None,
            heralding_mode="none", timeout_seconds=None, parameter_binds=None,
        )
        options.set_validator("shots", (1, 1_000_000))
        options.set_validator("heralding_mode", ["none", "zeros"])
        return options

    def run(self, run_input: QuantumCircuit | Iterable[QuantumCircuit], **options: Any) -> IQMJob:
        """Submit transpiled circuits and return their (submitted) job.

        Args:
            run_input: a circuit or a list of circuits on this backend's physical qubits.
            **options: override :meth:`_default_options`: ``shots``,
                ``max_circuit_duration_over_t2``, ``heralding_mode`` (``"none"`` or
                ``"zeros"``), ``timeout_seconds`` (of ``result``), ``parameter_binds`` (one
                ``{parameter: [values]}`` per circuit; each set of values makes a circuit).

        Raises:
            ValueError: an unknown option, an unbound parameter or a non-native gate.
        """
        unknown = set(options) - set(self.options.__dict__) - {"move_gate_validation",
                                                                "active_reset_cycles"}
        if unknown:
            raise ValueError(f"unknown run options: {sorted(unknown)}")
        merged = {**self.options.__dict__, **options}
        circuits = [run_input] if isinstance(run_input, QuantumCircuit) else list(run_input)
        circuits = bind_parameters(circuits, merged.pop("parameter_binds"))
        with heap.paused():
            native = [to_native(c, self.architecture) for c in circuits]
        experiments = [Experiment(c.name, creg_layout(c), dict(c.metadata or {}))
                       for c in circuits]
        request = {k: merged[k] for k in _REQUEST_OPTIONS if merged.get(k) is not None}
        job = IQMJob(self, submitter=lambda: self._submit(native, request,
                                                          merged["calibration_set_id"]),
                     experiments=experiments, timeout_seconds=merged["timeout_seconds"])
        job.submit()
        return job

    @abstractmethod
    def _submit(
        self, circuits: list[dict[str, Any]], options: dict[str, Any],
        calibration_set_id: str | None,
    ) -> Job:
        """Send native circuits with request options; return the SDK job handle."""

    @abstractmethod
    def retrieve_job(self, job_id: str) -> IQMJob:
        """The job with this id, to follow or to read its results."""

    def _payload(self, job: Job) -> CircuitJobRequest:
        """The request of a job this process did not submit (to recover its registers)."""
        raise NotImplementedError

    def close_client(self) -> None:
        """Release the backend's connection (no-op for local backends)."""


def bind_parameters(
    circuits: list[QuantumCircuit], binds: ParameterBinds | None
) -> list[QuantumCircuit]:
    """Circuits with parameters bound: each ``{parameter: [values]}`` row fans a circuit out.

    Raises:
        ValueError: ``binds`` does not have one entry per circuit.
    """
    if not binds:
        return circuits
    if len(binds) != len(circuits):
        raise ValueError(f"parameter_binds has {len(binds)} entries for {len(circuits)} circuits")
    bound: list[QuantumCircuit] = []
    for circuit, bind in zip(circuits, binds, strict=True):
        rows = len(next(iter(bind.values()))) if bind else 1
        for i in range(rows):
            values = {p: v[i] for p, v in bind.items()}
            bound.append(circuit.assign_parameters(values, inplace=False))
    return bound


class IQMBackend(IQMBackendBase):
    """A quantum computer on a qstation (or IQM Server API v1) server, for Qiskit.

    Usually created by :meth:`IQMProvider.get_backend`.

    Args:
        client: the SDK client of the quantum computer.
        calibration_set_id: build the target from, and run with, this calibration set
            (default: the server's current default, checked again at every ``run``).
        use_metrics: read gate durations and quality metrics into the target.
        **kwargs: passed to :class:`IQMBackendBase`.
    """

    def __init__(
        self, client: IQMClient, *, calibration_set_id: str | None = None,
        use_metrics: bool = True, **kwargs: Any,
    ) -> None:
        dqa = client.get_dynamic_quantum_architecture(calibration_set_id)
        cal_id = str(dqa.calibration_set_id)
        calset = client.get_calibration_set(cal_id) if use_metrics else None
        metrics = client.get_quality_metric_set(cal_id) if use_metrics else None
        kwargs.setdefault("name", client.quantum_computer)
        arch = Architecture.from_views(dqa, calset, metrics)
        arch.device = client.quantum_computer
        super().__init__(arch, **kwargs)
        self.client = client
        self._follows_default = calibration_set_id is None

    def _submit(
        self, circuits: list[dict[str, Any]], options: dict[str, Any],
        calibration_set_id: str | None,
    ) -> Job:
        cal = calibration_set_id or self.architecture.calibration_set_id
        if self._follows_default and calibration_set_id is None:
            current = str(self.client.get_dynamic_quantum_architecture().calibration_set_id)
            if current != cal:
                warnings.warn(
                    f"the server's default calibration set is now {current}; this backend was "
                    f"built for {cal} and keeps running with it (get a new backend to follow)",
                    UserWarning, stacklevel=4,
                )
        # The converter writes the wire form itself: no SDK models for it (IQMClient.run_json).
        return self.client.run_json(circuits, calibration_set_id=cal, **options)

    def retrieve_job(self, job_id: str) -> IQMJob:
        """A handle on a job of this quantum computer, submitted by any process.

        Raises:
            NotFoundError: no such job.
        """
        handle = self.client.job(job_id)
        handle.status()  # fails early for an unknown id
        return IQMJob(self, str(job_id), job=handle, timeout_seconds=self.options.timeout_seconds)

    def _payload(self, job: Job) -> CircuitJobRequest:
        return self.client.server.get_submit_circuits_payload(job.job_id)

    def close_client(self) -> None:
        """Close the SDK client's connections; the backend cannot run afterwards."""
        self.client.close()
