"""The wheel check's inputs: every pin of pyproject.toml, every aarch64 tag Bookworm accepts.
(The check itself runs in `./dev test`, against PyPI.)"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("check_wheels", REPO / "scripts" / "check_wheels.py")
check_wheels = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_wheels)


def test_every_pin_is_checked() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = set(project["dependencies"]) | {
        r for extra in project["optional-dependencies"].values() for r in extra
    }
    pins = {p for p in pins if not p.startswith("kiosk-platform")}
    assert set(check_wheels.requirements()) == pins
    assert all("==" in p for p in pins), "every dependency is pinned"
    assert any(p.startswith("python-vlc==") for p in pins)


def test_the_platforms_are_those_of_raspberry_pi_os_bookworm() -> None:
    platforms = check_wheels.PLATFORMS
    assert "manylinux2014_aarch64" in platforms
    assert "manylinux_2_17_aarch64" in platforms and "manylinux_2_36_aarch64" in platforms
    assert "manylinux_2_37_aarch64" not in platforms  # newer than Bookworm's glibc
    assert all(p.endswith("_aarch64") for p in platforms)
