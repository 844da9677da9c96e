"""Benchmarks of the kiosk UI in a real window (Xvfb, software OpenGL).

- cold start to the first frame drawn, beside a bare Kivy "hello world" started the same way
  (target: at most 1.5x)
- memory (RSS) after visiting every screen, card, event and language the way a visitor does
  (a home tile, down to an item, Back), then pausing to read (target: at most 200 MB)
- time from a touch to the next screen drawn (target: at most 50 ms): back and forth between
  screens already built, each home tile's first opening, and each again after the visit

The kiosk starts the way systemd starts it on a kiosk: `kiosk run --config kiosk.toml` from the
venv's console script, with the environment of systemd/kiosk.service (less SDL_VIDEODRIVER=
kmsdrm: here the window is on Xvfb), over a data directory holding an installed release behind
the `current` link. It is started when it tells systemd READY=1 through NOTIFY_SOCKET, which
it does after its first frame is drawn; the hello world, run by the same Python with the same
environment and window size, sends the same datagram after its first frame.

Run: .venv/bin/python bench/ui_bench.py [--runs N] [--content SOURCE]
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from figures import p95  # noqa: E402

UNIT = REPO / "systemd" / "kiosk.service"
NOT_HERE = {"SDL_VIDEODRIVER"}
"""Unit settings for the Pi's hardware only (KMS/DRM without X); the bench runs on Xvfb."""

HELLO = """
import os, socket, sys
from kivy.config import Config
Config.set("graphics", "width", "1920")  # the same window as the kiosk's
Config.set("graphics", "height", "1080")
if sys.argv[1:] == ["--no-msaa"]:  # the kiosk's setting instead of Kivy's default (2)
    Config.set("graphics", "multisamples", "0")


def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024


print("RSS-IMPORTED", rss(), flush=True)
from kivy.app import App
from kivy.core.window import Window
from kivy.uix.label import Label

print("RSS-WINDOW", rss(), flush=True)


def first_frame(*_args):
    Window.unbind(on_flip=first_frame)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])


class Hello(App):
    def build(self):
        Window.bind(on_flip=first_frame)
        return Label(text="Hello world")


Hello().run()
"""

DRIVER = """
import time
from kivy.base import EventLoop
from kivy.input.motionevent import MotionEvent


class Finger(MotionEvent):
    # A touch put into Kivy's input path the way kivy.tests.common.UnitTestTouch does, which
    # would import pytest (some 10 MB) into the very process whose memory is measured.
    def __init__(self, x, y):
        super().__init__("finger", 99, at(x, y), is_touch=True, type_id="touch")
        self.profile = ["pos"]

    def depack(self, args):
        self.sx, self.sy = args["x"], args["y"]
        super().depack(args)

    def touch_down(self):
        EventLoop.post_dispatch_input("begin", self)

    def touch_move(self, x, y):
        self.move(at(x, y))
        EventLoop.post_dispatch_input("update", self)

    def touch_up(self):
        EventLoop.post_dispatch_input("end", self)


def at(x, y):
    return {"x": x / (EventLoop.window.width - 1.0), "y": y / (EventLoop.window.height - 1.0)}


def pause(seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        EventLoop.idle()
"""
"""What the scripts that drive the kiosk share, a finger and a pause that keeps the frames
coming: nothing the kiosk itself does not import."""

