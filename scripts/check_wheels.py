#!/usr/bin/env python3
"""Prove that every pinned dependency installs on a Raspberry Pi without compiling anything.

A kiosk is Raspberry Pi OS Bookworm 64-bit: CPython 3.11 on aarch64 with glibc 2.36. Every
package in pyproject.toml (the kiosk's, the hub's and the dev extras), and everything they
pull in, must come as a wheel for that platform from PyPI, or be a package Debian ships for
Bookworm arm64 (listed in DEBIAN below, with its reason).

pip resolves the whole set for that platform with `--only-binary=:all:` (a package with no
fitting wheel fails the resolution) and `--dry-run --report`, which reads the wheels'
metadata (PEP 658) instead of downloading them: a few seconds, not hundreds of megabytes.
Needs network access to PyPI. Exit status 0 when everything has a wheel.

    .venv/bin/python scripts/check_wheels.py [--verbose]
"""

from __future__ import annotations

import argparse
import json
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every wheel")
    args = parser.parse_args()
    reqs = requirements()
    report = resolve(reqs)
    wheels = []
    for item in report["install"]:
        url = item["download_info"]["url"]
        name = url.rsplit("/", 1)[-1]
        if not name.endswith(".whl"):
            raise SystemExit(f"FAILED: {item['metadata']['name']} would be built from {name}")
        wheels.append(name)
    native = [w for w in wheels if not w.endswith("-none-any.whl")]
    if args.verbose:
        for wheel in sorted(wheels):
            print(f"  {wheel}")
    print(
        f"OK: {len(reqs)} pinned dependencies resolve to {len(wheels)} wheels for CPython "
        f"{PYTHON_VERSION} on aarch64 (glibc 2.{GLIBC_MINOR}), {len(native)} of them compiled"
        + (f"; from Debian: {', '.join(DEBIAN.values())}" if DEBIAN else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
