"""IQM Server API v1: quantum computers, health, about, architectures and calibration."""

from __future__ import annotations

from fastapi import APIRouter, Response

from qstation import __version__
from qstation.qpu.views import static_architecture
from qstation.schemas.iqm_v1 import Dut, QuantumComputer, QuantumComputerList
from qstation.server.deps import PrincipalDep, StateDep, unit_of_work
from qstation.server.devices.service import qc_uuid
from qstation.server.errors import NotImplementedOnTwin

router = APIRouter()
JSON = "application/json"


def _about() -> dict[str, object]:
    return {
        "server": "qstation",
        "version": __version__,
        "software_versions": {"qstation": __version__, "iqm-server-api": "v1"},
    }


@router.get("/about", include_in_schema=False)
@router.get("/api/v1/about")
async def about() -> dict[str, object]:
    """What this server is."""
    return _about()


@router.get("/api/v1/quantum-computers", response_model=QuantumComputerList)
async def list_quantum_computers(state: StateDep, _: PrincipalDep) -> QuantumComputerList:
    """Every hosted quantum computer."""
    async with unit_of_work(state) as session:
        rows = await state.devices.list(session)
    return QuantumComputerList(
        quantum_computers=[
            QuantumComputer(id=r.id, alias=r.alias, display_name=r.display_name) for r in rows
        ]
    )


@router.get("/api/v1/quantum-computers/{qc}/health")
async def health(qc: str, state: StateDep, _: PrincipalDep) -> dict[str, object]:
    """Whether the quantum computer accepts and runs jobs."""
    async with unit_of_work(state) as session:
        row = await state.devices.get(session, qc)
    return {"status": "healthy" if row.status == "online" else row.status, "alias": qc}


@router.get("/api/v1/quantum-computers/{qc}/artifacts/about")
async def qc_about(qc: str, state: StateDep, _: PrincipalDep) -> dict[str, object]:
    """Software versions of the quantum computer's control stack."""
    async with unit_of_work(state) as session:
        row = await state.devices.get(session, qc)
    return {**_about(), "device": row.device, "id": qc_uuid(qc)}


@router.get("/api/v1/quantum-computers/{qc}/artifacts/static-quantum-architectures")
async def static_architectures(qc: str, state: StateDep, _: PrincipalDep) -> Response:
    """The chip's components and couplings (a list with one entry)."""
    async with unit_of_work(state) as session:
        cal = await state.devices.calibration(session, qc, "default")
    body = "[" + static_architecture(cal.spec).model_dump_json() + "]"
    return Response(body, media_type=JSON)


@router.get("/api/v1/quantum-computers/{qc}/artifacts/duts")
async def duts(qc: str, state: StateDep, _: PrincipalDep) -> list[Dut]:
    """The devices under test (one chip)."""
    async with unit_of_work(state) as session:
        cal = await state.devices.calibration(session, qc, "default")
    return [Dut(label=cal.spec.dut_label, dut_type="chip")]


@router.get("/api/v1/quantum-computers/{qc}/artifacts/{artifact}")
async def pulse_level_artifact(qc: str, artifact: str, state: StateDep, _: PrincipalDep) -> None:
    """Pulse-level artifacts (settings, channel properties, chip design records)."""
    async with unit_of_work(state) as session:
        await state.devices.get(session, qc)
    raise NotImplementedOnTwin(
        f"artifact {artifact!r} is a pulse-level resource; the simulated quantum computer "
        f"{qc!r} offers circuit-level access only"
    )


@router.get("/api/v1/calibration-sets/{qc}/{cal}/dynamic-quantum-architecture")
async def dynamic_architecture(qc: str, cal: str, state: StateDep, _: PrincipalDep) -> Response:
    """The gates calibrated in a calibration set (``default`` or a UUID)."""
    async with unit_of_work(state) as session:
        found = await state.devices.calibration(session, qc, cal)
    return Response(found.dqa_json, media_type=JSON)


@router.get("/api/v1/calibration-sets/{qc}/{cal}")
async def calibration_set(qc: str, cal: str, state: StateDep, _: PrincipalDep) -> Response:
    """A calibration set's observations."""
    async with unit_of_work(state) as session:
        found = await state.devices.calibration(session, qc, cal)
    return Response(found.set_json, media_type=JSON)


@router.get("/api/v1/calibration-sets/{qc}/{cal}/metrics")
async def quality_metrics(qc: str, cal: str, state: StateDep, _: PrincipalDep) -> Response:
    """The quality metric set that describes a calibration set."""
    async with unit_of_work(state) as session:
        found = await state.devices.calibration(session, qc, cal)
    return Response(found.metrics_json, media_type=JSON)
