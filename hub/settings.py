"""Where the hub keeps its data and the limits it enforces; one object, passed everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

DB_FILE = "hub.db"
KEY_FILE = "signing.key"
BLOBS_DIR = "blobs"
MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str | None = None
    """Any SQLAlchemy URL; by default the SQLite file DATA/hub.db (nothing to install)."""
    json_limit: int = MiB
    blob_limit: int = GiB
    timezone: str = "Europe/Warsaw"
    """The municipality's zone: statistics are exported by its local hours, days and months."""
    manifest_ttl: timedelta = timedelta(days=7)
    enrolment_ttl: timedelta = timedelta(days=7)
    offline_after: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / DB_FILE}"

    @property
    def key_path(self) -> Path:
        return self.data_dir / KEY_FILE

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / BLOBS_DIR
