"""The kiosk configuration file: clear errors, sensible defaults."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from kiosk.cli import _kiosk_config
from kiosk.infra.config import CHECKED_FILE, ConfigError, KioskConfig, load_config


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
        ('colour = "blue"', "colour: unknown field; check its spelling"),
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


def _start_config(folder: Path, text: str, **updates: str) -> KioskConfig:
    """The configuration `kiosk run --config` works with."""
    path = folder / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return _kiosk_config(path, updates)


def test_enrolment_fills_what_the_config_leaves_out(tmp_path: Path) -> None:
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
    filled = _start_config(tmp_path, f'data_dir = "{tmp_path}"')
    assert filled.kiosk_id == "rynek" and filled.groups == ["centrum"]
    assert filled.hub_url == "https://hub.example.org/"
    assert filled.location is not None and filled.location.lat == 50.3
    kept = _start_config(tmp_path, f'data_dir = "{tmp_path}"\nkiosk_id = "biblioteka"')
    assert kept.kiosk_id == "biblioteka"
    assert _start_config(tmp_path, f'data_dir = "{tmp_path / "none"}"').kiosk_id is None


def test_the_command_line_goes_over_the_file(tmp_path: Path) -> None:
    config = _start_config(
        tmp_path, f'data_dir = "{tmp_path}"\nsize = "1920x1080"', size="800x1280"
    )
    assert config.size == "800x1280" and config.fullscreen
    with pytest.raises(click.ClickException, match="size"):
        _start_config(tmp_path, f'data_dir = "{tmp_path}"', size="huge")


START = """
import sys
from pathlib import Path
from kiosk.cli import _kiosk_config
config = _kiosk_config(Path(sys.argv[1]), {})
print(config.kiosk_id, config.display.hours[0].on, config.data_dir, "pydantic" in sys.modules)
"""


def _start(path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", START, str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_kiosk_validates_its_config_once_per_change(tmp_path: Path) -> None:
    """The kiosk screen's start skips pydantic (about 50 ms) when the configuration file is
    the one validated at an earlier start; any change is validated again."""
    path = tmp_path / "kiosk.toml"
    text = (
        f'kiosk_id = "rynek"\ndata_dir = "{tmp_path}"\n'
        '[[display.hours]]\non = "07:00"\noff = "20:00"\n'
    )
    path.write_text(text, encoding="utf-8")
    assert _start(path) == f"rynek 07:00 {tmp_path} True"
    memo = tmp_path / CHECKED_FILE
    assert memo.stat().st_mode & 0o777 == 0o600  # a copy of the file (the staff PIN's hash)
    assert _start(path) == f"rynek 07:00 {tmp_path} False"

    path.write_text(text.replace("rynek", "biblioteka"), encoding="utf-8")
    assert _start(path) == f"biblioteka 07:00 {tmp_path} True"
    path.write_text(text.replace('"07:00"', '"25:00"'), encoding="utf-8")
    with pytest.raises(click.ClickException, match="25:00"):
        _kiosk_config(path, {})
    assert "biblioteka" in memo.read_text()  # the last good one is kept

    path.write_text(text, encoding="utf-8")
    _start(path)
    memo.write_text(memo.read_text().replace('"rynek"', '"Rynek Główny"'), encoding="utf-8")
    assert _start(path) == f"rynek 07:00 {tmp_path} True"  # an edited memo is not trusted
    memo.write_text("{not json", encoding="utf-8")
    assert _start(path) == f"rynek 07:00 {tmp_path} True"


def test_a_value_of_another_type_is_another_setting(tmp_path: Path) -> None:
    """TOML's date 1979-05-27 is not the string "1979-05-27": the memo of the one does not
    pass the other."""
    _start_config(tmp_path, f'data_dir = "{tmp_path}"\n[printer]\ndevice = "1979-05-27"')
    assert (tmp_path / CHECKED_FILE).exists()
    with pytest.raises(click.ClickException, match="printer.device"):
        _start_config(tmp_path, f'data_dir = "{tmp_path}"\n[printer]\ndevice = 1979-05-27')
