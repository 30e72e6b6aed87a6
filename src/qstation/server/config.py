"""Server settings, from flags or ``QSTATION_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from qstation.store.db import default_url


class Settings(BaseSettings):
    """Everything ``qstation serve`` and the workers can be configured with."""

    model_config = SettingsConfigDict(env_prefix="QSTATION_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path(".qstation")
    database_url: str | None = None
    qc: list[str] = Field(default_factory=lambda: ["lattice-20"])
    workers: int | None = None  # embedded worker processes; None: one per quantum computer

    max_shots: int = 100_000
    max_circuits: int = 1_000
    max_payload_bytes: int = 16 * 1024 * 1024
    # Submissions in progress past which new ones are shed with 429 (0: never shed).
    max_concurrent_submissions: int = 1024
    #: Per-user quotas (None: unlimited), refused with 429 and Retry-After: unfinished
    #: (waiting or processing) jobs at once, and shots x circuits per UTC day.
    max_queued_jobs: int | None = None
    max_shots_per_day: int | None = None
    quota_retry_after_seconds: float = 10.0  # Retry-After when too many jobs are queued
    #: Server default for the duration rule; 0 disables it.
    max_circuit_duration_over_t2: float = 1.0
    noise: bool = True
    #: Recalibrate every hosted quantum computer this often (seconds; 0: never). Each run
    #: publishes a drifted calibration set and makes it the default.
    recalibrate_every_s: float = 0.0
    #: Jobs may pin only the newest N calibration sets of a computer; older ones are retired.
    calibration_sets_kept: int = 10
    engine: str = "auto"
    lease_seconds: float = 30.0
    #: Page size of QaaS API listings (clients always take the server's default).
    qaas_page_size: int = 50

    #: Bearer-token authentication (see qstation.server.auth); off: one shared tenant.
    auth: bool = False
    auth_secret: str | None = None  # JWT signing key; default: generated, kept in the database
    admin_username: str = "admin"
    admin_password: str | None = None  # first admin, created when no user exists yet
    access_token_ttl: int = 900  # seconds
    refresh_token_ttl: int = 30 * 24 * 3600  # seconds; a session lives this long unused

    def resolved_database_url(self) -> str:
        """The configured database, or the embedded SQLite file in the data directory."""
        return self.database_url or default_url(self.data_dir)

    @property
    def notify_dir(self) -> Path:
        """Where the API and embedded workers exchange wake-up datagrams."""
        return self.data_dir / "run"
