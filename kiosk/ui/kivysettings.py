"""Kivy's settings for a kiosk running fullscreen without X (Raspberry Pi OS Lite).

The window is SDL2 on KMS/DRM (the unit sets SDL_VIDEODRIVER=kmsdrm), synchronised to the
display's refresh (vsync), turned for portrait panels. Touches come from the touchscreen's
evdev device through mtdev (or hidinput), with true multitouch; SDL also turns touches into
mouse events, so the mouse provider ignores everything while a touch is active
(`disable_on_activity`) and the unit tells SDL not to synthesise them at all
(SDL_TOUCH_MOUSE_EVENTS=0): every finger is counted once. A real mouse still works.
"""

from __future__ import annotations

from kiosk.infra.config import KioskConfig


def kiosk_settings(kiosk: KioskConfig) -> list[tuple[str, str, str]]:
    """(section, key, value) for Kivy's Config, applied before the window opens."""
    settings = [
        ("graphics", "vsync", "1"),
        ("graphics", "rotation", str(kiosk.display.rotation)),
        ("graphics", "maxfps", "60"),
        ("input", "mouse", "mouse,disable_on_activity,disable_multitouch"),
    ]
    touch = kiosk.input
    if touch.touch != "auto":
        provider = f"probesysfs,provider={touch.touch}"
        if touch.invert_x:
            provider += ",param=invert_x=1"
        if touch.invert_y:
            provider += ",param=invert_y=1"
        settings.append(("input", "%(name)s", provider))
    return settings
