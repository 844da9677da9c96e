"""Benchmarks of the kiosk UI in a real window (Xvfb, software OpenGL).

- cold start to the first interactive frame, beside a bare Kivy "hello world" started the
  same way (target: at most 1.5x)
- memory (RSS) after visiting every screen (target: at most 200 MB)
- time from a touch to the next screen drawn (target: at most 50 ms)

Run: .venv/bin/python bench/ui_bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

HELLO = """
import os, sys
from kivy.config import Config
Config.set("graphics", "width", "1920")  # the same window as the kiosk's
Config.set("graphics", "height", "1080")
from kivy.app import App
from kivy.clock import Clock
from kivy.uix.label import Label

class Hello(App):
    def build(self):
        return Label(text="Hello world")
    def on_start(self):
        Clock.schedule_once(lambda dt: print("INTERACTIVE", flush=True), 0)
        # memory once frames have been drawn (software OpenGL allocates on the first draw)
        Clock.schedule_once(lambda dt: (rss(), self.stop()), 1.0)


def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            print("RSS", int(line.split()[1]) // 1024, flush=True)

Hello().run()
"""

KIOSK = """
import sys
from kivy.clock import Clock
from kiosk.app import KioskApp

app = KioskApp(content=sys.argv[1], data_dir=sys.argv[2], size=(1920, 1080))
def ready(dt):
    print("INTERACTIVE", flush=True)
    Clock.schedule_once(drawn, 1.0)

def drawn(dt):
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            print("RSS", int(line.split()[1]) // 1024, flush=True)
    app.stop()
app.bind(on_start=lambda *a: Clock.schedule_once(ready, 0) and None)
app.run()
"""

VISIT = """
import statistics, sys, time
from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch
from kiosk.app import KioskApp

app = KioskApp(content=sys.argv[1], data_dir=sys.argv[2], size=(1920, 1080))

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

flips = []
Window.bind(on_flip=lambda *a: flips.append(time.perf_counter()))

def frames(n):
    for _ in range(n):
        EventLoop.idle()

def tap(widget):
    x, y = widget.to_window(*widget.center)
    t = UnitTestTouch(x, y)
    t.touch_down(); t.touch_up()
    start = time.perf_counter()
    before = len(flips)
    while len(flips) == before:
        EventLoop.idle()
    return flips[before] - start

def run(dt):
    now = app.now()
    lats = []
    for _ in range(int(sys.argv[3])):
        home = app.root_widget.ids.bottombar.ids.home
        tile = app.manager.get_screen("home").ids.services
        lats.append(tap(tile)); frames(20)
        lats.append(tap(home)); frames(20)
        lats.append(tap(app.manager.get_screen("home").ids.events)); frames(20)
        lats.append(tap(home)); frames(20)
    for cat in app.catalog.categories(now):
        app.go("services", category=cat.id); frames(3)
        for card in app.catalog.services(cat.id, now):
            app.open_item("service", card.id); frames(2)
    for name in ("search", "events", "contact"):
        app.go(name); frames(3)
    for ev in app.catalog._events:
        app.open_item("event", ev.id); frames(2)
    for lang in ("en", "de", "cs", "uk", "pl"):
        app.set_language(lang); frames(3)
    print(f"RSS {rss_mb():.1f}")
    print("LAT " + " ".join(f"{v * 1000:.2f}" for v in lats))
    app.stop()

app.bind(on_start=lambda *a: Clock.schedule_once(run, 0.5) and None)
app.run()
"""


def script(code: str) -> str:
    """Kivy looks for an app's .kv file beside its source, so children run from a file."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(code)
    return fh.name


def timed(code: str, *args: str) -> float:
    path = script(code)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, path, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
    )
    elapsed = None
    for line in proc.stdout:
        if line.startswith("INTERACTIVE"):
            elapsed = time.perf_counter() - start
        elif line.startswith("RSS"):
            STARTUP_RSS.setdefault(code, []).append(int(line.split()[1]))
    if elapsed is None:
        raise RuntimeError("the app never reached its first interactive frame")
    proc.wait(timeout=60)
    return elapsed


STARTUP_RSS: dict[str, list[int]] = {}


def main() -> None:
    from kiosk.content.build import build_release
    from tests.kivy_driver import ensure_display

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--content",
        type=Path,
        default=REPO / "content",
        help="content source to show (default: the bundled sample)",
    )
    args = parser.parse_args()
    xvfb = ensure_display()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            release = Path(tmp) / "release"
            build_release(args.content, release)
            data = Path(tmp) / "data"
            timed(HELLO)  # warm the disk cache for both alike
            timed(KIOSK, str(release), str(data))
            hello = [timed(HELLO) for _ in range(args.runs)]
            kiosk = [timed(KIOSK, str(release), str(data)) for _ in range(args.runs)]
            h, k = statistics.median(hello), statistics.median(kiosk)
            print(f"cold start to first interactive frame (median of {args.runs}):")
            print(f"  bare Kivy hello world: {h * 1000:.0f} ms")
            print(f"  kiosk app:             {k * 1000:.0f} ms  = {k / h:.2f}x (target <= 1.5x)")
            print(
                f"RSS at the first frame: hello world {max(STARTUP_RSS[HELLO])} MB, "
                f"kiosk {max(STARTUP_RSS[KIOSK])} MB"
            )
            out = subprocess.run(
                [sys.executable, script(VISIT), str(release), str(data), "10"],
                capture_output=True,
                text=True,
                cwd=REPO,
                timeout=600,
                env=os.environ,
            ).stdout
            rss = next(line for line in out.splitlines() if line.startswith("RSS"))
            lat = [
                float(v)
                for v in next(line for line in out.splitlines() if line.startswith("LAT")).split()[
                    1:
                ]
            ]
            print(
                f"RSS after visiting every screen, card, event and language: "
                f"{rss.split()[1]} MB (target <= 200 MB)"
            )
            lat.sort()
            print(
                f"touch to next screen drawn: median {statistics.median(lat):.1f} ms, "
                f"p95 {lat[int(0.95 * len(lat))]:.1f} ms, n={len(lat)} (target <= 50 ms)"
            )
    finally:
        if xvfb is not None:
            xvfb.terminate()


if __name__ == "__main__":
    main()
