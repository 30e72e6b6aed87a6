"""A Python client for QaaS servers, with the operations of ``qiboconnection``'s ``API``.

::

    from qstation.qaas import API

    api = API.login("alice", "qaas_1_...", url="http://127.0.0.1:8000/qaas")
    job_id = api.execute(circuit=qibo_circuit, nshots=1000, device_id=1)
    result = api.get_result(job_id)[0]      # None until the job has finished
    result.frequencies()                     # Counter({'00': 502, '11': 498})

Qibo is optional (``pip install qstation[qibo]``): circuits may also be OpenQASM 2 text.
"""

from qstation.qaas._errors import (
    APIError,
    AuthenticationError,
    Conflict,
    InvalidRequest,
    JobCancelled,
    JobFailed,
    JobTimeoutError,
    NotFound,
    PermissionDenied,
    QaasError,
    TransportError,
    UnsupportedJobType,
)
from qstation.qaas._models import Calibration, Job, JobData, Runcard
from qstation.qaas._results import CircuitResult
from qstation.qaas.api import API

__all__ = [
    "API",
    "APIError",
    "AuthenticationError",
    "Calibration",
    "CircuitResult",
    "Conflict",
    "InvalidRequest",
    "Job",
    "JobCancelled",
    "JobData",
    "JobFailed",
    "JobTimeoutError",
    "NotFound",
    "PermissionDenied",
    "QaasError",
    "Runcard",
    "TransportError",
    "UnsupportedJobType",
]
