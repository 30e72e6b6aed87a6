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
    #: Server default for the duration rule; 0 disables it.
    max_circuit_duration_over_t2: float = 1.0
    noise: bool = True
    engine: str = "auto"
    lease_seconds: float = 30.0

    def resolved_database_url(self) -> str:
        """The configured database, or the embedded SQLite file in the data directory."""
        return self.database_url or default_url(self.data_dir)

    @property
    def notify_dir(self) -> Path:
        """Where the API and embedded workers exchange wake-up datagrams."""
        return self.data_dir / "run"
