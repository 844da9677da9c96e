"""The kiosk configuration file: clear errors, sensible defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config


def test_a_full_config(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        'kiosk_id = "rynek"\ngroups = ["centrum"]\ndata_dir = "/srv/kiosk"\n'
        'size = "1080x1920"\n[printer]\ndevice = "/dev/ttyUSB0"\nbaudrate = 9600\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.kiosk_id == "rynek"
    assert config.printer.baudrate == 9600
    assert config.fullscreen is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('kiosk_id = "Rynek Główny"', "kiosk_id"),
        ('size = "big"', "size"),
        ("flush_interval = 1", "flush_interval"),
        ('colour = "blue"', "colour"),
        ("kiosk_id = ", "not valid TOML"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_missing_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(tmp_path / "nope.toml")


def test_enrolment_fills_what_the_config_leaves_out(tmp_path: Path) -> None:
    import json

    from kiosk.cli import _with_enrolment
    from kiosk.config import KioskConfig

    (tmp_path / "enrolment.json").write_text(
        json.dumps(
            {
                "hub_url": "https://hub.example.org/",
                "kiosk_id": "rynek",
                "kiosk_token": "t",
                "public_key": "A" * 43 + "=",
                "groups": ["centrum"],
                "location": {"lat": 50.3, "long": 16.88},
            }
        ),
        encoding="utf-8",
    )
    filled = _with_enrolment(KioskConfig(data_dir=tmp_path))
    assert filled.kiosk_id == "rynek" and filled.groups == ["centrum"]
    assert str(filled.hub_url) == "https://hub.example.org/"
    assert filled.location.lat == 50.3
    kept = _with_enrolment(KioskConfig(data_dir=tmp_path, kiosk_id="biblioteka"))
    assert kept.kiosk_id == "biblioteka"
    assert _with_enrolment(KioskConfig(data_dir=tmp_path / "none")).kiosk_id is None
