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