VISIT = (
    DRIVER
    + """
import statistics, sys, time
from kivy.app import App
from kivy.clock import Clock

from kiosk.cli import main

TILES = ("services", "events", "report", "search", "contact", "walk")

def rss_mb(key="VmRSS"):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024


flips = []

def frames(n):
    for _ in range(n):
        EventLoop.idle()

def touch_at(x, y):
    t = Finger(x, y)
    t.touch_down(); t.touch_up()

def tap(widget):
    x, y = widget.to_window(*widget.center)
    start = time.perf_counter()
    before = len(flips)
    touch_at(x, y)
    while len(flips) == before:
        EventLoop.idle()
    return flips[before] - start

def visitor(app):
    # A finger on the town's name in the top bar, where nothing reacts: the kiosk knows a
    # visitor is there (no idle reset, no attract loop) and counts the touch, as it would.
    name = app.root_widget.ids.topbar.ids.municipality
    touch_at(*name.to_window(*name.center))

def run(dt):
    from kivy.core.window import Window  # opened by the app, with the app's settings

    Window.bind(on_flip=lambda *a: flips.append(time.perf_counter()))
    app = App.get_running_app()
    now = app.now()
    home = app.root_widget.ids.bottombar.ids.home
    tiles = app.manager.get_screen("home").ids
    names = [n for n in TILES if tiles[n].parent is not None]

    def open_each():
        # from home, each tile of the home screen in turn: a touch, then the screen drawn
        opened = []
        for name in names:
            visitor(app); app.home(); pause(0.3)
            opened.append(f"{name}={tap(tiles[name]) * 1000:.1f}"); frames(20)
        app.home(); frames(20)
        return " ".join(opened)

    print("FIRST " + open_each())
    lats = []
    for _ in range(int(sys.argv[2])):
        lats.append(tap(tiles.services)); frames(20)
        lats.append(tap(home)); frames(20)
        lats.append(tap(tiles.events)); frames(20)
        lats.append(tap(home)); frames(20)
    # Every screen the way a visitor moves: a home tile, down to an item, Back.
    for cat in app.catalog.categories(now):
        visitor(app); app.home(); app.go("categories"); frames(2)
        visitor(app); app.go("services", category=cat.id); frames(3)
        for card in app.catalog.services(cat.id, now):
            visitor(app); app.open_item("service", card.id); frames(2)
            visitor(app); app.back(); frames(2)
    visitor(app); app.home(); app.go("events"); frames(3)
    for ev in app.catalog._events:
        visitor(app); app.open_item("event", ev.id); frames(2)
        visitor(app); app.back(); frames(2)
    for name in ("search", "report", "walk", "contact"):
        visitor(app); app.home(); app.go(name); frames(10)
    for lang in ("en", "de", "cs", "uk", "pl"):
        visitor(app); app.set_language(lang); frames(3)
    pause(3)  # the visitor reads the contact card
    print(f"RSS {rss_mb():.1f}")
    print(f"RSS-FILE {rss_mb('RssFile'):.1f}")
    print("SCREENS " + ",".join(app.manager.screen_names))
    app.reset_for_next_visitor(); pause(3)
    print(f"RSS-RESET {rss_mb():.1f}")
    print("AGAIN " + open_each())  # most were let go during the visit: built again
    print("LAT " + " ".join(f"{v * 1000:.2f}" for v in lats))
    app.stop()

# The first tick of the clock comes after the app has started; the first visitor comes when
# the kiosk has long prepared what its first screen did not need (WARM_UP_AFTER, a step a
# frame), not half a second after it was switched on.
Clock.schedule_once(lambda dt: Clock.schedule_once(run, 2.0), 0)
main(["run", "--config", sys.argv[1]], standalone_mode=False)
"""
)


def unit_environment(kivy_home: Path) -> dict[str, str]:
    """The Environment= settings of the kiosk's systemd unit, as they apply here."""
    env = {}
    for line in UNIT.read_text().splitlines():
        if line.startswith("Environment="):
            key, _, value = line.removeprefix("Environment=").partition("=")
            if key not in NOT_HERE:
                env[key] = value
    env["KIVY_HOME"] = str(kivy_home)
    return env


def script(code: str, folder: Path, name: str) -> str:
    """Kivy looks for an app's .kv file beside its source, so children run from a file."""
    path = folder / name
    path.write_text(code)
    return str(path)


