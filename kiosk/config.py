"""The kiosk's configuration file (`/etc/kiosk/kiosk.toml`): what differs between kiosks."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import Field, HttpUrl, ValidationError

from kiosk.content.model import Identifier, Location, Model

SYSTEM_CONFIG = Path("/etc/kiosk/kiosk.toml")


class PrinterConfig(Model):
    device: str | None = None
    """Serial device of the ticket printer, e.g. /dev/ttyUSB0; none means no printer."""
    baudrate: Annotated[int, Field(gt=0)] = 19200


class KioskConfig(Model):
    kiosk_id: Identifier | None = None
    groups: list[Identifier] = []
    data_dir: Path = Path("/var/lib/kiosk")
    content: Path | None = None
    """A release or source folder to show instead of the data directory's current release."""
    fullscreen: bool = True
    size: Annotated[str, Field(pattern=r"^\d{3,5}x\d{3,5}$")] | None = None
    hub_url: HttpUrl | None = None
    flush_interval: Annotated[int, Field(ge=5, le=3600)] = 60
    """Seconds between writes of the touch counters (SD cards wear out)."""
    printer: PrinterConfig = PrinterConfig()
    location: Location | None = None
    """Where this kiosk stands, for reports filed "here"; else the municipality's location."""


class ConfigError(Exception):
    """The configuration file cannot be used; the message says where and why."""


def load_config(path: Path) -> KioskConfig:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return KioskConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{path}: {problems}") from exc
