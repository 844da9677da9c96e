"""The display schedule in the real app: off at night once at rest, a touch wakes it."""

from __future__ import annotations

import functools
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import kiosk.appliance.devices.display
from kiosk.infra.config import KioskConfig
from kiosk_core.validation import validate
from tests.kivy_driver import FakeClock

WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.fixture
def backlight(tmp_path: Path, monkeypatch) -> Path:
    device = tmp_path / "sys" / "backlight" / "10-0045"
    device.mkdir(parents=True)
    (device / "bl_power").write_text("0")
    monkeypatch.setattr(
        kiosk.appliance.devices.display,
        "choose",
        functools.partial(kiosk.appliance.devices.display.choose, backlight_root=device.parent),
    )
    return device / "bl_power"


def wait_for_file(path: Path, text: str) -> None:
    deadline = time.monotonic() + 5
    while path.read_text() != text:
        assert time.monotonic() < deadline, f"{path} is {path.read_text()!r}, not {text!r}"
        time.sleep(0.02)


def night_kiosk(tmp_path: Path) -> KioskConfig:
    return validate(
        KioskConfig,
        {
            "fullscreen": False,
            "data_dir": str(tmp_path / "data"),
            "display": {
                "power": "backlight",
                "grace": 60,
                "hours": [{"days": "daily", "on": "07:00", "off": "20:00"}],
            },
        },
    )


def test_off_at_night_once_at_rest_and_a_touch_wakes_it(kiosk_app, tmp_path, backlight) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 22, 0, tzinfo=WARSAW).timestamp())
    app, ui = kiosk_app(kiosk=night_kiosk(tmp_path), clock=clock)
    assert app.appliance.display_on  # at start, the grace period
    ui.advance(61)
    assert not app.appliance.display_on
    wait_for_file(backlight, "4")
    from kivy.core.window import Window

    assert any(type(w).__name__ == "BlankOverlay" for w in Window.children)
    # a touch on a dark screen only wakes it, even on a tile
    ui.tap(app.screen("home").ids.search)
    assert app.appliance.display_on and app.manager.current == "home"
    wait_for_file(backlight, "0")
    assert not any(type(w).__name__ == "BlankOverlay" for w in Window.children)
    ui.tap(app.screen("home").ids.search)
    assert app.manager.current == "search"
    # a visitor at night keeps it on; after the reset and the grace it goes off again
    ui.advance(95)
    assert app.appliance.display_on  # the "still there?" overlay shows
    ui.advance(10)
    assert app.manager.current == "home" and app.appliance.display_on
    ui.advance(61)
    assert not app.appliance.display_on
    wait_for_file(backlight, "4")
    # the morning turns it on without a touch
    ui.clock.now = datetime(2026, 11, 24, 7, 0, tzinfo=WARSAW).timestamp()
    ui.ticked()
    assert app.appliance.display_on
    wait_for_file(backlight, "0")


def test_during_the_hours_it_stays_on_at_rest(kiosk_app, tmp_path, backlight) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 12, 0, tzinfo=WARSAW).timestamp())
    app, ui = kiosk_app(kiosk=night_kiosk(tmp_path), clock=clock)
    ui.advance(3600)
    assert app.appliance.display_on and backlight.read_text() == "0"