def run_app(code: str, folder: Path, args: list[str], env: dict[str, str]) -> dict[str, str]:
    """Run a script that drives the kiosk app in its own process (one Kivy app a process);
    what it printed as `KEY value` lines."""
    out = subprocess.run(
        [sys.executable, script(code, folder, "drive.py"), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
        env=env | {"NOTIFY_SOCKET": ""},
    ).stdout
    return dict(line.split(maxsplit=1) for line in out.splitlines() if " " in line)


def rss_of(pid: int, key: str = "VmRSS") -> int:
    """Resident MB of a process; key "RssFile" gives the part that is mapped files
    (libraries: with software GL, libLLVM alone is about 50 MB)."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    raise RuntimeError(f"no {key} for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User and system time of a process so far (all its threads): less noisy than wall time
    on a shared machine."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cold_start(command: list[str], env: dict[str, str], notify: socket.socket) -> dict:
    """Seconds from spawning `command` to its READY=1 (its first frame drawn) and the CPU
    time it used until then, then its RSS once it has drawn for a second, and what it
    printed."""
    notify.setblocking(False)
    while True:  # nothing left over from an earlier run
        try:
            notify.recv(4096)
        except BlockingIOError:
            break
    start = time.perf_counter()
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
        env=env,
    )
    try:
        notify.settimeout(60)
        while b"READY=1" not in notify.recv(4096).split(b"\n"):
            pass
        elapsed = time.perf_counter() - start
        cpu = cpu_seconds(proc.pid)
        time.sleep(1.0)
        rss, rss_file = rss_of(proc.pid), rss_of(proc.pid, "RssFile")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    printed = dict(line.split(maxsplit=1) for line in out.splitlines() if line.startswith("RSS"))
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "rss": rss,
        "rss_file": rss_file,
        **{k: int(v) for k, v in printed.items()},
    }


def byte_compile() -> None:
    """A kiosk runs byte-compiled modules (pip compiles them when it installs the kiosk);
    this tree is an editable install, and with PYTHONDONTWRITEBYTECODE set every start would
    compile the kiosk's sources again, which the hello world's Kivy never does."""
    for package in ("kiosk", "kiosk_core"):
        compileall.compile_dir(REPO / package, quiet=1)


@contextlib.contextmanager
def scratch() -> Iterator[tuple[Path, dict[str, str]]]:
    """What every bench that runs the kiosk needs: a display, a scratch folder, and the
    environment of the kiosk's systemd unit with Kivy's home in that folder."""
    from tests.kivy_driver import virtual_display

    with virtual_display(), tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        yield tmp, os.environ | unit_environment(tmp / "kivy")


def install(content: Path, tmp: Path) -> Path:
    """A kiosk's data directory with the content installed as release 1, and its kiosk.toml."""
    from kiosk.content.release import RELEASES_DIR, activate_release
    from kiosk_core.content.build import build_release

    data = tmp / "data"
    release = data / RELEASES_DIR / "1"
    build_release(content, release)
    activate_release(data, release)
    config = tmp / "kiosk.toml"
    config.write_text(f'data_dir = "{data}"\nfullscreen = false\nsize = "1920x1080"\n')
    return config


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--content",
        type=Path,
        default=REPO / "content",
        help="content source to show (default: the bundled sample)",
    )
    args = parser.parse_args()
    kiosk_bin = Path(sys.executable).parent / "kiosk"
    if not kiosk_bin.exists():
        sys.exit(f"{kiosk_bin} is missing: install the project into this venv (./dev)")
    byte_compile()
    with scratch() as (tmp, env):
        config = install(args.content, tmp)
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(str(tmp / "notify"))
        env["NOTIFY_SOCKET"] = str(tmp / "notify")
        hello_cmd = [sys.executable, script(HELLO, tmp, "hello.py")]
        plain_cmd = [*hello_cmd, "--no-msaa"]
        kiosk_cmd = [str(kiosk_bin), "run", "--config", str(config)]
        for command in (hello_cmd, plain_cmd, kiosk_cmd):  # warm the disk cache alike
            cold_start(command, env, notify)
        hello, plain, kiosk = [], [], []
        for _ in range(args.runs):  # interleaved: a busy spell hits all alike
            hello.append(cold_start(hello_cmd, env, notify))
            plain.append(cold_start(plain_cmd, env, notify))
            kiosk.append(cold_start(kiosk_cmd, env, notify))

        def median(runs: list[dict], key: str) -> float:
            return statistics.median(r[key] for r in runs)

        h, p, k = (median(runs, "seconds") for runs in (hello, plain, kiosk))
        hc, pc, kc = (median(runs, "cpu") for runs in (hello, plain, kiosk))
        print(f"cold start to the first frame drawn (median of {args.runs}; CPU time):")
        print(f"  bare Kivy hello world: {h * 1000:.0f} ms  (CPU {hc * 1000:.0f} ms)")
        print(f"  hello world, no MSAA:  {p * 1000:.0f} ms  (CPU {pc * 1000:.0f} ms)")
        print(
            f"  kiosk (kiosk run):     {k * 1000:.0f} ms  (CPU {kc * 1000:.0f} ms)  "
            f"= {k / h:.2f}x (target <= 1.5x); {k / p:.2f}x the hello world without MSAA"
        )
        for name, runs in (("hello world", hello), ("hello world, no MSAA", plain)):
            imported, window, drawn = (
                median(runs, key) for key in ("RSS-IMPORTED", "RSS-WINDOW", "rss")
            )
            print(
                f"RSS of the {name}: {imported:.0f} MB with Kivy imported, {window:.0f} MB "
                f"with its window open (+{window - imported:.0f}), {drawn:.0f} MB after 1 s "
                f"of frames (+{drawn - window:.0f}; {median(runs, 'rss_file'):.0f} MB of it "
                "mapped files)"
            )
        print(
            f"RSS of the kiosk after 1 s of frames: {median(kiosk, 'rss'):.0f} MB "
            f"({median(kiosk, 'rss_file'):.0f} MB of it mapped files)"
        )
        lines = run_app(VISIT, tmp, [str(config), "10"], env)
        print(
            "RSS after visiting every screen (every card, event and place of the walk's "
            "start, all languages) and a 3 s pause: "
            f"{lines['RSS']} MB (target <= 200 MB; {lines['RSS-FILE']} MB of it mapped "
            "files); 3 s after the idle reset: "
            f"{lines['RSS-RESET']} MB; screens still built: {lines['SCREENS']}"
        )
        lat = [float(v) for v in lines["LAT"].split()]
        print(
            f"touch to next screen drawn (target <= 50 ms): to and from built screens "
            f"median {statistics.median(lat):.1f} ms, p95 {p95(lat):.1f} "
            f"ms, n={len(lat)}; each home tile's first opening: {lines['FIRST']}; "
            f"each again after the visit (built anew where let go): {lines['AGAIN']}"
        )


if __name__ == "__main__":
    main()
