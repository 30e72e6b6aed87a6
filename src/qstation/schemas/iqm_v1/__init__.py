"""Wire models of IQM Server API v1, shared by the server and the SDK."""

from qstation.schemas.iqm_v1.architecture import (
    Dut,
    DynamicQuantumArchitecture,
    GateImplementation,
    GateInfo,
    Observation,
    ObservationSet,
    QuantumComputer,
    QuantumComputerList,
    StaticQuantumArchitecture,
)
from qstation.schemas.iqm_v1.circuits import (
    AcceptedCircuitJob,
    Circuit,
    CircuitJobOptions,
    CircuitJobRequest,
    Instruction,
    QubitMapping,
    load_accepted_job,
)
from qstation.schemas.iqm_v1.errors import ErrorBody
from qstation.schemas.iqm_v1.jobs import (
    RESULT_READY,
    TERMINAL,
    JobArtifactInfo,
    JobCompilation,
    JobData,
    JobMessage,
    JobStatus,
    MeasurementCounts,
    TimelineEntry,
)

__all__ = [
    "RESULT_READY",
    "TERMINAL",
    "AcceptedCircuitJob",
    "Circuit",
    "CircuitJobOptions",
    "CircuitJobRequest",
    "Dut",
    "DynamicQuantumArchitecture",
    "ErrorBody",
    "GateImplementation",
    "GateInfo",
    "Instruction",
    "JobArtifactInfo",
    "JobCompilation",
    "JobData",
    "JobMessage",
    "JobStatus",
    "MeasurementCounts",
    "Observation",
    "ObservationSet",
    "QuantumComputer",
    "QuantumComputerList",
    "QubitMapping",
    "StaticQuantumArchitecture",
    "TimelineEntry",
    "load_accepted_job",
]
