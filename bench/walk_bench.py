"""Benchmarks of the virtual walk in a real window (Xvfb, software OpenGL).

- Python time per frame while dragging: the touch event's trip through the widget tree to
  the look control, the shader uniforms and the hotspot markers, plus the view's frame tick
  (target: under 1 ms — the projection itself is the GPU's work)
- time from a touch to the new place on screen, read back from the framebuffer: touching the
  arrow to a neighbour whose textures were uploaded ahead (target: under 300 ms), and touching
  the strip's picture of a place nobody prepared (its preview shows first, then sharpens)
- texture memory held at once: on the GPU (the place shown and neighbours, within the
  budget; the previews) and decoded pixels in memory (places not on the GPU yet)

Each is measured with the bundled sample walk (4096x2048 photographs: 2048x2048 halves) and
with the same places at the largest size a release carries (8192x4096: 4096x4096 halves).

"On screen" is measured, not assumed. A real touch (finger down on the arrow or the strip's
picture, the clock starting when it lifts) walks to the place; after each frame is drawn, before
it is shown, the bench reads 72 blocks of pixels back from the framebuffer across the panorama
and finds how much of the new place they hold: per block where the old and the new place differ,
the share `a` in frame = (1 - a) * old + a * new; the median over the blocks. The old place is
read before the touch, the new one at full resolution once everything has settled. A frame
counts from the moment its buffers are swapped. Reported per switch: the first frame in which
the new place is at least half of the picture ("on screen", saying whether that frame drew the
preview or the full textures), the first in which it is at least 95 % ("fade over"), and the
first in which it is at least 95 % and drawn mostly from its full textures ("full resolution";
a preview, if one was shown, fading out under them). Each is the median over a few switches;
the readback adds a little to each frame, so the figures err on the slow side.

Software OpenGL (llvmpipe) draws a full-HD frame in 50-150 ms on this machine's two cores
(mostly the rest of the window, not the panorama's shader); a Raspberry Pi's GPU draws one in
a few milliseconds. Frame times are printed for reference only.

Run: .venv/bin/python bench/walk_bench.py [--moves N] [--switches N]
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

from figures import p95  # noqa: E402


def big_copy(dest: Path) -> Path:
    """The sample content with every panorama scaled up to 8192x4096."""
    from PIL import Image

    shutil.copytree(REPO / "content", dest, symlinks=False)
    for jpg in (dest / "panoramas").glob("*.jpg"):
        with Image.open(jpg) as img:
            img.resize((8192, 4096), Image.Resampling.BICUBIC).save(jpg, quality=88)
    return dest


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.3f} ms, p95 {p95(values) * 1000:.3f} ms"


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MiB"


GRID = (12, 6)
"""Blocks read back across the panorama (columns, rows), each BLOCK pixels square."""
BLOCK = 16
DIFFERENT = 24.0
"""Colour distance (0-255 per channel) between the old and the new place under which a block
says nothing about which of them is shown."""
ON_SCREEN = 0.5
FADED_IN = 0.95


class Frames:
    """Every frame drawn while recording: when it was shown (buffers swapped), what the
    panorama drew, and the readback blocks."""

    def __init__(self, screen):
        from kivy.core.window import Window

        self.screen = screen
        self.window = Window
        self.recording = False
        self.frames: list[dict] = []
        self._pending: dict | None = None
        self._draw, self._flip = Window.on_draw, Window.on_flip
        Window.on_draw = self._on_draw
        Window.on_flip = self._on_flip

    def close(self) -> None:
        self.window.on_draw, self.window.on_flip = self._draw, self._flip

    def blocks(self) -> list[tuple[float, float, float]]:
        """Mean colour of each block of the panorama in the framebuffer just drawn."""
        from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels

        view = self.screen.view
        x0, y0 = view.to_window(view.x, view.y)
        out = []
        for row in range(GRID[1]):
            for col in range(GRID[0]):
                x = int(x0 + view.width * (0.04 + 0.92 * (col + 0.5) / GRID[0]))
                y = int(y0 + view.height * (0.15 + 0.6 * (row + 0.5) / GRID[1]))
                data = glReadPixels(x, y, BLOCK, BLOCK, GL_RGB, GL_UNSIGNED_BYTE)
                n = BLOCK * BLOCK
                out.append((sum(data[0::3]) / n, sum(data[1::3]) / n, sum(data[2::3]) / n))
        return out

    def _on_draw(self, *args) -> None:
        self._draw(*args)
        if self.recording:
            view = self.screen.view
            full = len(view.textures) == 2
            self._pending = {
                "blocks": self.blocks(),
                "blend": view.blend,
                "textures": "full" if full else "preview",
            }

    def _on_flip(self, *args) -> None:
        self._flip(*args)
        if self.recording and self._pending is not None:
            self._pending["shown"] = time.perf_counter()
            self.frames.append(self._pending)
            self._pending = None


def share(old: list, new: list, frame: list) -> tuple[float, int]:
    """How much of the new place a frame holds (median over the blocks that tell), and how
    many blocks told."""
    shares = []
    for o, n, f in zip(old, new, frame, strict=True):
        d = [b - a for a, b in zip(o, n, strict=True)]
        norm = sum(c * c for c in d)
        if norm < DIFFERENT * DIFFERENT:
            continue
        shares.append(sum((fc - oc) * dc for fc, oc, dc in zip(f, o, d, strict=True)) / norm)
    return (statistics.median(shares) if shares else float("nan")), len(shares)


def where_the_time_goes(ui, screen, frames: Frames) -> None:
    """What one frame and one texture cost here: drawing (until the renderer is done) and the
    buffer swap, with the full textures, the preview, a fade, and without the panorama; then
    allocating, uploading and decoding a texture."""
    from kivy.graphics.opengl import glFinish

    from kiosk.ui.widgets.panorama import _new_texture, make_texture
    from kiosk.walk.preload import decode
    from kiosk.walk.projection import View

    view = screen.view
    walk = ui.app.catalog.walk

    def cost(label: str, n: int = 10) -> None:
        draw, swap = [], []
        for i in range(n):
            view.look_at(View(i * 2.0, 0, 75))
            t0 = time.perf_counter()
            frames._draw()
            glFinish()
            t1 = time.perf_counter()
            frames._flip()
            draw.append(t1 - t0)
            swap.append(time.perf_counter() - t1)
        print(
            f"    {label:44s} draw {statistics.median(draw) * 1000:5.0f} ms, "
            f"swap {statistics.median(swap) * 1000:4.0f} ms"
        )

    print("  where a frame's time goes (medians of 10 frames drawn in a row):")
    full = list(view.textures)
    cost("the whole window, panorama at full resolution")
    view.show([screen._previews[screen.item_id]])
    cost("... showing the 512x256 preview instead")
    other = next(k for k in screen.gpu.ready() if k != screen.item_id)
    view.show(full)
    view.crossfade(screen.gpu.get(other), view.view, 1e6)
    cost("... fading (both places sampled per pixel)")
    view.show(full)
    parent = view.parent
    index = parent.children.index(view)
    parent.remove_widget(view)
    cost("... without the panorama (bars, strip, overlays)")
    parent.add_widget(view, index=index)
    view.start()
    ui.frames(2)

    node = walk.node(screen.item_id)
    half = screen._texture_files(node.id)[0]
    t0 = time.perf_counter()
    pixels = decode(half)
    decoded = time.perf_counter() - t0
    size = (pixels.width, pixels.height)
    t0 = time.perf_counter()
    texture = _new_texture(*size, allocate=True)
    texture.bind()
    glFinish()
    allocated = time.perf_counter() - t0
    rows = max(1, (1 << 20) // (pixels.width * 3))
    t0 = time.perf_counter()
    texture.blit_buffer(
        pixels.data[: rows * pixels.width * 3],
        size=(pixels.width, rows),
        pos=(0, 0),
        colorfmt="rgb",
        bufferfmt="ubyte",
    )
    glFinish()
    band = time.perf_counter() - t0
    t0 = time.perf_counter()
    make_texture(pixels)
    glFinish()
    whole = time.perf_counter() - t0
    print(
        f"  one {size[0]}x{size[1]} half: decode {decoded * 1000:.0f} ms (a worker thread); "
        f"allocate on the GPU {allocated * 1000:.0f} ms (Kivy uploads zeros); a 1 MiB band "
        f"{band * 1000:.1f} ms; the whole image in one upload {whole * 1000:.0f} ms"
    )


def measure(content: Path, data: Path, label: str, moves: int, switches: int) -> None:
    from kivy.clock import Clock
    from kivy.tests.common import UnitTestTouch

    from kiosk.ui.app import KioskApp
    from kiosk.walk.projection import View
    from tests.kivy_driver import Driver, FakeClock

    app = KioskApp(content=content, data_dir=data, size=(1920, 1080), clock=FakeClock())
    ui = Driver(app).start()
    frames = None
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
        def settle(timeout: float = 120) -> float:
            """Frames until the place shown is sharp, its fade over, and every place kept for
            the GPU is uploaded whole; seconds it took."""
            t0 = time.perf_counter()
            while True:
                ui.frames(1)
                kept = screen.gpu.plan.kept()
                if (
                    screen._sharp
                    and view.blend >= 1.0
                    and all(screen.gpu.plan.complete(k) for k in kept)
                ):
                    break
                if time.perf_counter() - t0 > timeout:
                    raise RuntimeError(f"{kept} were never uploaded")
            ui.wait(0.3)
            return time.perf_counter() - t0

        def reference() -> list:
            view.canvas.ask_update()
            frames.recording = True
            ui.frames(2)
            frames.recording = False
            blocks = frames.frames[-1]["blocks"]
            frames.frames.clear()
            return blocks

        def arrow_to(target: str):
            """A finger on the arrow to `target` (turned into view first); lifting it walks."""
            spot = next(h for h in walk.node(screen.item_id).hotspots if h.target == target)
            view.look_at(View(spot.yaw, spot.pitch + 6, 75))
            ui.frames(2)
            caption = walk.node(target).title.get("pl")
            marker = next(m for m in screen._markers if m.caption == caption)
            assert marker.opacity > 0, f"the arrow to {target} is not on screen"
            touch = UnitTestTouch(*marker.to_window(*marker.center))
            return touch

        def thumb_to(target: str):
            thumb = next(t for t in ui.find("WalkThumb") if t.node_id == target)
            return UnitTestTouch(*thumb.to_window(*thumb.center))

        def switch(target: str, finger) -> dict:
            touch = finger(target)
            old = reference()
            touch.touch_down()
            ui.frames(1)
            frames.frames.clear()
            frames.recording = True
            t0 = time.perf_counter()
            touch.touch_up()
            work = time.perf_counter() - t0
            assert screen.item_id == target, f"the touch did not walk to {target}"
            limit = time.perf_counter() + 60
            while not (screen._sharp and view.blend >= 1.0) and time.perf_counter() < limit:
                ui.frames(1)
            ui.frames(1)
            frames.recording = False
            timeline = frames.frames[:]
            settle()
            new = reference()
            result = {"work": work, "timeline": []}
            for frame in timeline:
                a, told = share(old, new, frame["blocks"])
                result["timeline"].append(
                    (frame["shown"] - t0, a, frame["textures"], told, frame["blend"])
                )
            return result

        def first(timeline, test):
            return next((f for f in timeline if test(f)), None)

        def report(kind: str, results: list[dict]) -> None:
            on, faded, sharp, told = [], [], [], []
            kinds = set()
            for r in results:
                tl = r["timeline"]
                f = first(tl, lambda f: f[1] >= ON_SCREEN)
                g = first(tl, lambda f: f[1] >= FADED_IN)
                h = first(tl, lambda f: f[2] == "full" and f[4] >= 0.5 and f[1] >= FADED_IN)
                if f is None or g is None or h is None:
                    raise RuntimeError(f"the new place never showed: {tl}")
                on.append(f[0])
                kinds.add(f[2])
                faded.append(g[0])
                sharp.append(h[0])
                told.append(min(x[3] for x in tl))

            def mid(v: list[float]) -> str:
                return f"median {statistics.median(v) * 1000:.0f} ms"

            def span(v: list[float]) -> str:
                return f"{min(v) * 1000:.0f}-{max(v) * 1000:.0f}"

            work = [r["work"] for r in results]
            print(
                f"  {kind} ({len(results)} switches, {min(told)}+ of "
                f"{GRID[0] * GRID[1]} blocks telling the places apart):"
            )
            print(
                f"    touch to the new place on screen (>= {ON_SCREEN:.0%} of the picture, "
                f"drawn from the {'/'.join(sorted(kinds))} textures): {mid(on)} "
                f"({span(on)}) [target < 300 ms]"
            )
            print(f"    touch to the fade over (>= {FADED_IN:.0%}): {mid(faded)} ({span(faded)})")
            print(f"    touch to full resolution on screen:  {mid(sharp)} ({span(sharp)})")
            print(f"    Python work in the touch itself: {mid(work)}")
            example = results[len(results) // 2]["timeline"][:6]
            steps = ", ".join(f"{t * 1000:.0f} ms {a:.2f} {k}" for t, a, k, _n, _b in example)
            print(f"    frames after one touch (shown at, share of the new place): {steps}")

        frames = Frames(screen)
        view.control.autorotate_after = 1e9  # the picture holds still between the readbacks
        upload = settle()
        print(f"  neighbours decoded and uploaded ahead: {upload:.1f} s of frames")
        results = []
        here, there = start, neighbour
        for _ in range(switches):
            results.append(switch(there, arrow_to))
            here, there = there, here
        report("arrow to a neighbour uploaded ahead", results)
        if screen.item_id != start:
            switch(start, arrow_to)
        # places nobody prepared: neither on the GPU nor decoded, reached from the strip
        results = []
        for _ in range(max(2, switches // 2)):
            ready = set(screen.gpu.plan.kept()) | set(screen.preloader.wanted())
            far = next(n.id for n in walk.nodes if n.id not in ready and n.id != screen.item_id)
            results.append(switch(far, thumb_to))
        report("strip to a place nobody prepared", results)
        ui.wait(0.3)
        where_the_time_goes(ui, screen, frames)

        # --- memory -------------------------------------------------------------------------
        from kiosk.ui.widgets.panorama import texture_bytes

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
        deadline = time.perf_counter() + 30
        while app.manager.transition.is_active:  # the walk leaves when the slide is over
            if time.perf_counter() > deadline:
                raise RuntimeError("the walk never slid away")
            ui.frames(1)
        print(
            f"  after leaving the walk: GPU {mib(screen.gpu.held_bytes())}, decoded "
            f"{mib(screen.preloader.held_bytes())}"
        )
    finally:
        if frames is not None:
            frames.close()
        ui.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--moves", type=int, default=120)
    parser.add_argument("--switches", type=int, default=4)
    args = parser.parse_args()
    from tests.kivy_driver import virtual_display

    with virtual_display(), tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        measure(REPO / "content", tmp_path / "data1", "sample walk", args.moves, args.switches)
        big = big_copy(tmp_path / "big")
        measure(big, tmp_path / "data2", "largest textures", args.moves, args.switches)


if __name__ == "__main__":
    main()
