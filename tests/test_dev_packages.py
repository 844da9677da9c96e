"""`./dev test` installs every system library the test suite's own native programs load, on a
Debian 12 that had only python3 before.

Playwright drives the system's Chromium (a Debian package, which brings its own libraries) but
runs its driver on a node binary shipped inside the Python wheel, which apt knows nothing
about: its libraries are found here with ldd, each traced to the Debian package that ships it,
and that package must be one a pristine system has (essential or required, or pulled in by
python3 and apt) or one of `./dev`'s lists, or something those depend on.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PRISTINE = ("python3", "apt")
"""Installed on the Debian 12 `./dev` starts from, besides the essential and required set."""

pytestmark = pytest.mark.skipif(
    shutil.which("dpkg-query") is None or shutil.which("ldd") is None,
    reason="a Debian system (dpkg, ldd)",
)


def dev_packages() -> set[str]:
    """The Debian packages `./dev test` installs: its APT_RUN and APT_TEST lists."""
    text = (REPO / "dev").read_text()
    found: set[str] = set()
    for name in ("APT_RUN", "APT_TEST"):
        match = re.search(rf"^{name}=\(([^)]*)\)", text, re.M)
        assert match, f"./dev has no {name}=(...) list"
        found |= set(match[1].split())
    return found


def installed() -> dict[str, tuple[bool, list[str]]]:
    """Each installed package: (essential or required, the packages it depends on)."""
    out = subprocess.run(
        [
            "dpkg-query",
            "-W",
            "-f",
            "${db:Status-Status}\t${Package}\t${Essential}\t${Priority}\t"
            "${Pre-Depends}, ${Depends}\n",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    packages = {}
    for line in out.splitlines():
        status, name, essential, priority, depends = line.split("\t")
        if status != "installed":
            continue
        # "libc6 (>= 2.34), libgcc-s1 | libgcc1": the first of alternatives is what a
        # minimal system picks; versions and architecture qualifiers do not matter here.
        wanted = [
            re.split(r"[\s:(]", alt.split("|")[0].strip())[0]
            for alt in depends.split(",")
            if alt.strip()
        ]
        packages[name] = (essential == "yes" or priority == "required", wanted)
    return packages


def provided(roots: set[str], packages: dict[str, tuple[bool, list[str]]]) -> set[str]:
    """The roots, the essential and required packages, and everything they depend on."""
    todo = list(roots | {name for name, (base, _deps) in packages.items() if base})
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += packages.get(name, (False, []))[1]
    return seen


def libraries(binary: Path) -> list[str]:
    """The shared libraries `binary` loads, as the dynamic loader finds them."""
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
    missing = [line.split()[0] for line in out.splitlines() if "not found" in line]
    assert not missing, f"{binary.name} cannot load {missing} on this machine"
    paths = [re.search(r"(/\S+) \(0x", line) for line in out.splitlines()]
    return [m[1] for m in paths if m]


def owner(path: str) -> str:
    """The Debian package that ships a library (merged /usr: /lib is /usr/lib)."""
    real = Path(path).resolve()
    candidates = dict.fromkeys(
        [path, str(real), *(f"/usr{p}" for p in (path, str(real)) if not p.startswith("/usr"))]
    )
    for candidate in candidates:
        done = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if done.returncode == 0:
            return done.stdout.split(":")[0].strip()
    raise AssertionError(f"no Debian package ships {path}")


def playwright_node() -> Path:
    playwright = pytest.importorskip("playwright")
    node = Path(playwright.__file__).parent / "driver" / "node"
    assert node.is_file(), f"Playwright's driver has no node binary at {node}"
    return node


def test_dev_installs_every_library_playwright_s_node_loads() -> None:
    packages = installed()
    ours = provided(set(PRISTINE) | dev_packages(), packages)
    owners = {lib: owner(lib) for lib in libraries(playwright_node())}
    lacking = {lib: pkg for lib, pkg in owners.items() if pkg not in ours}
    assert not lacking, (
        f"on a pristine Debian 12 ./dev test would leave out {sorted(set(lacking.values()))} "
        f"(for {', '.join(sorted(lacking))}): add them to APT_TEST"
    )
