"""A worker's liveness on PostgreSQL, tied to its database session (an advisory lock).

Each worker holds a session-level advisory lock on a key derived from its id, on a
connection it keeps for its whole life. When the worker dies, even by ``kill -9``, its
connection closes and PostgreSQL releases the lock at once; any other worker's reaper then
sees the job's owner is gone and hands the job back to the queue within a reap interval,
not after the lease. SQLite has no sessions to tie this to: there the lease alone counts
(and ``qstation serve`` restarts embedded workers that die).
"""

from __future__ import annotations

import logging
import select
import zlib
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, text, update

log = logging.getLogger("qstation.worker")

#: The first half of every worker lock's key ("QS"), so other advisory locks never clash.
NAMESPACE = 0x5153


def lock_key(worker_id: str) -> int:
    """The second half of a worker's lock key (a non-negative 32-bit integer)."""
    return zlib.crc32(worker_id.encode()) & 0x7FFFFFFF


class LivenessLock:
    """Holds this worker's advisory lock (PostgreSQL only; a no-op elsewhere)."""

    def __init__(self, engine: Engine, worker_id: str) -> None:
        self.engine = engine
        self.worker_id = worker_id
        self.enabled = engine.dialect.name == "postgresql"
        self._conn: Connection | None = None

    def hold(self) -> None:
        """Take the lock, or check it is still held (re-taking it after a lost session)."""
        if not self.enabled:
            return
        if self._conn is not None:
            if self._quiet():
                return
            try:
                self._conn.exec_driver_sql("SELECT 1")
                return
            except Exception:  # the session is gone, and the lock with it
                log.warning("liveness session lost; taking the lock again")
                self.release()
        # Autocommit: the lock is the session's, and the session never idles in a transaction.
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(
            text("SELECT pg_advisory_lock(:ns, :key)"),
            {"ns": NAMESPACE, "key": lock_key(self.worker_id)},
        )
        self._conn = conn

    def _quiet(self) -> bool:
        """Whether the idle session has said nothing since its last use (no round trip).

        The session runs no query between checks, so the server sends on it only when it
        ends it (a termination notice, then end of file). Nothing to read means it is alive
        as far as can be known without asking; anything to read, or an unknown socket, is
        settled by a query.
        """
        assert self._conn is not None
        pgconn = getattr(self._conn.connection.dbapi_connection, "pgconn", None)
        if pgconn is None:
            return False
        try:
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
        except (OSError, ValueError):  # closed or no socket
            return False
        return not readable

    def release(self) -> None:
        """Drop the session (and so the lock)."""
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # already broken: nothing to release
                pass
            self._conn = None


def dead_workers(conn: Connection, claimed_by: Iterable[str]) -> list[str]:
    """Those of ``claimed_by`` whose liveness lock nobody holds: their process is gone."""
    owners = {w for w in claimed_by if w}
    if not owners or conn.dialect.name != "postgresql":
        return []
    held = set(
        conn.execute(
            text(
                "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = :ns AND objsubid = 2"
            ),
            {"ns": NAMESPACE},
        ).scalars()
    )
    return sorted(w for w in owners if lock_key(w) not in held)


def reclaim_dead_process(engine: Engine, host: str, pid: int) -> list[str]:
    """Hand back at once the jobs of a worker process known to have died (``serve``'s
    embedded workers: their supervisor sees the exit), on either database."""
    from qstation.queue.claim import JOBS, reclaim_stalled

    with engine.begin() as conn:
        conn.execute(
            update(JOBS)
            .where(JOBS.c.status == "processing", JOBS.c.claimed_by.like(f"{host}:{pid}:%"))
            .values(lease_expires_at=0.0)
        )
        return reclaim_stalled(conn)
