"""QaaS API v1 routes of runcards and calibrations (members and administrators)."""

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from qstation.schemas.qaas_v1 import CalibrationWrite, RuncardWrite
from qstation.server.deps import StateDep, unit_of_work
from qstation.server.guard import RowId
from qstation.server.qaas.devices import DeviceCatalog
from qstation.server.qaas.errors import PREFIX
from qstation.server.qaas.identity import CallerDep
from qstation.server.qaas.pagination import PageRequest
from qstation.server.qaas.records import CALIBRATIONS, RUNCARDS, RecordKind, Records

router = APIRouter(prefix=f"{PREFIX}/api/v1")


def _records(state: Any, kind: RecordKind) -> Records:
    return Records(kind, DeviceCatalog(state))


def _routes(kind: RecordKind, path: str, write: Any) -> None:
    # ``by_keys`` is registered before ``{id}`` so that it is not read as an id.

    async def create(body: write, state: StateDep, caller: CallerDep) -> JSONResponse:
        async with unit_of_work(state, write=True) as session:
            view = await _records(state, kind).create(session, caller, body)
        return JSONResponse(view, status_code=201)

    async def by_keys(name: str, state: StateDep, caller: CallerDep) -> dict[str, Any]:
        async with unit_of_work(state) as session:
            return await _records(state, kind).by_name(session, caller, name)

    async def listing(request: Request, state: StateDep, caller: CallerDep) -> dict[str, Any]:
        page = PageRequest(request, state.settings.qaas_page_size)
        async with unit_of_work(state) as session:
            items, total = await _records(state, kind).page(
                session, caller, page.offset, page.per_page
            )
        return page.envelope(items, total)

    async def get(record_id: RowId, state: StateDep, caller: CallerDep) -> dict[str, Any]:
        async with unit_of_work(state) as session:
            return await _records(state, kind).get(session, caller, record_id)

    async def update(
        record_id: RowId,
        body: write,
        state: StateDep,
        caller: CallerDep,
    ) -> dict[str, Any]:
        async with unit_of_work(state, write=True) as session:
            return await _records(state, kind).update(session, caller, record_id, body)

    async def delete(record_id: RowId, state: StateDep, caller: CallerDep) -> Response:
        async with unit_of_work(state, write=True) as session:
            await _records(state, kind).delete(session, caller, record_id)
        return Response(status_code=204)

    name = kind.name
    router.add_api_route(path, create, methods=["POST"], status_code=201, summary=f"Store a {name}")
    router.add_api_route(
        f"{path}/by_keys", by_keys, methods=["GET"], summary=f"The latest {name} of a name"
    )
    router.add_api_route(path, listing, methods=["GET"], summary=f"Every {name}, paginated")
    router.add_api_route(f"{path}/{{record_id}}", get, methods=["GET"], summary=f"One {name}")
    router.add_api_route(
        f"{path}/{{record_id}}", update, methods=["PUT"], summary=f"Replace a {name}"
    )
    router.add_api_route(
        f"{path}/{{record_id}}",
        delete,
        methods=["DELETE"],
        status_code=204,
        summary=f"Delete a {name}",
    )


_routes(RUNCARDS, "/runcards", RuncardWrite)
_routes(CALIBRATIONS, "/calibrations", CalibrationWrite)
