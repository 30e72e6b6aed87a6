"""Hosted quantum computers and their calibration: the rules behind the discovery endpoints."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from qstation.qpu import views as arch
from qstation.qpu.calibration import CalibrationData, generate_calibration
from qstation.qpu.device import DeviceSpec
from qstation.qpu.drift import drift_calibration, drift_seed
from qstation.qpu.registry import UnknownDeviceError, get_device
from qstation.server.errors import BadRequest, Conflict, NotFound
from qstation.store.orm import CalibrationSetRow, QuantumComputerRow
from qstation.store.repositories import QuantumComputerRepository

if TYPE_CHECKING:
    from qstation.server.iqm.station import StationArtifacts

_QC_NAMESPACE = uuid.UUID("6f1c2a7e-1d0b-4c43-9a57-3f0c1e5b7d21")


@dataclass(frozen=True)
class Calibration:
    """One immutable calibration set of a quantum computer, with its derived views."""

    id: str
    qc: str
    spec: DeviceSpec
    data: CalibrationData
    created_at: float
    retired: bool

    @cached_property
    def dqa_json(self) -> bytes:
        return arch.dynamic_architecture(self.spec, self.id, self.data).model_dump_json().encode()

    @cached_property
    def set_json(self) -> bytes:
        obs = arch.calibration_set(
            self.spec, self.id, self.data, self.created_at, extra=self.station.observations
        )
        return obs.model_dump_json().encode()

    @cached_property
    def metrics_json(self) -> bytes:
        obs = arch.quality_metrics(self.spec, self.id, self.data, self.created_at)
        return obs.model_dump_json().encode()

    @cached_property
    def station(self) -> StationArtifacts:
        """The pulse-level station artifacts of this calibration set."""
        # Imported on first use: IQM's packages take a while to import, and a server that
        # is only asked for circuits never needs them.
        from qstation.server.iqm.station import StationArtifacts

        return StationArtifacts(self.spec, self.data)


@dataclass(frozen=True)
class QuantumComputerInfo:
    """A snapshot of a hosted quantum computer's row (safe to cache across sessions)."""

    alias: str
    id: str
    display_name: str
    device: str
    status: str
    default_calibration_set_id: str | None
    created_at: float

    @classmethod
    def of(cls, row: QuantumComputerRow) -> QuantumComputerInfo:
        return cls(row.alias, row.id, row.display_name, row.device, row.status,
                   row.default_calibration_set_id, row.created_at)


def qc_uuid(alias: str) -> str:
    """The stable UUID of a quantum computer."""
    return str(uuid.uuid5(_QC_NAMESPACE, alias))


