"""The kiosk's configuration file (`/etc/kiosk/kiosk.toml`): what differs between kiosks."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    HttpUrl,
    ValidationError,
    model_validator,
)

from kiosk.content.model import Identifier, Location, Model
from kiosk.pin import check_hash_format
from kiosk.schedule import DisplaySchedule, Period

SYSTEM_CONFIG = Path("/etc/kiosk/kiosk.toml")


class PrinterConfig(Model):
    device: str | None = None
    """Serial device of the ticket printer, e.g. /dev/ttyUSB0; none means no printer."""
    baudrate: Annotated[int, Field(gt=0)] = 19200


class StaffConfig(Model):
    pin_hash: Annotated[
        str | None,
        BeforeValidator(lambda v: v or None),  # "" in the example file: no PIN yet
        AfterValidator(lambda v: v if v is None else check_hash_format(v)),
    ] = None
    """The staff PIN's hash, made by `kiosk staff-pin`; without it the staff screen is off."""


class OnHours(Model):
    """One period of the display schedule, e.g. days = "mon-fri", on = "07:00", off = "20:00"."""

    days: str = "daily"
    on: str
    off: str

    @model_validator(mode="after")
    def _parses(self) -> OnHours:
        self.period()
        return self

    def period(self) -> Period:
        return Period.parse(self.days, self.on, self.off)


class DisplayConfig(Model):
    rotation: Literal[0, 90, 180, 270] = 0
    """Degrees to turn the picture, e.g. 90 for a landscape panel mounted upright."""
    power: Literal["auto", "backlight", "cec", "vcgencmd", "xset", "blank"] = "auto"
    """How the display is switched off outside `hours` (blanking is always done as well)."""
    hours: list[OnHours] = []
    """When the display is on, in the content's time zone; none means always."""
    grace: Annotated[int, Field(ge=0, le=3600)] = 60
    """Outside the hours: seconds the display stays on after the last visitor's reset."""

    def schedule(self) -> DisplaySchedule:
        return DisplaySchedule(tuple(h.period() for h in self.hours))


class InputConfig(Model):
    touch: Literal["mtdev", "hidinput", "auto"] = "mtdev"
    """Kivy's provider for the touchscreen's multitouch events (fullscreen kiosks only)."""
    invert_x: bool = False
    invert_y: bool = False


class AttractConfig(Model):
    enabled: bool = True
    sound: bool = False
    """Videos of the attract loop play muted unless this is true."""
    volume: Annotated[int, Field(ge=0, le=100)] = 70


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
    staff: StaffConfig = StaffConfig()
    display: DisplayConfig = DisplayConfig()
    input: InputConfig = InputConfig()
    attract: AttractConfig = AttractConfig()


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
