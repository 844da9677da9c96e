"""A kiosk whose display cannot be opened (none connected, unplugged, no DRM device): the real
`kiosk run` says so in one line, exits with the status systemd answers with a slow retry
instead of a crash count and a reboot (tests/test_systemd_units.py), and leaves the error for
the real sync agent, whose heartbeat brings it to the real hub's fleet status; once the
display works again, the next heartbeat clears it.

Kivy is run as the unit runs it (SDL_VIDEODRIVER=kmsdrm): this machine has no /dev/dri, as a
Pi with no screen has no connected connector. A working display is Xvfb.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from kiosk.cli import NO_DISPLAY_EXIT
from kiosk.infra.store import open_store
from kiosk.sync.errors import pending_errors
from tests.conftest import write_tree
from tests.hubtools import HUB_CLI, KIOSK_CLI, REPO, HubProcess, enroll_kiosk, run
from tests.test_web_fleet import text_of
from tests.webtools import sign_in

NO_DISPLAY = "cannot open the display"


class Systemd:
    """The NOTIFY_SOCKET end of systemd: what a Type=notify service tells it."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "notify"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.path))
        self.sock.settimeout(0.2)
        self.heard: list[str] = []

    def listen(self) -> None:
        """Take what was sent in the next 0.2 s."""
        with contextlib.suppress(TimeoutError):
            self.heard.extend(self.sock.recv(4096).decode().splitlines())

    def close(self) -> None:
        self.sock.close()


def app_env(tmp_path: Path, systemd: Systemd, display: str | None) -> dict[str, str]:
    """The environment systemd/kiosk.service gives the app; with `display`, an X display."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    kivy_home = tmp_path / "kivy"
    kivy_home.mkdir(exist_ok=True)
    env |= {
        "KIVY_HOME": str(kivy_home),
        "KIVY_WINDOW": "sdl2",
        "KIVY_GL_BACKEND": "sdl2",
        "KIVY_NO_ARGS": "1",
        "KIVY_NO_FILELOG": "1",
        "SDL_VIDEODRIVER": "kmsdrm",
        "NOTIFY_SOCKET": str(systemd.path),
    }
    if display:
        env |= {"DISPLAY": display, "SDL_VIDEODRIVER": "x11"}
    return env


def kiosk_run(data: Path, content: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [*KIOSK_CLI, "run", "--data", str(data), "--content", str(content), "--windowed"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def systemd(tmp_path: Path):
    listener = Systemd(tmp_path)
    yield listener
    listener.close()


@pytest.mark.parametrize("driver", ["kmsdrm", "x11"])
def test_no_display_is_said_once_kept_for_the_hub_and_exits_for_a_slow_retry(
    tmp_path: Path, systemd: Systemd, driver: str
) -> None:
    env = app_env(tmp_path, systemd, display=None) | {"SDL_VIDEODRIVER": driver}
    data = tmp_path / "data"
    app = kiosk_run(data, write_tree(tmp_path / "src"), env)
    _out, err = app.communicate(timeout=120)
    assert app.returncode == NO_DISPLAY_EXIT, err
    said = [line for line in err.splitlines() if NO_DISPLAY in line]
    assert said == [
        f"kiosk: {NO_DISPLAY} (sdl2: {driver} not available); is a screen connected and "
        "switched on?"
    ], err
    assert "Traceback" not in err and "AttributeError" not in err
    (recorded,) = pending_errors(open_store(data))
    assert recorded.endswith(f"display: {NO_DISPLAY} (sdl2: {driver} not available)")
    systemd.listen()
    assert f"STATUS={NO_DISPLAY} (sdl2: {driver} not available)" in systemd.heard


def test_the_fleet_shows_a_missing_display_until_it_works_again(
    tmp_path: Path, systemd: Systemd, display
) -> None:
    hub = HubProcess(tmp_path)
    try:
        subprocess.run(
            [*HUB_CLI, "user", "add", "ewa", "--role", "admin", "--password-stdin"]
            + ["--data", str(hub.data)],
            input="jodła-2026-ratusz\n",
            text=True,
            check=True,
            capture_output=True,
            cwd=REPO,
        )

        def fleet_page() -> str:
            admin = sign_in(hub.url, "ewa", "jodła-2026-ratusz")
            return text_of(admin.get(f"{hub.url}/admin/fleet", timeout=10).text)

        data = tmp_path / "kiosk"
        enroll_kiosk(hub.url, hub.add_kiosk("rynek"), data)
        content = write_tree(tmp_path / "src")

        app = kiosk_run(data, content, app_env(tmp_path, systemd, display=None))
        _out, err = app.communicate(timeout=120)
        assert app.returncode == NO_DISPLAY_EXIT, err
        run([*KIOSK_CLI, "sync", "--once", "--data", str(data)], check=False)
        errors = hub.fleet("rynek")["errors"]
        assert any(f"display: {NO_DISPLAY}" in e for e in errors), errors
        assert f"display: {NO_DISPLAY} (sdl2: kmsdrm not available)" in fleet_page()

        # The screen is plugged in again: the app starts, and reports nothing more.
        app = kiosk_run(data, content, app_env(tmp_path, systemd, os.environ["DISPLAY"]))
        try:
            deadline = time.monotonic() + 120
            while "READY=1" not in systemd.heard:
                assert app.poll() is None, app.communicate()[1]
                assert time.monotonic() < deadline, "the app never drew its first screen"
                systemd.listen()
        finally:
            app.terminate()
            app.communicate(timeout=30)
        run([*KIOSK_CLI, "sync", "--once", "--data", str(data)], check=False)
        errors = hub.fleet("rynek")["errors"]
        assert not any(NO_DISPLAY in e for e in errors), errors
        assert NO_DISPLAY not in fleet_page()
    finally:
        hub.stop()
