"""Benchmarks of the virtual walk in a real window (Xvfb, software OpenGL).

- Python time per frame while dragging: the touch event's trip through the widget tree to
  the look control, the shader uniforms and the hotspot markers, plus the view's frame tick
  (target: under 1 ms — the projection itself is the GPU's work)
- time from touching a hotspot to the neighbouring place on screen, its textures uploaded
  ahead (target: under 300 ms; the place then cross-fades in over 0.35 s), and the same for
  a place nobody prepared (its preview shows first, then sharpens), for comparison
- texture memory held at once: on the GPU (the place shown and neighbours, within the
  budget; the previews) and decoded pixels in memory (places not on the GPU yet)

Each is measured with the bundled sample walk (4096x2048 photographs: 2048x2048 halves) and
with the same places at the largest size a release carries (8192x4096: 4096x4096 halves).

Software OpenGL (llvmpipe) draws a full-HD frame of the shader in tens of milliseconds on
the CPU; a Raspberry Pi's GPU does it in a few. Frame times are printed for reference only.

Run: .venv/bin/python bench/walk_bench.py [--moves N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("KIOSK_TEST_DISPLAY", ":71")


def big_copy(dest: Path) -> Path:
    """The sample content with every panorama scaled up to 8192x4096."""
    from PIL import Image

    shutil.copytree(REPO / "content", dest, symlinks=False)
    for jpg in (dest / "panoramas").glob("*.jpg"):
        with Image.open(jpg) as img:
            img.resize((8192, 4096), Image.Resampling.BICUBIC).save(jpg, quality=88)
    return dest


def ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"median {statistics.median(values) * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms"


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MiB"


def measure(content: Path, data: Path, label: str, moves: int) -> None:
    from kivy.clock import Clock
    from kivy.tests.common import UnitTestTouch

    from kiosk.app import KioskApp
    from tests.kivy_driver import Driver, FakeClock

    app = KioskApp(content=content, data_dir=data, size=(1920, 1080), clock=FakeClock())
    ui = Driver(app).start()
    try:
        ui.tap(ui.button("Wirtualny spacer"))
        ui.wait(0.3)
        screen = ui.screen
        view = screen.view
        walk = app.catalog.walk
        start = walk.start_id
        neighbour = next(h.target for h in walk.node(start).hotspots if h.target)
        screen.preloader.wait(start, 60)
        screen.preloader.wait(neighbour, 60)
        ui.wait(0.2)
        print(f"\n{label}: {walk.node(start).textures.width}x{walk.node(start).textures.height}")

        # --- dragging ---------------------------------------------------------------------
        tick_times: list[float] = []

        def timed(fn):
            def run(dt: float) -> None:
                t0 = time.perf_counter()
                fn(dt)
                tick_times.append(time.perf_counter() - t0)

            return run

        view.stop()
        view._tick = timed(view._tick)
        view.start()
        screen._frames.cancel()
        screen._frames = Clock.schedule_interval(timed(screen._frame), 0)
        move_times: list[float] = []
        frame_times: list[float] = []
        cx, cy = view.to_window(*view.center)
        touch = UnitTestTouch(cx, cy)
        touch.touch_down()
        ui.frames(1)
        tick_times.clear()
        for i in range(moves):
            x = cx + 400 * ((i % 40) / 40 - 0.5)
            t0 = time.perf_counter()
            touch.touch_move(x, cy + 30 * ((i % 7) - 3))
            move_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ui.frames(1)
            frame_times.append(time.perf_counter() - t0)
        touch.touch_up()
        ticks = len(tick_times) // max(1, moves)
        per_tick = [sum(tick_times[i : i + ticks]) for i in range(0, ticks * moves, ticks)]
        per_frame = [m + t for m, t in zip(move_times, per_tick, strict=False)]
        print(f"  Python per touch move (event to shader and markers): {ms(move_times)}")
        print(f"  Python per frame tick (view and screen):             {ms(per_tick)}")
        print(f"  Python per frame while dragging (sum):  {ms(per_frame)}  [target < 1 ms]")
        print(f"  whole frame incl. software rendering:   {ms(frame_times)}  (llvmpipe)")

        # --- switching --------------------------------------------------------------------
        def settle(key: str) -> float:
            """Frames until `key` is complete on the GPU; seconds it took."""
            t0 = time.perf_counter()
            screen.preloader.wait(key, 60)
            while key not in screen.gpu.ready():
                ui.frames(1)
                if time.perf_counter() - t0 > 120:
                    raise RuntimeError(f"{key} was never uploaded")
            return time.perf_counter() - t0

        upload = settle(neighbour)
        print(f"  neighbour uploaded ahead in bands: {upload:.1f} s of frames")
        for target, kind in ((neighbour, "preloaded neighbour"), (None, "place not prepared")):
            if target is None:  # a place nobody prepared, straight from the strip
                ready = set(screen.gpu.ready()) | set(screen.preloader.wanted())
                target = next(n.id for n in walk.nodes if n.id not in ready)
            t0 = time.perf_counter()
            screen.go_to(target)
            work = time.perf_counter() - t0
            ui.frames(1)
            shown = time.perf_counter() - t0
            while not screen._sharp or view.blend < 1.0:
                ui.frames(1)
            sharp = time.perf_counter() - t0
            print(
                f"  move to a {kind}: work {work * 1000:.1f} ms; touch to the new place on "
                f"screen {shown * 1000:.0f} ms [target < 300 ms]; full resolution, faded in: "
                f"{sharp * 1000:.0f} ms"
            )
            settle(target)
        for key in screen.gpu.plan.kept():
            settle(key)
        ui.wait(0.3)

        # --- memory -------------------------------------------------------------------------
        from kiosk.widgets.panorama import texture_bytes

        previews = sum(texture_bytes(t) for t in screen._previews.values())
        print(
            f"  GPU textures held: {mib(screen.gpu.held_bytes())} "
            f"({len(screen.gpu.ready())} places: the one shown and neighbours, budget "
            f"{mib(screen.gpu.plan.budget)}) + {mib(previews)} previews"
        )
        print(
            f"  decoded pixels held: {mib(screen.preloader.held_bytes())} "
            f"({len(screen.preloader.wanted())} places not on the GPU)"
        )
        app.home()
        ui.wait(0.5)
        print(
            f"  after leaving the walk: GPU {mib(screen.gpu.held_bytes())}, decoded "
            f"{mib(screen.preloader.held_bytes())}"
        )
    finally:
        ui.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--moves", type=int, default=120)
    args = parser.parse_args()
    from tests.kivy_driver import ensure_display

    display = ensure_display()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp)
            measure(REPO / "content", tmp_path / "data1", "sample walk", args.moves)
            big = big_copy(tmp_path / "big")
            measure(big, tmp_path / "data2", "largest textures", args.moves)
    finally:
        if display is not None:
            display.terminate()
            display.wait(timeout=10)


if __name__ == "__main__":
    main()
