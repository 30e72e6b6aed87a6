"""Repositories of the QaaS API v1 tables (statements only; callers commit).

Integer ids are handed out on first use: :meth:`QaasUserRepository.ensure` and
:meth:`QaasDeviceRepository.ensure` insert in a savepoint and re-read on a lost race, so
concurrent API processes agree on one id.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from qstation.store.auth_orm import AuthTokenRow, UserRow
from qstation.store.orm import JobRow, QuantumComputerRow
from qstation.store.qaas_orm import (
    QaasApiKeyRow,
    QaasCalibrationRow,
    QaasDeviceRow,
    QaasFavouriteRow,
    QaasJobRow,
    QaasRuncardRow,
    QaasUserRow,
)

R = TypeVar("R", QaasRuncardRow, QaasCalibrationRow)
JOBS = JobRow.__table__


class QaasUserRepository:
    """Integer ids and roles of users, and their API keys."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> tuple[QaasUserRow, UserRow] | None:
        stmt = (
            select(QaasUserRow, UserRow)
            .join(UserRow, UserRow.username == QaasUserRow.username)
            .where(QaasUserRow.user_id == user_id)
        )
        found = (await self.session.execute(stmt)).first()
        return None if found is None else found.tuple()

    async def user(self, username: str) -> UserRow | None:
        return await self.session.get(UserRow, username)

    async def by_username(self, username: str) -> QaasUserRow | None:
        stmt = select(QaasUserRow).where(QaasUserRow.username == username)
        return (await self.session.scalars(stmt)).one_or_none()

    async def ensure(self, username: str) -> QaasUserRow:
        """The QaaS row of ``username``, created (role ``user``) if missing."""
        stmt = select(QaasUserRow).where(QaasUserRow.username == username)
        row = (await self.session.scalars(stmt)).one_or_none()
        if row is not None:
            return row
        try:
            async with self.session.begin_nested():
                row = QaasUserRow(username=username, role="user", created_at=time.time())
                self.session.add(row)
            return row
        except IntegrityError:
            return (await self.session.scalars(stmt)).one()

    async def ids_of(self, usernames: set[str]) -> dict[str, int]:
        stmt = select(QaasUserRow.username, QaasUserRow.user_id).where(
            QaasUserRow.username.in_(usernames)
        )
        return {name: uid for name, uid in (await self.session.execute(stmt)).tuples()}

    async def set_role(self, username: str, role: str) -> None:
        await self.session.execute(
            update(QaasUserRow).where(QaasUserRow.username == username).values(role=role)
        )

    async def add_key(self, row: QaasApiKeyRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def key(self, key_id: int) -> QaasApiKeyRow | None:
        return await self.session.get(QaasApiKeyRow, key_id)

    async def keys(self, username: str | None) -> Sequence[QaasApiKeyRow]:
        stmt = select(QaasApiKeyRow).order_by(QaasApiKeyRow.id)
        if username is not None:
            stmt = stmt.where(QaasApiKeyRow.username == username)
        return (await self.session.scalars(stmt)).all()

    async def revoke_key(self, key_id: int) -> bool:
        stmt = (
            update(QaasApiKeyRow)
            .where(QaasApiKeyRow.id == key_id, QaasApiKeyRow.revoked_at.is_(None))
            .values(revoked_at=time.time())
        )
        return bool((await self.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def prune_sessions(self, kind: str, before: float) -> None:
        """Forget QaaS login sessions that expired before ``before``."""
        await self.session.execute(
            delete(AuthTokenRow).where(AuthTokenRow.kind == kind, AuthTokenRow.expires_at < before)
        )


class QaasDeviceRepository:
    """Integer ids of hosted quantum computers, their status and queue lengths."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ids(self) -> dict[str, int]:
        stmt = select(QaasDeviceRow.quantum_computer, QaasDeviceRow.id)
        return {alias: i for alias, i in (await self.session.execute(stmt)).tuples()}

    async def ensure(self, aliases: Sequence[str]) -> dict[str, int]:
        """Ids of ``aliases``, handing out new ones in the given order."""
        known = await self.ids()
        missing = [a for a in aliases if a not in known]
        if missing:
            try:
                async with self.session.begin_nested():
                    self.session.add_all(QaasDeviceRow(quantum_computer=a) for a in missing)
            except IntegrityError:
                pass  # another process numbered them first
            known = await self.ids()
        return known

    async def alias(self, device_id: int) -> str | None:
        row = await self.session.get(QaasDeviceRow, device_id)
        return None if row is None else row.quantum_computer

    async def qc(self, alias: str) -> QuantumComputerRow | None:
        return await self.session.get(QuantumComputerRow, alias)

    async def set_status(self, alias: str, status: str) -> None:
        await self.session.execute(
            update(QuantumComputerRow)
            .where(QuantumComputerRow.alias == alias)
            .values(status=status)
        )

    async def waiting_counts(self) -> dict[str, int]:
        stmt = (
            select(JobRow.quantum_computer, func.count())
            .where(JobRow.status == "waiting")
            .group_by(JobRow.quantum_computer)
        )
        return {qc: int(n) for qc, n in (await self.session.execute(stmt)).tuples()}


class QaasJobRepository:
    """Jobs as the QaaS protocol sees them: by integer id (``jobs.seq``), with extras.

    Job rows are read as Core rows (attribute access by column name), as the job service
    reads them.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: QaasJobRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def get(self, seq: int) -> tuple[Row[Any], QaasJobRow | None] | None:
        job = (await self.session.execute(select(JOBS).where(JOBS.c.seq == seq))).one_or_none()
        if job is None:
            return None
        return job, await self.session.get(QaasJobRow, job.id)

    async def page(
        self,
        owner: str | None,
        caller_id: int,
        *,
        only_favourites: bool,
        offset: int,
        limit: int,
    ) -> tuple[list[tuple[Row[Any], QaasJobRow | None, bool]], int]:
        """Jobs of ``owner`` (None: all), newest first, with their total count.

        Each row says whether the job is a favourite of ``caller_id``; with
        ``only_favourites`` only those are listed.
        """
        favs = select(QaasFavouriteRow.job_id).where(QaasFavouriteRow.user_id == caller_id)
        cond: list[Any] = [] if owner is None else [JOBS.c.owner == owner]
        if only_favourites:
            cond.append(JOBS.c.id.in_(favs))
        count = select(func.count()).select_from(JOBS).where(*cond)
        total = int((await self.session.execute(count)).scalar_one())
        stmt = select(JOBS).where(*cond).order_by(JOBS.c.seq.desc()).offset(offset).limit(limit)
        jobs = (await self.session.execute(stmt)).all()
        ids = [j.id for j in jobs]
        extras = {
            x.job_id: x
            for x in (
                await self.session.scalars(select(QaasJobRow).where(QaasJobRow.job_id.in_(ids)))
            ).all()
        }
        fav_ids = set(
            (await self.session.scalars(favs.where(QaasFavouriteRow.job_id.in_(ids)))).all()
        )
        return [(j, extras.get(j.id), j.id in fav_ids) for j in jobs], total

    async def set_favourite(self, user_id: int, job_id: str, on: bool) -> None:
        await self.session.execute(
            delete(QaasFavouriteRow).where(
                QaasFavouriteRow.user_id == user_id, QaasFavouriteRow.job_id == job_id
            )
        )
        if on:
            self.session.add(QaasFavouriteRow(user_id=user_id, job_id=job_id))
            await self.session.flush()

    async def cache_result(self, job_id: str, envelope: str) -> None:
        await self.session.execute(
            update(QaasJobRow).where(QaasJobRow.job_id == job_id).values(result=envelope)
        )


class RecordRepository(Generic[R]):
    """Runcards or calibrations (one table each, the same columns)."""

    def __init__(self, session: AsyncSession, model: type[R]) -> None:
        self.session = session
        self.model: type[R] = model

    async def add(self, row: R) -> None:
        self.session.add(row)
        await self.session.flush()

    async def get(self, record_id: int) -> R | None:
        return await self.session.get(self.model, record_id)

    async def latest_named(self, name: str) -> R | None:
        stmt = (
            select(self.model)
            .where(self.model.name == name)
            .order_by(self.model.updated_at.desc(), self.model.id.desc())
            .limit(1)
        )
        return (await self.session.scalars(stmt)).first()

    async def page(self, offset: int, limit: int) -> tuple[Sequence[R], int]:
        total = await self.session.execute(select(func.count()).select_from(self.model))
        stmt = select(self.model).order_by(self.model.id).offset(offset).limit(limit)
        return (await self.session.scalars(stmt)).all(), int(total.scalar_one())

    async def delete(self, record_id: int) -> bool:
        result = await self.session.execute(delete(self.model).where(self.model.id == record_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]
