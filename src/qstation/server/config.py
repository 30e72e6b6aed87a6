"""Server settings, from flags or ``QSTATION_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from qstation.store.db import default_url, is_sqlite


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
    #: JWT signing key. Unset: generated once and kept in ``auth_key_file`` (0600), by
    #: default ``auth.key`` in the database's directory; on PostgreSQL without a key file, in the
    #: database (so that API processes on several hosts share it).
    auth_secret: str | None = None
    auth_key_file: Path | None = None
    admin_username: str = "admin"
    admin_password: str | None = None  # first admin, created when no user exists yet
    #: Login throttling (see qstation.server.auth.throttle): refused logins allowed per
    #: account and per client address before a lockout of login_backoff_s seconds, which
    #: doubles with each further failure up to login_backoff_max_s.
    login_free_failures: int = 5
    login_free_failures_per_address: int = 20
    login_backoff_s: float = 1.0
    login_backoff_max_s: float = 900.0
    access_token_ttl: int = 900  # seconds
    refresh_token_ttl: int = 30 * 24 * 3600  # seconds; a session lives this long unused

    #: Bearer token ``GET /metrics`` asks for (None: the endpoint is open).
    metrics_token: str | None = None
    #: Access log with request ids; None: on in production mode (PostgreSQL), off embedded.
    access_log: bool | None = None
    access_log_json: bool = False  # one JSON object per line instead of text

    def resolved_database_url(self) -> str:
        """The configured database, or the embedded SQLite file in the data directory."""
        return self.database_url or default_url(self.data_dir)

    def resolved_key_file(self) -> Path | None:
        """Where the generated signing key is kept; None: in the database (PostgreSQL)."""
        if self.auth_key_file is not None:
            return self.auth_key_file
        url = self.resolved_database_url()
        if not is_sqlite(url):
            return None
        database = make_url(url).database
        if not database or database == ":memory:":
            return self.data_dir / "auth.key"
        return Path(database).parent / "auth.key"  # beside the database it protects

    @property
    def notify_dir(self) -> Path:
        """Where the API and embedded workers exchange wake-up datagrams."""
        return self.data_dir / "run"
