"""The kiosk's configuration file (`/etc/kiosk/kiosk.toml`): what differs between kiosks."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from kiosk.appliance import pin, schedule
from kiosk.appliance.pin import check_hash_format
from kiosk.appliance.schedule import DisplaySchedule, Period
from kiosk_core import validation
from kiosk_core.content import model
from kiosk_core.content.model import Identifier, Location, Model
from kiosk_core.validation import After, Before, Limits, WebLink, describe, validate, validate_once

SYSTEM_CONFIG = Path("/etc/kiosk/kiosk.toml")


@dataclass(kw_only=True)
class PrinterConfig(Model):
    device: str | None = None
    """Serial device of the ticket printer, e.g. /dev/ttyUSB0; none means no printer."""
    baudrate: Annotated[int, Limits(gt=0)] = 19200


@dataclass(kw_only=True)
class StaffConfig(Model):
    pin_hash: Annotated[
        str | None,
        Before(lambda v: v or None),  # "" in the example file: no PIN yet
        After(lambda v: v if v is None else check_hash_format(v)),
    ] = None
    """The staff PIN's hash, made by `kiosk staff-pin`; without it the staff screen is off."""


@dataclass(kw_only=True)
class OnHours(Model):
    """One period of the display schedule, e.g. days = "mon-fri", on = "07:00", off = "20:00"."""

    days: str = "daily"
    on: str
    off: str

    def __post_init__(self) -> None:
        self.period()

    def period(self) -> Period:
        return Period.parse(self.days, self.on, self.off)


@dataclass(kw_only=True)
class DisplayConfig(Model):
    rotation: Literal[0, 90, 180, 270] = 0
    """Degrees to turn the picture, e.g. 90 for a landscape panel mounted upright."""
    power: Literal["auto", "backlight", "cec", "vcgencmd", "xset", "blank"] = "auto"
    """How the display is switched off outside `hours` (blanking is always done as well)."""
    hours: list[OnHours] = field(default_factory=list)
    """When the display is on, in the content's time zone; none means always."""
    grace: Annotated[int, Limits(ge=0, le=3600)] = 60
    """Outside the hours: seconds the display stays on after the last visitor's reset."""

    def schedule(self) -> DisplaySchedule:
        return DisplaySchedule(tuple(h.period() for h in self.hours))


@dataclass(kw_only=True)
class InputConfig(Model):
    touch: Literal["mtdev", "hidinput", "auto"] = "mtdev"
    """Kivy's provider for the touchscreen's multitouch events (fullscreen kiosks only)."""
    invert_x: bool = False
    invert_y: bool = False


@dataclass(kw_only=True)
class AttractConfig(Model):
    enabled: bool = True
    sound: bool = False
    """Videos of the attract loop play muted unless this is true."""
    volume: Annotated[int, Limits(ge=0, le=100)] = 70


@dataclass(kw_only=True)
class SpeechConfig(Model):
    enabled: bool = True
    """Read-aloud (the "Listen" button); off where the kiosk has no speaker."""
    device: Annotated[str, Limits(min_length=1, max_length=200)] = "default"
    """The ALSA device it speaks into (`aplay -L` lists them), e.g. "default", "hw:0,0"
    for a Raspberry Pi's headphone jack, "plughw:CARD=Device" for a USB speaker."""
    rate: Annotated[int, Limits(ge=80, le=400)] = 150
    """Words a minute."""
    volume: Annotated[int, Limits(ge=0, le=200)] = 100
    """espeak-ng's amplitude (100 is its default)."""


@dataclass(kw_only=True)
class KioskConfig(Model):
    kiosk_id: Identifier | None = None
    groups: list[Identifier] = field(default_factory=list)
    data_dir: Path = Path("/var/lib/kiosk")
    content: Path | None = None
    """A release or source folder to show instead of the data directory's current release."""
    fullscreen: bool = True
    size: Annotated[str, Limits(pattern=r"^\d{3,5}x\d{3,5}$")] | None = None
    hub_url: WebLink | None = None
    flush_interval: Annotated[int, Limits(ge=5, le=3600)] = 60
    """Seconds between writes of the touch counters (SD cards wear out)."""
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    location: Location | None = None
    """Where this kiosk stands, for reports filed "here"; else the municipality's location."""
    staff: StaffConfig = field(default_factory=StaffConfig)
    display: DisplayConfig = field(default_factory=DisplayConfig)
    input: InputConfig = field(default_factory=InputConfig)
    attract: AttractConfig = field(default_factory=AttractConfig)
    speech: SpeechConfig = field(default_factory=SpeechConfig)


class ConfigError(Exception):
    """The configuration file cannot be used; the message says where and why."""


CHECKED_FILE = "config-checked.json"
"""In the data directory: the configuration as last validated (see `check_config`)."""


def read_config(path: Path) -> dict[str, Any]:
    """The configuration file's settings, not yet validated."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def load_config(path: Path) -> KioskConfig:
    return check_config(read_config(path), str(path))


def data_dir_of(data: dict[str, Any]) -> Path | None:
    """The data directory settings name before they are validated; None where it is not even
    a string (validation says what is wrong with it)."""
    value = data.get("data_dir", str(KioskConfig.data_dir))
    return Path(value) if isinstance(value, str) else None


def check_config(data: dict[str, Any], where: str, *, remember: bool = False) -> KioskConfig:
    """`data` validated as a kiosk's configuration; ConfigError says what is wrong, and where.

    With `remember`, the result is kept in the data directory and the same settings are not
    validated again at the next start (`validate_once`): the kiosk screen then starts without
    importing pydantic."""
    rules = [module.__file__ for module in (model, pin, schedule, validation)] + [__file__]
    data_dir = data_dir_of(data)
    try:
        if remember and data_dir is not None:
            return validate_once(KioskConfig, data, data_dir / CHECKED_FILE, rules)
        return validate(KioskConfig, data)
    except ValueError as exc:  # pydantic's ValidationError is one
        raise ConfigError(f"{where}: {describe(exc)}") from exc
