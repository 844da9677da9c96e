"""Benchmark: dragging a list of 2,000 service cards against a list of 20 (issue 3: long lists
use RecycleView, so 2,000 items scroll as smoothly as 20).

Each run starts the real app (`kiosk run`, Xvfb, software GL) on synthetic content whose cards
all sit in one category, opens that category's list and drags it with a finger through the
input path, a step per frame, then lets it coast. It prints how long each frame took (Kivy's
frame cap off, so the figure is the frame's work: Python, layout and drawing) and how many row
widgets the list holds.

Both lists are dragged the same distance (the 20 cards' list not quite to its end).
Run: .venv/bin/python bench/list_scroll.py [--strokes N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from figures import p95  # noqa: E402
from ui_bench import DRIVER, install, run_app, scratch  # noqa: E402

UNCAPPED = """
from kivy.config import Config
Config.set("graphics", "maxfps", "0")  # frames as fast as they are made: their work is timed
"""
"""Before Kivy's clock is imported, which reads the frame cap once."""

DRAG = (
    UNCAPPED
    + DRIVER
    + """
import sys, time
from kivy.app import App
from kivy.clock import Clock

from kiosk.ui.navigation import TIDY_AFTER
from kiosk.cli import main

STEPS, STEP_PX, COAST = 30, 12, 15


def timed_frame(times):
    start = time.perf_counter()
    EventLoop.idle()
    times.append(time.perf_counter() - start)


def run(dt):
    app = App.get_running_app()
    app.go("services", category="cat0")
    pause(TIDY_AFTER + 1)  # the tidy-up after the screen change is done
    rv = app.manager.get_screen("services").ids.list
    x, y = rv.to_window(rv.center_x, rv.y + rv.height * 0.15)
    times = []
    for _ in range(int(sys.argv[2])):
        finger = Finger(x, y)
        finger.touch_down()
        for step in range(1, STEPS + 1):  # the finger moves up: the list moves on
            finger.touch_move(x, y + step * STEP_PX)
            timed_frame(times)
        finger.touch_up()
        for _ in range(COAST):
            timed_frame(times)
    print("ITEMS", len(rv.data))
    print("ROWS", len(rv.layout_manager.children))
    print("MOVED", f"{1 - rv.scroll_y:.3f}")
    print("FRAMES", " ".join(f"{t * 1000:.3f}" for t in times))
    app.stop()


Clock.schedule_once(lambda dt: Clock.schedule_once(run, 0.5), 0)
main(["run", "--config", sys.argv[1]], standalone_mode=False)
"""
)


def drag(cards: int, strokes: int, tmp: Path, env: dict[str, str]) -> dict[str, str]:
    from kiosk_core.content.synthetic import write_source

    folder = tmp / f"cards-{cards}"
    source = write_source(folder / "src", services=cards, events=20, one_category=True)
    config = install(source, folder)
    return run_app(DRAG, folder, [str(config), str(strokes)], env)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--strokes", type=int, default=3)
    args = parser.parse_args()
    with scratch() as (tmp, env):
        print("dragging a list of service cards (frame time: median, p95, max):")
        for cards in (20, 2000):
            found = drag(cards, args.strokes, tmp, env)
            frames = [float(v) for v in found["FRAMES"].split()]
            print(
                f"  {found['ITEMS']:>5} cards: {statistics.median(frames):.1f} ms, "
                f"{p95(frames):.1f} ms, {max(frames):.1f} ms over "
                f"{len(frames)} frames; {found['ROWS']} row widgets; dragged through "
                f"{float(found['MOVED']) * 100:.0f}% of the list"
            )


if __name__ == "__main__":
    main()
