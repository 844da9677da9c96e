"""Switching the display off and on, by whatever the machine offers.

Raspberry Pi OS Bookworm drives displays through KMS, and the kiosk app itself holds the DRM
device, so there is no one call that works everywhere. In order of preference (`auto`):

- `backlight`: a DSI panel's backlight in sysfs (the Raspberry Pi Touch Display 1 and 2 and
  most DSI panels): `bl_power` 4 is off, 0 on. The install script's udev rule lets the
  `video` group write it.
- `cec`: an HDMI monitor or TV through HDMI-CEC (`cec-ctl` from v4l-utils): standby, and
  "image view on" to wake it.
- `vcgencmd`: `vcgencmd display_power 0|1`, which only the legacy firmware display stack
  (no KMS) obeys.
- `xset`: DPMS of an X server, when the kiosk runs under one (a development machine).
- `blank`: nothing to switch; the app draws black, which it always does as well, so that a
  panel without any of the above still shows nothing, and a touch wakes it either way.

Each `set` runs at most one short command; call it from a worker thread.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

COMMAND_TIMEOUT = 5.0
SYSFS_BACKLIGHT = Path("/sys/class/backlight")
SYSFS_DRM = Path("/sys/class/drm")
BL_POWER_ON, BL_POWER_OFF = "0", "4"


class DisplayPowerError(Exception):
    """The display did not switch; the message says how it was tried."""


class Blank:
    name = "blank"

    def set(self, on: bool) -> None:
        """Nothing to switch: the app's black overlay is all there is."""


@dataclass
class Backlight:
    device: Path
    """e.g. /sys/class/backlight/10-0045 (its `bl_power` file is written)."""
    name: str = "backlight"

    def set(self, on: bool) -> None:
        try:
            (self.device / "bl_power").write_text(BL_POWER_ON if on else BL_POWER_OFF)
        except OSError as exc:
            raise DisplayPowerError(f"{self.device}/bl_power: {exc.strerror}") from exc


@dataclass
class Command:
    """A display switched by running a program (cec-ctl, vcgencmd, xset)."""

    name: str
    on_command: list[str]
    off_command: list[str]

    def set(self, on: bool) -> None:
        command = self.on_command if on else self.off_command
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DisplayPowerError(f"{' '.join(command)}: {exc}") from exc
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["failed"]
            raise DisplayPowerError(f"{' '.join(command)}: exit {done.returncode}: {detail[0]}")


def cec() -> Command:
    return Command(
        "cec",
        ["cec-ctl", "--to", "0", "--image-view-on"],
        ["cec-ctl", "--to", "0", "--standby"],
    )


def vcgencmd() -> Command:
    return Command(
        "vcgencmd", ["vcgencmd", "display_power", "1"], ["vcgencmd", "display_power", "0"]
    )


def xset() -> Command:
    return Command("xset", ["xset", "dpms", "force", "on"], ["xset", "dpms", "force", "off"])


def _backlights(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "bl_power").exists())


def _kms_active(drm: Path) -> bool:
    """Connectors under /sys/class/drm (card1-HDMI-A-1, ...) mean a KMS driver runs."""
    return drm.is_dir() and any("-" in p.name for p in drm.iterdir())


def choose(
    method: str = "auto",
    backlight_root: Path = SYSFS_BACKLIGHT,
    drm_root: Path = SYSFS_DRM,
    environ: dict[str, str] | None = None,
) -> Blank | Backlight | Command:
    """The way to switch this machine's display, by name or the first that fits (`auto`)."""
    env = os.environ if environ is None else environ
    lights = _backlights(backlight_root)
    has_cec = shutil.which("cec-ctl") is not None and any(Path("/dev").glob("cec[0-9]*"))
    if method == "backlight" or (
        method == "auto" and lights and os.access(lights[0] / "bl_power", os.W_OK)
    ):
        if not lights:
            log.warning("display: no backlight in %s; blanking only", backlight_root)
            return Blank()
        return Backlight(lights[0])
    if method == "cec" or (method == "auto" and has_cec):
        return cec()
    if method == "vcgencmd" or (
        method == "auto" and shutil.which("vcgencmd") and not _kms_active(drm_root)
    ):
        return vcgencmd()
    if method == "xset" or (method == "auto" and env.get("DISPLAY") and shutil.which("xset")):
        return xset()
    return Blank()
