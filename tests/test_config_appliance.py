"""The appliance's part of kiosk.toml: staff PIN, display, input, attract; Kivy's settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.appliance.pin import hash_pin
from kiosk.infra.config import ConfigError, KioskConfig, load_config
from kiosk.ui.kivysettings import kiosk_settings
from kiosk_core.validation import validate

FULL = """\
kiosk_id = "dworzec"
[staff]
pin_hash = "{hash}"
[display]
rotation = 90
power = "cec"
hours = [
  {{ days = "mon-fri", on = "07:00", off = "20:00" }},
  {{ days = "sat", on = "9:00", off = "13:00" }},
]
[input]
touch = "hidinput"
invert_y = true
[attract]
sound = true
volume = 40
"""


def test_a_full_appliance_config(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(FULL.format(hash=hash_pin("2468", log_n=10)), encoding="utf-8")
    config = load_config(path)
    assert config.display.rotation == 90 and config.display.power == "cec"
    assert len(config.display.schedule().periods) == 2
    assert config.attract.sound and config.attract.volume == 40
    settings = dict(((s, k), v) for s, k, v in kiosk_settings(config))
    assert settings[("graphics", "rotation")] == "90"
    assert settings[("graphics", "vsync")] == "1"
    assert settings[("input", "mouse")] == "mouse,disable_on_activity,disable_multitouch"
    assert settings[("input", "%(name)s")] == "probesysfs,provider=hidinput,param=invert_y=1"


def test_defaults_are_a_sensible_kiosk() -> None:
    config = KioskConfig()
    assert config.staff.pin_hash is None
    assert config.display.rotation == 0 and config.display.hours == []
    assert config.display.schedule().is_on  # always on
    assert config.attract.enabled and not config.attract.sound
    settings = {(s, k): v for s, k, v in kiosk_settings(config)}
    assert settings[("input", "%(name)s")] == "probesysfs,provider=mtdev"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[staff]\npin_hash = "1234"', "staff.pin_hash"),
        ("[display]\nrotation = 45", "display.rotation"),
        ('[display]\nhours = [{ days = "weekdays", on = "07:00", off = "20:00" }]', "weekdays"),
        ('[display]\nhours = [{ on = "7", off = "20:00" }]', "HH:MM"),
        ('[display]\npower = "dpms"', "display.power"),
        ("[attract]\nvolume = 150", "attract.volume"),
        ('[input]\ntouch = "tuio"', "input.touch"),
    ],
)
def test_bad_appliance_settings_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_configure_kivy_applies_them_only_to_a_fullscreen_kiosk() -> None:
    from kivy.config import Config

    from kiosk.ui.window import configure_kivy

    keys = ("rotation", "vsync", "fullscreen", "show_cursor")
    before = {k: Config.get("graphics", k) for k in keys}
    mouse = Config.get("input", "mouse")
    try:
        configure_kivy(validate(KioskConfig, {"fullscreen": False, "display": {"rotation": 270}}))
        assert Config.get("graphics", "rotation") == before["rotation"]
        configure_kivy(validate(KioskConfig, {"fullscreen": True, "display": {"rotation": 270}}))
        assert Config.get("graphics", "rotation") == "270"
        assert Config.get("graphics", "vsync") == "1"
        assert "disable_on_activity" in Config.get("input", "mouse")
    finally:
        for key, value in before.items():
            Config.set("graphics", key, value)
        Config.set("input", "mouse", mouse)
