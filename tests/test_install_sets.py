"""Two programs that install apart: the hub without the kiosk's libraries, the shared core
without either program.

`pip install ".[hub]"` resolves without Kivy, libVLC's binding, the printer's or the serial
line's package (pip against PyPI, as scripts/check_wheels.py asks it). And since a package
installed here may still be imported by mistake, each program also runs in a Python whose
import system refuses what that program's install would not have (a `sys.meta_path` finder
that raises ImportError and says so on stderr): the hub (every module, `kiosk-hub init`, its
app, `kiosk-hub publish`), `kiosk content check` and `kiosk content build` with only the base
dependencies, and every module of kiosk_core.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from tests.conftest import write_tree
from tests.hubtools import HubEnv, LiveServer

REPO = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("check_wheels", REPO / "scripts" / "check_wheels.py")
check_wheels = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_wheels)

APPLIANCE = {"kivy", "python-vlc", "python-escpos", "pyserial"}
"""Distributions only a kiosk needs (the screen, the attract loop's videos, the printer)."""
SERVER = {"fastapi", "uvicorn", "sqlalchemy"}

KIOSK_ONLY = {
    "kivy": "kivy",
    "vlc": "python-vlc",
    "escpos": "python-escpos",
    "serial": "pyserial",
    "sqlite_utils": "sqlite-utils",
    "qrcode": "qrcode",
}
"""Import names of the kiosk's extra that the hub's does not have (requests is in both), and
their distributions."""
HUB_ONLY = {
    "fastapi": "fastapi",
    "starlette": "starlette",
    "uvicorn": "uvicorn",
    "sqlalchemy": "sqlalchemy",
    "openpyxl": "openpyxl",
    "jinja2": "jinja2",
    "argon2": "argon2-cffi",
    "multipart": "python-multipart",
    "python_multipart": "python-multipart",
}
NOT_IN_BASE = KIOSK_ONLY | HUB_ONLY | {"requests": "requests"}
"""What a plain `pip install .` (the base dependencies: kiosk_core and `kiosk content`) lacks."""

BLOCKER = """\
import sys


class _Refuse:
    def __init__(self, names):
        self.names = names

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.names:
            print(f"REFUSED IMPORT {name}", file=sys.stderr, flush=True)
            raise ImportError(f"{name} must not be imported here")
        return None


sys.meta_path.insert(0, _Refuse(set(sys.argv.pop(1).split(","))))
"""


def run_without(
    refused: Iterable[str], code: str, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess:
    """`code` in a new Python in which importing any of `refused` (top-level names) fails;
    `args` are its sys.argv[1:]."""
    return subprocess.run(
        [sys.executable, "-c", BLOCKER + code, ",".join(sorted(refused)), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_ran(done: subprocess.CompletedProcess) -> None:
    assert "REFUSED IMPORT" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stdout + done.stderr


def imported_names(package: str) -> dict[str, set[str]]:
    """Every top-level name each module of `package` imports, at module level or inside a
    function (which only a run that reaches that function would show)."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / package).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.partition(".")[0])
        found[path.relative_to(REPO).as_posix()] = names
    return found


def test_each_install_has_what_its_program_needs_and_not_the_others() -> None:
    def installs(extras: str) -> set[str]:
        return check_wheels.distributions(check_wheels.resolve([check_wheels.project(extras)]))

    hub, kiosk, base = installs("hub"), installs("kiosk"), installs("")
    assert hub & APPLIANCE == set(), "pip install '.[hub]' would install the kiosk's libraries"
    assert kiosk >= APPLIANCE, "pip install '.[kiosk]' is the appliance"
    assert hub >= SERVER and kiosk & SERVER == set()
    # What the tests below refuse to import is what these installs lack:
    assert hub & set(KIOSK_ONLY.values()) == set() and kiosk >= set(KIOSK_ONLY.values())
    assert base & set(NOT_IN_BASE.values()) == set() and hub >= set(HUB_ONLY.values())


def test_no_module_of_the_hub_or_the_core_names_what_they_must_not_import() -> None:
    for module, names in imported_names("hub").items():
        assert names & (KIOSK_ONLY.keys() | {"kiosk"}) == set(), module
    for module, names in imported_names("kiosk_core").items():
        assert names & (NOT_IN_BASE.keys() | {"kiosk", "hub"}) == set(), module


def test_the_hub_runs_without_the_kiosk_and_its_libraries(tmp_path: Path) -> None:
    refused = KIOSK_ONLY.keys() | {"kiosk"}
    code = """
import importlib, pkgutil
from pathlib import Path

import hub
from fastapi.testclient import TestClient

for info in pkgutil.walk_packages(hub.__path__, "hub."):
    # Alembic runs hub.migrations' env and revisions itself, within its own context (their
    # imports are checked by the source scan above).
    if not info.name.startswith("hub.migrations."):
        importlib.import_module(info.name)

from hub.app import create_app
from hub.cli import main
from hub.settings import Settings

main(["init", "--data", sys.argv[1]], standalone_mode=False)
with TestClient(create_app(Settings(Path(sys.argv[1])))) as client:
    print(client.get("/api/v1/health").status_code, client.get("/login?lang=pl").status_code)
"""
    done = run_without(refused, code, str(tmp_path / "hub"))
    assert_ran(done)
    assert done.stdout.splitlines()[-1] == "200 200"

    env = HubEnv.create(tmp_path / "live")
    token = env.token("admin")
    src = write_tree(tmp_path / "src")
    publish = "from hub.cli import main\nmain()"
    with LiveServer(env.app) as server:
        done = run_without(
            refused, publish, "publish", str(src), "--hub", server.url, "--token", token
        )
    assert_ran(done)
    assert "Published release 1" in done.stdout


def test_content_check_and_build_need_only_the_base_dependencies(tmp_path: Path) -> None:
    refused = NOT_IN_BASE.keys() | {"hub"}
    cli = "from kiosk.cli import main\nmain()"
    done = run_without(refused, cli, "content", "check", "content")
    assert_ran(done)
    assert done.stdout.startswith("OK: ")
    out = tmp_path / "release"
    done = run_without(refused, cli, "content", "build", "content", str(out), "--version", "3")
    assert_ran(done)
    assert (out / "manifest.json").is_file() and (out / "content.json").is_file()


def test_the_shared_core_imports_neither_program_nor_their_libraries() -> None:
    code = """
import importlib, pkgutil
import kiosk_core

names = [i.name for i in pkgutil.walk_packages(kiosk_core.__path__, "kiosk_core.")]
for name in names:
    importlib.import_module(name)
print(len(names))
"""
    done = run_without(NOT_IN_BASE.keys() | {"kiosk", "hub"}, code)
    assert_ran(done)
    assert int(done.stdout) >= 20  # every module was walked, not an empty package