class DeviceService:
    """Looks up hosted quantum computers and calibration sets (immutable ones are cached).

    ``kept`` is how many of a quantum computer's newest calibration sets jobs may pin; older
    ones are retired (``0``: none is ever retired). Retirement is computed from the database
    when a job is submitted, so the per-process cache of immutable sets never goes stale.
    """

    def __init__(self, kept: int = 10, *, row_ttl_s: float = 1.0) -> None:
        self.kept = kept
        self._calibrations: dict[str, Calibration] = {}
        # Every request names its quantum computer, so its row (status, default calibration
        # set) is cached briefly: changes made through this process apply at once, changes
        # made by another process within ``row_ttl_s``.
        self.row_ttl_s = row_ttl_s
        self._rows: dict[str, tuple[float, QuantumComputerInfo]] = {}
        self._retired: dict[str, tuple[float, bool]] = {}

    def invalidate(self, alias: str | None = None) -> None:
        """Forget cached rows (of one quantum computer, or all).

        Writers call it when they change a row and again once their transaction has
        committed, since a read in between could cache the row as it was.
        """
        if alias is None:
            self._rows.clear()
        else:
            self._rows.pop(alias, None)
        self._retired.clear()

    async def bootstrap(self, session: AsyncSession, names: list[str]) -> None:
        """Host the devices ``names``, publishing a first calibration set for new ones."""
        repo = QuantumComputerRepository(session)
        for name in names:
            try:
                spec = get_device(name)
            except UnknownDeviceError as err:
                raise BadRequest(str(err)) from err
            if await repo.get(name) is not None:
                continue
            now = time.time()
            await repo.add(
                QuantumComputerRow(
                    alias=name, id=qc_uuid(name), display_name=spec.display_name, device=name,
                    status="online", created_at=now,
                )
            )
            first = generate_calibration(spec, spec.calibration_seed)
            await self.publish_calibration(session, name, first)

    async def publish_calibration(
        self, session: AsyncSession, qc: str, data: CalibrationData
    ) -> str:
        """Store a new calibration set and make it the default; returns its id."""
        row = CalibrationSetRow(
            id=str(uuid.uuid4()), quantum_computer=qc, created_at=time.time(),
            data=data.to_json(), retired=False,
        )
        await QuantumComputerRepository(session).add_calibration(row, make_default=True)
        self.invalidate(qc)
        return row.id

    async def list(self, session: AsyncSession) -> list[QuantumComputerRow]:
        return list(await QuantumComputerRepository(session).list())

    async def get(self, session: AsyncSession, alias: str) -> QuantumComputerInfo:
        """A hosted quantum computer (possibly up to ``row_ttl_s`` old).

        Raises:
            NotFound: no such quantum computer.
        """
        cached = self._rows.get(alias)
        if cached is not None and time.monotonic() - cached[0] < self.row_ttl_s:
            return cached[1]
        repo = QuantumComputerRepository(session)
        row = await repo.get(alias)
        if row is None:  # name the hosted ones, as the user's next step is to pick one
            hosted = ", ".join(sorted(r.alias for r in await repo.list())) or "none"
            raise NotFound(
                f"quantum computer {alias!r} not found; hosted here: {hosted}",
                error_code="QC_NOT_FOUND",
            )
        info = QuantumComputerInfo.of(row)
        self._rows[alias] = (time.monotonic(), info)
        return info

    async def calibration(self, session: AsyncSession, alias: str, cal: str) -> Calibration:
        """Calibration set ``cal`` (a UUID or ``default``) of quantum computer ``alias``.

        Raises:
            NotFound: no such quantum computer or calibration set.
        """
        qc = await self.get(session, alias)
        cal_id = qc.default_calibration_set_id if cal == "default" else _uuid(cal)
        if cal_id in self._calibrations:
            return self._calibrations[cal_id]
        row = await QuantumComputerRepository(session).get_calibration(alias, cal_id or "")
        if row is None:
            raise NotFound(
                f"calibration set {cal} not found for quantum computer {alias!r}",
                error_code="CALIBRATION_SET_NOT_FOUND",
            )
        loaded = Calibration(
            id=row.id, qc=alias, spec=get_device(qc.device),
            data=CalibrationData.from_json(row.data), created_at=row.created_at,
            retired=row.retired,
        )
        self._calibrations[row.id] = loaded
        return loaded

    async def runnable_calibration(self, session: AsyncSession, alias: str, cal: str
                                   ) -> Calibration:
        """Like :meth:`calibration`, refusing retired sets (jobs cannot run on them)."""
        found = await self.calibration(session, alias, cal)
        if cal != "default" and (found.retired or await self.is_retired(session, found)):
            raise Conflict(
                f"calibration set {found.id} of {alias!r} is retired: only the newest "
                f"{self.kept} sets can be used; submit with the default set instead",
                error_code="CALIBRATION_SET_RETIRED",
            )
        return found

    async def is_retired(self, session: AsyncSession, cal: Calibration) -> bool:
        """Whether ``cal`` is older than the newest :attr:`kept` sets of its computer."""
        if self.kept <= 0:
            return False
        cached = self._retired.get(cal.id)
        if cached is not None and time.monotonic() - cached[0] < self.row_ttl_s:
            return cached[1]
        stmt = (
            select(CalibrationSetRow.id)
            .where(CalibrationSetRow.quantum_computer == cal.qc)
            .order_by(CalibrationSetRow.created_at.desc())
            .limit(self.kept)
        )
        retired = cal.id not in set((await session.scalars(stmt)).all())
        self._retired[cal.id] = (time.monotonic(), retired)
        return retired

    async def recalibrate(self, session: AsyncSession, qc: str) -> str:
        """Publish a new calibration set drifted from the current default; returns its id.

        The new set becomes the default, and sets beyond the newest :attr:`kept` are marked
        retired in the database (listings show it; job checks compute it anyway).
        """
        current = await self.calibration(session, qc, "default")
        data = drift_calibration(current.data, drift_seed(current.id))
        new_id = await self.publish_calibration(session, qc, data)
        if self.kept > 0:
            rows = await QuantumComputerRepository(session).list_calibrations(qc)
            old = [r.id for r in rows[: max(len(rows) - self.kept, 0)] if not r.retired]
            if old:
                await session.execute(
                    update(CalibrationSetRow).where(CalibrationSetRow.id.in_(old))
                    .values(retired=True)
                )
        return new_id

    async def recalibrate_if_due(self, session: AsyncSession, qc: str, every_s: float
                                 ) -> str | None:
        """Recalibrate ``qc`` when its newest set is older than ``every_s`` seconds.

        Safe with several API processes: the quantum computer's row is locked first (on
        PostgreSQL; SQLite serialises writers anyway), so only one of them publishes.
        """
        await session.execute(
            select(QuantumComputerRow.alias).where(QuantumComputerRow.alias == qc)
            .with_for_update()
        )
        newest = await session.scalar(
            select(CalibrationSetRow.created_at)
            .where(CalibrationSetRow.quantum_computer == qc)
            .order_by(CalibrationSetRow.created_at.desc()).limit(1)
        )
        if newest is not None and time.time() - newest < every_s:
            return None
        return await self.recalibrate(session, qc)

    async def calibration_rows(self, session: AsyncSession, qc: str
                               ) -> Sequence[tuple[CalibrationSetRow, bool]]:
        """Every calibration set of ``qc``, oldest first, with whether it is retired now."""
        await self.get(session, qc)
        rows = list(await QuantumComputerRepository(session).list_calibrations(qc))
        cut = max(len(rows) - self.kept, 0) if self.kept > 0 else 0
        return [(r, r.retired or i < cut) for i, r in enumerate(rows)]


def _uuid(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise NotFound(
            f"calibration set {text!r} not found: not a UUID or 'default'",
            error_code="CALIBRATION_SET_NOT_FOUND",
        ) from None
