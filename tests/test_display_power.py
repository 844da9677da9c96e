"""Switching the display: a backlight in (a copy of) sysfs, and real programs on PATH."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.appliance.devices.display import (
    Backlight,
    Blank,
    Command,
    DisplayPowerError,
    cec,
    choose,
    vcgencmd,
)


def fake_program(folder: Path, name: str, exit_code: int = 0) -> Path:
    """A program that appends its arguments to NAME.log and exits with `exit_code`."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(
        f'#!/bin/sh\necho "$@" >> "{folder / name}.log"\necho "no device" >&2\nexit {exit_code}\n'
    )
    path.chmod(0o755)
    return path


@pytest.fixture
def backlight(tmp_path: Path) -> Path:
    device = tmp_path / "backlight" / "10-0045"
    device.mkdir(parents=True)
    (device / "bl_power").write_text("0")
    (device / "brightness").write_text("255")
    return device


def test_backlight_off_and_on(backlight: Path) -> None:
    power = Backlight(backlight)
    power.set(False)
    assert (backlight / "bl_power").read_text() == "4"
    power.set(True)
    assert (backlight / "bl_power").read_text() == "0"


def test_a_backlight_that_cannot_be_written_is_an_error(backlight: Path) -> None:
    power = Backlight(backlight / "gone")
    with pytest.raises(DisplayPowerError, match="bl_power"):
        power.set(False)


def test_auto_prefers_a_writable_backlight(backlight: Path, tmp_path: Path) -> None:
    chosen = choose("auto", backlight_root=backlight.parent, drm_root=tmp_path, environ={})
    assert isinstance(chosen, Backlight) and chosen.device == backlight


def test_cec_runs_cec_ctl(tmp_path: Path, monkeypatch) -> None:
    bin_dir = tmp_path / "bin"
    fake_program(bin_dir, "cec-ctl")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    power = cec()
    power.set(False)
    power.set(True)
    assert (bin_dir / "cec-ctl.log").read_text().splitlines() == [
        "--to 0 --standby",
        "--to 0 --image-view-on",
    ]


def test_a_failing_program_is_an_error_with_its_message(tmp_path: Path, monkeypatch) -> None:
    bin_dir = tmp_path / "bin"
    fake_program(bin_dir, "vcgencmd", exit_code=2)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(DisplayPowerError, match="exit 2: no device"):
        vcgencmd().set(False)
    with pytest.raises(DisplayPowerError, match="no-such-program"):
        Command("x", ["no-such-program"], ["no-such-program"]).set(True)


def test_auto_on_a_machine_with_nothing_to_switch_blanks(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    chosen = choose("auto", backlight_root=tmp_path / "none", drm_root=tmp_path, environ={})
    assert isinstance(chosen, Blank)
    chosen.set(False)  # nothing happens, nothing fails
    assert choose("blank").name == "blank"
    assert choose("xset").name == "xset"
