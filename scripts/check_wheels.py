#!/usr/bin/env python3
"""Prove that every pinned dependency installs on a Raspberry Pi without compiling anything.

A kiosk is Raspberry Pi OS Bookworm 64-bit: CPython 3.11 on aarch64 with glibc 2.36. What the
kiosk installs (`pip install ".[kiosk]"`: the base dependencies and the kiosk's extra), and
then every package in pyproject.toml (the hub's, postgresql and dev extras too), with
everything they pull in, must come as a wheel for that platform from PyPI, or be a package
Debian ships for Bookworm arm64 (listed in DEBIAN below, with its reason).

pip resolves the whole set for that platform with `--only-binary=:all:` (a package with no
fitting wheel fails the resolution) and `--dry-run --report`, which reads the wheels'
metadata (PEP 658) instead of downloading them: a few seconds, not hundreds of megabytes.
Needs network access to PyPI. Exit status 0 when everything has a wheel.

    .venv/bin/python scripts/check_wheels.py [--verbose]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON_VERSION = "3.11"
GLIBC_MINOR = 36  # Debian 12 / Raspberry Pi OS Bookworm
PLATFORMS = ["manylinux2014_aarch64"] + [
    f"manylinux_2_{minor}_aarch64" for minor in range(17, GLIBC_MINOR + 1)
]
"""Every wheel tag a Bookworm aarch64 system accepts (pip matches --platform exactly)."""

KIOSK_SET = "kiosk"
"""The extra a kiosk installs (deploy/install-kiosk.sh): checked first and on its own, as the
project with that extra, the way pip installs it there."""

DEBIAN: dict[str, str] = {}
"""Packages taken from Debian instead of PyPI on the Pi: name -> the Bookworm arm64 package.
Empty: every dependency has a wheel. (libVLC itself is a Debian package, libvlc5; python-vlc
is a pure-Python wheel that loads it.)"""


def requirements() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = list(project["dependencies"])
    for name, extra in project.get("optional-dependencies", {}).items():
        found.extend(r for r in extra if not r.startswith(project["name"]))
        del name
    return [r for r in found if r.split("==")[0].lower() not in DEBIAN]


def resolve(reqs: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--dry-run", "--ignore-installed", "--report", str(report),
            "--target", str(Path(tmp) / "target"),
            "--only-binary=:all:", "--python-version", PYTHON_VERSION,
            "--implementation", "cp", "--abi", "cp311", "--abi", "abi3", "--abi", "none",
            *[arg for platform in PLATFORMS for arg in ("--platform", platform)],
            *reqs,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            print(done.stdout + done.stderr, file=sys.stderr)
            raise SystemExit(
                "FAILED: some dependency has no wheel for CPython 3.11 on manylinux aarch64 "
                "(see pip's message above); pin a version that has one, or list the Debian "
                "package in DEBIAN"
            )
        return json.loads(report.read_text())


def project(extras: str = "") -> str:
    """This project with `extras`, as pip takes it: what `pip install ".[extras]"` installs."""
    return f"{REPO}[{extras}]" if extras else str(REPO)


def wheels(report: dict) -> list[str]:
    """The file names of the wheels `report` installs (all but this project, from its folder);
    exits when something would be built from source."""
    found = []
    for item in report["install"]:
        if "dir_info" in item["download_info"]:
            continue  # this project itself
        url = item["download_info"]["url"]
        name = url.rsplit("/", 1)[-1]
        if not name.endswith(".whl"):
            raise SystemExit(f"FAILED: {item['metadata']['name']} would be built from {name}")
        found.append(name)
    return found


def distributions(report: dict) -> set[str]:
    """The normalised names (PEP 503: `python-vlc`, `kivy`) of what `report` installs."""
    return {re.sub(r"[-_.]+", "-", item["metadata"]["name"]).lower() for item in report["install"]}


def check(label: str, reqs: list[str], verbose: bool) -> None:
    found = wheels(resolve(reqs))
    native = [w for w in found if not w.endswith("-none-any.whl")]
    if verbose:
        for wheel in sorted(found):
            print(f"  {wheel}")
    print(
        f"OK: {label} to {len(found)} wheels for CPython {PYTHON_VERSION} on aarch64 "
        f"(glibc 2.{GLIBC_MINOR}), {len(native)} of them compiled"
        + (f"; from Debian: {', '.join(DEBIAN.values())}" if DEBIAN else "")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every wheel")
    args = parser.parse_args()
    check(f"the kiosk's set (.[{KIOSK_SET}]) resolves", [project(KIOSK_SET)], args.verbose)
    reqs = requirements()
    check(f"all {len(reqs)} pinned dependencies resolve", reqs, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
