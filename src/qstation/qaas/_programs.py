"""What :meth:`API.execute` sends, and what :meth:`API.get_result` hands back."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

from qstation.qaas._errors import JobCancelled, JobFailed
from qstation.qaas._models import JobData
from qstation.schemas.qaas_v1 import JobStatus, JobType, compress


def describe(circuit: Any, qprogram: Any, anneal: Any, vqa: Any) -> tuple[str, JobType]:
    """The description envelope and job type of exactly one program."""
    given = [x is not None for x in (circuit, qprogram, anneal, vqa)]
    if sum(given) != 1:
        raise ValueError("give exactly one of circuit, qprogram, anneal_program_args and vqa")
    if circuit is not None:
        circuits = circuit if isinstance(circuit, list | tuple) else [circuit]
        return compress([_qasm(c) for c in circuits]), JobType.CIRCUIT
    if qprogram is not None:
        return compress(qprogram), JobType.QPROGRAM
    if anneal is not None:
        return compress(anneal), JobType.ANNEALING_PROGRAM
    spec = asdict(vqa) if is_dataclass(vqa) and not isinstance(vqa, type) else dict(vqa)
    body = spec.pop("vqa_dict", {})
    spec.setdefault("optimizer_params", {})
    return compress(body, **spec), JobType.VQA


def _qasm(circuit: Any) -> str:
    if isinstance(circuit, str):
        return circuit
    to_qasm = getattr(circuit, "to_qasm", None)
    if to_qasm is None:
        raise TypeError(f"cannot send a {type(circuit).__name__}: give a qibo.Circuit or QASM")
    return str(to_qasm())


def result_of(job: JobData) -> Any:
    """A job's result; raises for a failed or cancelled job."""
    if job.status == JobStatus.ERROR:
        raise JobFailed(job.job_id, job.error or "no reason given")
    if job.status == JobStatus.CANCELLED:
        raise JobCancelled(job.job_id)
    return job.result
