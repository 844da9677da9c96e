"""The kiosk's window: Kivy's settings before it opens, opening it (or saying why no screen
could be opened), and the font every label uses."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from kivy.config import Config
from kivy.core.text import DEFAULT_FONT, LabelBase
from kivy.logger import Logger

from kiosk.infra.config import KioskConfig

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu")]


def configure_kivy(kiosk: KioskConfig, size: tuple[int, int] | None = None) -> None:
    """Settings that must be in place before the window opens: a kiosk has no way out, and
    a window opened at its final size is not made twice."""
    fullscreen = kiosk.fullscreen
    if size:
        Config.set("graphics", "width", str(size[0]))
        Config.set("graphics", "height", str(size[1]))
    # No multisampled framebuffer: at 1080p it costs ~65 MB and ~85 ms of start-up under
    # software GL; rounded shapes are Smooth* instructions, which antialias their own edges.
    Config.set("graphics", "multisamples", "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "window_icon", "")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "show_cursor", "0" if fullscreen else "1")
    if fullscreen:
        from kiosk.ui.kivysettings import kiosk_settings

        for section, key, value in kiosk_settings(kiosk):
            Config.set(section, key, value)


class NoDisplay(RuntimeError):
    """No window could be opened: no screen connected or switched on, or no driver for it.
    A restart cannot help until someone sees to the screen (`kiosk run` exits with its own
    status for it, and systemd tries again slowly)."""


_PROVIDER_ERROR = re.compile(r"^(\w+) - \w+: (?:b'(.*)'|(.*))$")
"""A line of Kivy's "Unable to find any valuable Window provider" message: `sdl2 -
RuntimeError: b'kmsdrm not available'`."""


class _ProviderErrors(logging.Handler):
    """What Kivy says about each window provider it could not use, while the window opens."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.reasons: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        for line in record.getMessage().splitlines():
            if found := _PROVIDER_ERROR.match(line.strip()):
                self.reasons.append(f"{found[1]}: {found[2] or found[3]}")


def open_window(kiosk: KioskConfig, size: tuple[int, int] | None = None):
    """Kivy's window, opened with the kiosk's settings (fullscreen, no cursor) and its font;
    NoDisplay with Kivy's reasons when it could open none."""
    configure_kivy(kiosk, size)
    Window = _kivy_window()  # noqa: N806 (Kivy's name for it)
    register_fonts()
    Window.show_cursor = not kiosk.fullscreen
    if bool(Window.fullscreen) != kiosk.fullscreen:
        Window.fullscreen = "auto" if kiosk.fullscreen else False
    if size:
        Window.size = size
    Window.clearcolor = (0, 0, 0, 1)
    return Window


def _kivy_window():
    """Kivy's window, which it opens on first import (after configure_kivy); NoDisplay with
    Kivy's reasons when it could open none (Kivy leaves Window None and carries on)."""
    errors = _ProviderErrors()
    Logger.addHandler(errors)
    try:
        from kivy.core.window import Window
    finally:
        Logger.removeHandler(errors)
    if Window is None:
        raise NoDisplay("; ".join(errors.reasons) or "no window provider could open one")
    return Window


def register_fonts() -> None:
    """DejaVu Sans covers Polish, German, Czech and Ukrainian alike."""
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            LabelBase.register(DEFAULT_FONT, str(regular), fn_bold=str(bold))
            return
