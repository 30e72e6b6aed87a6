"""Wire models of the QaaS API v1 (the protocol of ``qiboconnection``), shared by the server
and :mod:`qstation.qaas`. Pure pydantic and standard-library codecs; no I/O."""

from qstation.schemas.qaas_v1.accounts import (
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyRead,
    QaasUser,
    RoleUpdate,
)
from qstation.schemas.qaas_v1.auth import GRANT_TYPE, Assertion, TokenRequest, TokenResponse
from qstation.schemas.qaas_v1.codec import (
    EnvelopeError,
    b64_decode_text,
    b64_encode_text,
    compress,
    decompress,
    open_envelope,
)
from qstation.schemas.qaas_v1.devices import Device, DeviceStatus, DeviceStatusUpdate, DeviceType
from qstation.schemas.qaas_v1.errors import ErrorBody
from qstation.schemas.qaas_v1.jobs import (
    FINISHED,
    JobCancel,
    JobCreate,
    JobCreated,
    JobListItem,
    JobRead,
    JobStatus,
    JobType,
)
from qstation.schemas.qaas_v1.pagination import NO_PAGE, Links, Page
from qstation.schemas.qaas_v1.records import (
    CalibrationRead,
    CalibrationWrite,
    RuncardRead,
    RuncardWrite,
)
from qstation.schemas.qaas_v1.results import CircuitResultData
from qstation.schemas.qaas_v1.users import Role, UserRead

__all__ = [
    "FINISHED",
    "GRANT_TYPE",
    "NO_PAGE",
    "ApiKeyCreate",
    "ApiKeyIssued",
    "ApiKeyRead",
    "Assertion",
    "CalibrationRead",
    "CalibrationWrite",
    "CircuitResultData",
    "Device",
    "DeviceStatus",
    "DeviceStatusUpdate",
    "DeviceType",
    "EnvelopeError",
    "ErrorBody",
    "JobCancel",
    "JobCreate",
    "JobCreated",
    "JobListItem",
    "JobRead",
    "JobStatus",
    "JobType",
    "Links",
    "Page",
    "QaasUser",
    "Role",
    "RoleUpdate",
    "RuncardRead",
    "RuncardWrite",
    "TokenRequest",
    "TokenResponse",
    "UserRead",
    "b64_decode_text",
    "b64_encode_text",
    "compress",
    "decompress",
    "open_envelope",
]
