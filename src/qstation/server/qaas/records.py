"""Runcards and calibrations: named documents that members keep for a device.

Both kinds share the rules; they differ only in table, id key and body field. The body is
stored exactly as received (URL-safe base64) after checking that it decodes: a runcard to a
JSON object, a calibration to text. Members and administrators share every record; the stored
``user_id`` is the caller's, whatever the request says.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from qstation.schemas.qaas_v1 import (
    CalibrationRead,
    CalibrationWrite,
    EnvelopeError,
    RuncardRead,
    RuncardWrite,
    b64_decode_text,
)
from qstation.server.errors import NotFound
from qstation.server.qaas.devices import DeviceCatalog, http_date
from qstation.server.qaas.errors import Unprocessable
from qstation.server.qaas.identity import Caller, require_member
from qstation.store.qaas_orm import QaasCalibrationRow, QaasRuncardRow
from qstation.store.qaas_repositories import RecordRepository

RecordWrite = RuncardWrite | CalibrationWrite


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: its name, table, body field and wire models."""

    name: str
    model: type[QaasRuncardRow] | type[QaasCalibrationRow]
    body_field: str
    write: type[RuncardWrite] | type[CalibrationWrite]
    read: type[RuncardRead] | type[CalibrationRead]
    body_is_json: bool

    @property
    def title(self) -> str:
        return self.name.capitalize()


RUNCARDS = RecordKind("runcard", QaasRuncardRow, "runcard", RuncardWrite, RuncardRead, True)
CALIBRATIONS = RecordKind(
    "calibration", QaasCalibrationRow, "calibration", CalibrationWrite, CalibrationRead, False
)


class Records:
    """Create, read, list, update and delete records of one kind (members only)."""

    def __init__(self, kind: RecordKind, devices: DeviceCatalog) -> None:
        self.kind = kind
        self.devices = devices

    def _repo(self, session: AsyncSession) -> RecordRepository[Any]:
        return RecordRepository(session, self.kind.model)

    async def create(
        self, session: AsyncSession, caller: Caller, body: RecordWrite
    ) -> dict[str, Any]:
        require_member(caller, f"keep {self.kind.name}s")
        await self._check(session, body)
        now = time.time()
        row = self.kind.model(**self._columns(caller, body), created_at=now, updated_at=now)
        await self._repo(session).add(row)
        return self.view(row)

    async def get(self, session: AsyncSession, caller: Caller, record_id: int) -> dict[str, Any]:
        require_member(caller, f"read {self.kind.name}s")
        return self.view(await self._find(session, record_id))

    async def by_name(self, session: AsyncSession, caller: Caller, name: str) -> dict[str, Any]:
        """The most recently updated record called ``name``."""
        require_member(caller, f"read {self.kind.name}s")
        row = await self._repo(session).latest_named(name)
        if row is None:
            raise NotFound(f"{self.kind.title} named {name!r} does not exist")
        return self.view(row)

    async def page(
        self, session: AsyncSession, caller: Caller, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        require_member(caller, f"list {self.kind.name}s")
        rows, total = await self._repo(session).page(offset, limit)
        return [self.view(r) for r in rows], total

    async def update(
        self, session: AsyncSession, caller: Caller, record_id: int, body: RecordWrite
    ) -> dict[str, Any]:
        require_member(caller, f"update {self.kind.name}s")
        row = await self._find(session, record_id)
        await self._check(session, body)
        for column, value in self._columns(caller, body).items():
            setattr(row, column, value)
        row.updated_at = time.time()
        await session.flush()
        return self.view(row)

    async def delete(self, session: AsyncSession, caller: Caller, record_id: int) -> None:
        require_member(caller, f"delete {self.kind.name}s")
        if not await self._repo(session).delete(record_id):
            raise NotFound(self._missing(record_id))

    async def _find(self, session: AsyncSession, record_id: int) -> Any:
        row = await self._repo(session).get(record_id)
        if row is None:
            raise NotFound(self._missing(record_id))
        return row

    def _missing(self, record_id: int) -> str:
        return f"{self.kind.title} {record_id} does not exist"

    async def _check(self, session: AsyncSession, body: RecordWrite) -> None:
        await self.devices.resolve(session, body.device_id, writing=True)
        encoded = getattr(body, self.kind.body_field)
        try:
            text = b64_decode_text(encoded)
            if self.kind.body_is_json and not isinstance(json.loads(text), dict):
                raise EnvelopeError("not a JSON object")
        except (EnvelopeError, ValueError) as err:
            what = "base64 of a JSON object" if self.kind.body_is_json else "base64 text"
            raise Unprocessable(f"{self.kind.body_field} must be URL-safe {what}: {err}") from err

    def _columns(self, caller: Caller, body: RecordWrite) -> dict[str, Any]:
        data = body.model_dump()
        return {
            "name": data["name"],
            "device_id": data["device_id"],
            "user_id": caller.user_id,
            "description": data["description"],
            "qililab_version": data["qililab_version"],
            "body": data[self.kind.body_field],
        }

    def view(self, row: Any) -> dict[str, Any]:
        """The wire object of a stored record."""
        read = self.kind.read.model_validate(
            {
                f"{self.kind.name}_id": row.id,
                "name": row.name,
                "device_id": row.device_id,
                "user_id": row.user_id,
                "description": row.description,
                "qililab_version": row.qililab_version,
                self.kind.body_field: row.body,
                "created_at": http_date(row.created_at),
                "updated_at": http_date(row.updated_at),
            }
        )
        return read.model_dump()
