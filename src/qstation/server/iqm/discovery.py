"""IQM Server API v1: quantum computers, health, about, architectures and calibration."""

from __future__ import annotations

from fastapi import APIRouter, Response

from qstation import __version__
from qstation.qpu.views import static_architecture
from qstation.schemas.iqm_v1 import Dut, QuantumComputer, QuantumComputerList
from qstation.server.deps import PrincipalDep, StateDep, unit_of_work
from qstation.server.devices.service import qc_uuid
from qstation.server.errors import NotFound
from qstation.server.iqm.station import station_software_versions

router = APIRouter()
JSON = "application/json"
PROTOBUF = "application/protobuf"
YAML = "application/yaml"


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
            QuantumComputer(
                id=r.id, alias=r.alias, display_name=r.display_name, proxy_path=f"station/{r.alias}"
            )
            for r in rows
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
        cal = await state.devices.calibration(session, qc, "default")
    about = _about()
    versions = {**about["software_versions"], **station_software_versions()}  # type: ignore[dict-item]
    return {
        **about,
        "software_versions": versions,
        "device": row.device,
        "id": qc_uuid(qc),
        "dut_label": cal.spec.dut_label,
        "job_types": ["circuit", "run", "sweep"],
        "station": cal.station.summary,
    }


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


@router.get("/api/v1/quantum-computers/{qc}/artifacts/settings")
async def station_settings(qc: str, state: StateDep, _: PrincipalDep) -> Response:
    """The station's settings tree (IQM ``SettingNode``, protobuf)."""
    async with unit_of_work(state) as session:
        cal = await state.devices.calibration(session, qc, "default")
    return Response(cal.station.settings_pb, media_type=PROTOBUF)


@router.get("/api/v1/quantum-computers/{qc}/artifacts/channel-properties")
async def channel_properties(qc: str, state: StateDep, _: PrincipalDep) -> Response:
    """Sample rate, granularity and instruction set of every channel (protobuf)."""
    async with unit_of_work(state) as session:
        cal = await state.devices.calibration(session, qc, "default")
    return Response(cal.station.channel_properties_pb, media_type=PROTOBUF)


@router.get("/api/v1/quantum-computers/{qc}/artifacts/chip-design-records")
async def chip_design_records(qc: str, state: StateDep, _: PrincipalDep) -> Response:
    """The chip's design record: label, components and connections (a list of one)."""
    async with unit_of_work(state) as session:
        cal = await state.devices.calibration(session, qc, "default")
    return Response(cal.station.chip_design_records_json, media_type=JSON)


@router.get("/station/{qc}/exa/configuration", include_in_schema=False)
async def experiment_configuration(qc: str, state: StateDep, _: PrincipalDep) -> Response:
    """The experiment configuration (YAML), under the quantum computer's station proxy path."""
    async with unit_of_work(state) as session:
        cal = await state.devices.calibration(session, qc, "default")
    return Response(cal.station.experiment_configuration_yaml, media_type=YAML)


@router.get("/api/v1/quantum-computers/{qc}/artifacts/{artifact}")
async def unknown_artifact(qc: str, artifact: str, state: StateDep, _: PrincipalDep) -> None:
    """Any other artifact name: not one a station has."""
    async with unit_of_work(state) as session:
        await state.devices.get(session, qc)
    raise NotFound(f"quantum computer {qc!r} has no artifact {artifact!r}")


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
