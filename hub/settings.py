"""Where the hub keeps its data and the limits it enforces; one object, passed everywhere.

Most of it has working defaults. What a municipality must fill in (its public address, its
mail server, after how many days an open report is overdue) goes in `DATA/hub.toml`:

    public_url = "https://kiosk.jodlow.example"
    overdue_days = 14
    reports_per_kiosk_hour = 120
    review_after_months = 12

    [smtp]
    host = "smtp.jodlow.example"
    port = 587
    security = "starttls"     # or "ssl" (port 465) or "none"
    user = "kiosk-hub"
    password = "…"
    sender = "Kioski Jodłów <kioski@jodlow.example>"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Literal

DB_FILE = "hub.db"
KEY_FILE = "signing.key"
BLOBS_DIR = "blobs"
SCRATCH_DIR = "tmp"
CONFIG_FILE = "hub.toml"
MiB = 1024 * 1024
GiB = 1024 * MiB


class ConfigError(ValueError):
    """hub.toml cannot be read or has a wrong value; the message names the key."""


@dataclass(frozen=True)
class Smtp:
    host: str = "localhost"
    port: int = 25
    security: Literal["none", "starttls", "ssl"] = "none"
    user: str | None = None
    password: str | None = None
    sender: str = "kiosk-hub@localhost"
    timeout: float = 30.0


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
    public_url: str = "http://127.0.0.1:8080"
    """Where residents and staff reach the hub: links in e-mails and receipts start with it."""
    smtp: Smtp | None = None
    """None: new reports are not e-mailed (staff see them in the inbox only)."""
    overdue_days: int = 14
    """An open report older than this is flagged in the inbox."""
    session_ttl: timedelta = timedelta(hours=12)
    sign_in_attempts: int = 5
    """Failed sign-ins for one user name from one address before each further attempt from
    there waits (hub.accounts.signinlimits), the wait doubling from 5 seconds up to
    `sign_in_max_wait`."""
    sign_in_address_attempts: int = 25
    """The same for one address, whatever the user names."""
    sign_in_max_wait: timedelta = timedelta(minutes=15)
    open311_posts_per_minute: int = 30
    """New Open311 requests allowed per api_key and per address each minute."""
    reports_per_kiosk_hour: int = 120
    """New reports one kiosk may deliver within any hour (replays are never limited). Filing
    a report takes a resident a minute or more (five steps, typed on a touch keyboard), so a
    kiosk's own pace stays under 60 an hour: twice that never delays a real report, and a
    backlog after a long outage drains at 2,880 a day, while a stolen kiosk token can no
    longer flood the departments' mailboxes (10,000 reports in 18 s before)."""
    deliveries_interval: float = 30.0
    """Seconds between rounds of e-mailing and forwarding due reports (0: never, for tests)."""
    max_connections: int = 1000
    """Client connections `serve` keeps open at most (fewer if open files are short)."""
    review_after_months: int = 12
    """A service card not reviewed for this long is listed for review in the editor."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        object.__setattr__(self, "public_url", self.public_url.rstrip("/"))

    @classmethod
    def load(cls, data_dir: Path, **overrides) -> Settings:
        """Settings for a data directory: defaults, then DATA/hub.toml, then `overrides`."""
        settings = cls(Path(data_dir))
        path = settings.data_dir / CONFIG_FILE
        if path.exists():
            settings = settings.with_config(_read_toml(path))
        overrides = {k: v for k, v in overrides.items() if v is not None}
        return replace(settings, **overrides)

    def with_config(self, config: dict) -> Settings:
        """These settings changed by a parsed hub.toml; an unknown key is an error."""
        changes: dict = {}
        known = {f.name: f for f in fields(self)}
        for key, value in config.items():
            if key == "smtp":
                changes["smtp"] = _smtp(value)
            elif key in ("public_url", "timezone", "database_url") and isinstance(value, str):
                changes[key] = value
            elif key in (
                "overdue_days",
                "sign_in_attempts",
                "sign_in_address_attempts",
                "open311_posts_per_minute",
                "reports_per_kiosk_hour",
                "max_connections",
                "review_after_months",
            ):
                changes[key] = _positive_int(key, value)
            elif key == "session_hours":
                changes["session_ttl"] = timedelta(hours=_positive_int(key, value))
            elif key == "offline_minutes":
                changes["offline_after"] = timedelta(minutes=_positive_int(key, value))
            elif key == "deliveries_interval" and isinstance(value, int | float) and value >= 0:
                changes[key] = float(value)
            elif key in known:
                raise ConfigError(f"{CONFIG_FILE}: {key} has a wrong value: {value!r}")
            else:
                raise ConfigError(f"{CONFIG_FILE}: unknown setting {key!r}")
        return replace(self, **changes)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / DB_FILE}"

    @property
    def key_path(self) -> Path:
        return self.data_dir / KEY_FILE

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / BLOBS_DIR

    @property
    def scratch_dir(self) -> Path:
        """Temporary files of uploads in progress (hub.scratch), beside the blob store."""
        return self.data_dir / SCRATCH_DIR


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _positive_int(key: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{CONFIG_FILE}: {key} must be a whole number of at least 1")
    return value


def _smtp(value) -> Smtp:
    if not isinstance(value, dict):
        raise ConfigError(f"{CONFIG_FILE}: [smtp] must be a table")
    known = {f.name for f in fields(Smtp)}
    unknown = set(value) - known
    if unknown:
        raise ConfigError(f"{CONFIG_FILE}: unknown [smtp] setting(s): {', '.join(sorted(unknown))}")
    smtp = Smtp(**value)
    if smtp.security not in ("none", "starttls", "ssl"):
        raise ConfigError(f"{CONFIG_FILE}: smtp.security must be none, starttls or ssl")
    if not isinstance(smtp.port, int) or not 0 < smtp.port < 65536:
        raise ConfigError(f"{CONFIG_FILE}: smtp.port must be a port number")
    return smtp
