"""Devices of the QaaS API: every hosted quantum computer, by integer id, with its status.

``online`` devices run jobs; a device in ``maintenance`` refuses new jobs and keeps its queue
(the worker claims jobs only of online machines); an ``offline`` device accepts jobs that wait
until it is back online. Only administrators change a device's status.
"""

from __future__ import annotations

from email.utils import formatdate
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from qstation.qpu.registry import get_device
from qstation.schemas.qaas_v1 import Device, DeviceStatus, DeviceType
from qstation.server.deps import AppState, unit_of_work
from qstation.server.errors import Conflict, NotFound
from qstation.server.qaas.errors import device_not_found
from qstation.server.qaas.identity import Caller, require_admin
from qstation.store.orm import QuantumComputerRow
from qstation.store.qaas_repositories import QaasDeviceRepository


def http_date(ts: float | None) -> str | None:
    """An RFC 1123 date, as QaaS servers write timestamps."""
    return None if ts is None else formatdate(ts, usegmt=True)


class DeviceCatalog:
    """Lists, looks up and changes the status of devices."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    async def ids(self, session: AsyncSession, *, writing: bool = False) -> dict[str, int]:
        """Integer id of every hosted quantum computer (handed out on first sight).

        New ids are written in ``session`` when it is a write unit (``writing``), else in a
        write unit of their own.
        """
        aliases = [r.alias for r in await self.state.devices.list(session)]
        known = await QaasDeviceRepository(session).ids()
        if all(a in known for a in aliases):
            return known
        if writing:
            return await QaasDeviceRepository(session).ensure(aliases)
        async with unit_of_work(self.state, write=True) as writer:
            return await QaasDeviceRepository(writer).ensure(aliases)

    async def resolve(
        self, session: AsyncSession, device_id: int, *, writing: bool = False
    ) -> QuantumComputerRow:
        """The quantum computer of ``device_id``.

        Raises:
            NotFound: no such device (with the "does not exist" wording clients expect).
        """
        ids = await self.ids(session, writing=writing)
        alias = next((a for a, i in ids.items() if i == device_id), None)
        row = None if alias is None else await QaasDeviceRepository(session).qc(alias)
        if row is None:
            raise NotFound(device_not_found(device_id))
        return row

    async def list(self, session: AsyncSession) -> list[dict[str, Any]]:
        rows = await self.state.devices.list(session)
        ids = await self.ids(session)
        waiting = await QaasDeviceRepository(session).waiting_counts()
        return [await self._view(session, r, ids[r.alias], waiting) for r in rows]

    async def get(self, session: AsyncSession, device_id: int) -> dict[str, Any]:
        row = await self.resolve(session, device_id)
        waiting = await QaasDeviceRepository(session).waiting_counts()
        return await self._view(session, row, device_id, waiting)

    async def set_status(
        self, session: AsyncSession, caller: Caller, device_id: int, status: DeviceStatus
    ) -> dict[str, Any]:
        """Change a device's status (administrators only)."""
        require_admin(caller, "change the status of a device")
        row = await self.resolve(session, device_id, writing=True)
        await QaasDeviceRepository(session).set_status(row.alias, status.value)
        self.state.devices.invalidate(row.alias)
        await session.refresh(row)
        return await self.get(session, device_id)

    async def accepting(self, session: AsyncSession, device_id: int) -> QuantumComputerRow:
        """The device, if it takes new jobs.

        Raises:
            NotFound: no such device.
            Conflict: it is in maintenance.
        """
        row = await self.resolve(session, device_id)
        if row.status == DeviceStatus.MAINTENANCE:
            raise Conflict(
                f"Device {device_id} ({row.alias}) is in maintenance and accepts no new jobs; "
                f"jobs already queued are kept and run when an administrator sets it online"
            )
        return row

    async def _view(
        self,
        session: AsyncSession,
        row: QuantumComputerRow,
        device_id: int,
        waiting: dict[str, int],
    ) -> dict[str, Any]:
        spec = get_device(row.device)
        cal = await self.state.devices.calibration(session, row.alias, "default")
        family = str(spec.extra.get("family", ""))
        device = Device(
            id=device_id,
            name=row.alias,
            status=row.status,
            type=DeviceType.SIMULATOR if family == "simulator" else DeviceType.QUANTUM_DIGITAL,
            number_pending_jobs=waiting.get(row.alias, 0),
            static_features={
                "display_name": row.display_name,
                "device": row.device,
                "family": family or None,
                "qubits": len(spec.qubits),
                "computational_resonators": list(spec.computational_resonators),
                "couplers": len(spec.couplers),
                "native_gates": sorted(spec.gates),
                "max_shots": min(spec.max_shots, self.state.settings.max_shots),
                "max_circuits": min(spec.max_circuits, self.state.settings.max_circuits),
                "digital_twin": True,
            },
            dynamic_features={
                "calibration_set_id": cal.id,
                "last_calibration_time": http_date(cal.created_at),
                "iqm_quantum_computer_id": row.id,
            },
        )
        return device.model_dump()
