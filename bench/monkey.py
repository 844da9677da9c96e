"""A monkey at the kiosk: many random touches through Kivy's input path, idle resets between
them, and the kiosk's memory after each reset.

The kiosk runs the way `bench/ui_bench.py` runs it (`kiosk run --config kiosk.toml` with the
environment of systemd/kiosk.service, on Xvfb, over an installed release of the sample content,
its configuration checked once as at a kiosk's first start), with the content's idle times at
their shortest (an "Are you still there?" after 15 s, the reset 3 s later) and its attract loop
starting with the video (libVLC) soon after each reset. A finger (the `Finger` of ui_bench's
DRIVER, a touch put into Kivy's input path) does, at random: taps anywhere, taps on whatever
button is on screen, drags, pinches, long presses and bursts of several fingers at once; every
400 touches it files a report through the whole form (typing on the on-screen keyboard), every
2,500 (from 1,250) it opens the staff screen with the hidden gesture and the PIN. The kiosk's
frames are drawn at most four times a second while the monkey touches (under software GL a
frame takes 50-100 ms: drawing every one would take most of the run). Every `--reset-every`
touches the monkey walks away: the overlay comes (now and then a touch wakes the kiosk and it
walks away again), the kiosk resets itself, and once the tidy-up after the reset has run the
bench reads

- RSS, and the part of it that is anonymous memory (the heap, textures under software GL)
- font files held open (file descriptors on TrueType/OpenType files: SDL_ttf keeps its file
  open for each font, beside a FreeType face and a glyph cache)
- Python's objects (tracked by the garbage collector, frozen or not) and allocated blocks

then lets the attract loop play a little before the next touch stops it. At the end it prints
the slope of RSS over the resets after the warm-up (least squares, MB per 10,000 touches;
target: within 5 MB), the screens the monkey reached (every screen of the kiosk, or which it
missed), whether every touch-down was counted in the kiosk's touch statistics, and where the
time went (20,000 touches take 15-20 minutes on a busy two-core machine).

Run: .venv/bin/python bench/monkey.py [--touches 20000] [--reset-every 2000] [--size 1080x1920]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ui_bench import DRIVER, byte_compile, install, scratch, script  # noqa: E402

PIN = "2468"
SLOPE_TARGET = 5.0
"""MB per 10,000 touches, after the warm-up."""
IDLE = {"reset_after": 15, "countdown": 3, "attract_after": 6}
"""The shortest idle times content may set (kiosk_core.content.model.IdleSettings), and the attract
loop soon after the reset (after the bench has read the kiosk's memory)."""
ATTRACT = """\
- video: media/attract/zima.mp4
- image: media/attract/witamy.png
  duration: 8
"""
"""The attract loop, video first: every reset plays some of it through libVLC."""

MONKEY = (
    """
from kivy.config import Config

# Frames as fast as they can be drawn while the monkey touches (it waits by sleeping).
Config.set("graphics", "maxfps", "0")
"""
    + DRIVER
    + """
import gc, os, random, sys, time
from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.uix.behaviors import ButtonBehavior

from kiosk.ui.memory import TRIM_AGAIN_AFTER
from kiosk.ui.navigation import SCREENS, TIDY_AFTER
from kiosk.cli import main

CONFIG, TOUCHES, SEED, RESET_EVERY, IDLE_ATTRACT = sys.argv[1], *map(int, sys.argv[2:6])
PIN = sys.argv[6]
SETTLE = TIDY_AFTER + TRIM_AGAIN_AFTER + 1.0
# What a monkey does, and how often (weights).
ACTIONS = {"tap": 40, "button": 30, "drag": 14, "pinch": 5, "burst": 5, "long": 1}
REPORT_EVERY, STAFF_EVERY = 400, 2500
OVERLAY_WAKE = 0.25  # share of the walks away in which a touch wakes the kiosk once
DRAW_EVERY = 0.25
drawn_at = 0.0
TIMES = {}

rng = random.Random(SEED)
downs = 0
reached = set()


def rss_mb(key="VmRSS"):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024


def font_files():
    # File descriptors open on font files: each font SDL_ttf opens keeps its file open.
    held = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.lower().endswith((".ttf", ".otf")):
            held.append(target)
    return len(held), len(set(held))


def rest(seconds):
    # Time passing with nobody touching: the kiosk's frames at its usual pace, not flat out.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        EventLoop.idle()
        time.sleep(1 / 60)


def frames(n=1):
    # One frame of the kiosk's: the clock, the input, the layout; drawn at most every
    # DRAW_EVERY (a slow display's pace), since under software GL drawing each frame would
    # take most of the run.
    global drawn_at
    for _ in range(n):
        if time.monotonic() - drawn_at >= DRAW_EVERY:
            EventLoop.idle()
            drawn_at = time.monotonic()
        else:
            Clock.tick()
            EventLoop.dispatch_input()
            Builder.sync()
            Clock.tick_draw()
            Builder.sync()
    reached.add(app.manager.current)


def down(x, y):
    global downs
    finger = Finger(x, y)
    finger.touch_down()
    downs += 1
    return finger


def tap_at(x, y, hold=1):
    finger = down(x, y)
    frames(hold)
    finger.touch_up()
    frames(1)


def tap(widget):
    tap_at(*widget.to_window(*widget.center))


def anywhere():
    return rng.uniform(0, Window.width - 1), rng.uniform(0, Window.height - 1)


def buttons():
    # Whatever button is on screen now (an overlay's, if one is open).
    top = Window.children[0]
    found = []
    for w in top.walk(restrict=True):
        if isinstance(w, ButtonBehavior) and not w.disabled and w.opacity > 0 and w.width > 0:
            x, y = w.to_window(*w.center)
            if 0 <= x < Window.width and 0 <= y < Window.height:
                found.append((x, y))
    return found


def act(kind):
    if kind == "tap":
        tap_at(*anywhere())
    elif kind == "button":
        tap_at(*(rng.choice(buttons() or [anywhere()])))
    elif kind == "drag":
        (x0, y0), (x1, y1) = anywhere(), anywhere()
        finger = down(x0, y0)
        steps = rng.randint(3, 10)
        for i in range(1, steps + 1):
            frames(1)
            finger.touch_move(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)
        frames(1)
        finger.touch_up()
        frames(1)
    elif kind == "pinch":
        cx, cy = anywhere()
        spread = rng.uniform(30, 300)
        grow = rng.choice((1.0, -1.0)) * rng.uniform(50, 300)
        a, b = down(cx - spread, cy), down(cx + spread, cy)
        for i in range(1, 6):
            frames(1)
            d = max(5.0, spread + grow * i / 5)
            a.touch_move(max(0, cx - d), cy)
            b.touch_move(min(Window.width - 1, cx + d), cy)
        frames(1)
        a.touch_up()
        b.touch_up()
        frames(1)
    elif kind == "burst":
        fingers = [down(*anywhere()) for _ in range(rng.randint(2, 6))]
        frames(1)
        for finger in fingers:
            finger.touch_up()
        frames(1)
    elif kind == "long":
        finger = down(*anywhere())
        rest(0.4)
        finger.touch_up()
        frames(1)


def settle():
    deadline = time.monotonic() + 5
    while app.manager.transition.is_active and time.monotonic() < deadline:
        EventLoop.idle()
    frames(2)


def home():
    tap(app.root_widget.ids.bottombar.ids.home)
    settle()


def keyboard_type(keyboard, text):
    for char in text:
        frames(1)  # a pending redraw places the keys
        boxes = [box for key, box in keyboard.keys if key.action == "char" and key.char == char]
        if boxes:
            x, y, w, h = boxes[0]
            tap_at(*keyboard.to_window(x + w / 2, y + h / 2))


def report_flow():
    # The form to its end, touch by touch, from whatever step a monkey left it at (a
    # half-filled form waits for the next visitor): the receipt, or a step that will not go on.
    home()
    tap(app.manager.get_screen("home").ids.report)
    settle()
    report = app.manager.current_screen
    for _ in range(12):
        if app.manager.current != "report":
            return
        ids, step = report.ids, report.step
        if step == "category":
            tiles = [w for w in report.walk(restrict=True) if type(w).__name__ == "CategoryTile"]
            if not tiles:
                return
            tap(rng.choice(tiles))
        elif step == "description":
            if len(report.description.strip()) < 3:
                keyboard_type(ids.description_keys, rng.choice(("dziura", "lampa", "smieci")))
            tap(ids.next_description)
        elif step == "location":
            if report.location_mode != "here":
                tap(ids.here)
            tap(ids.next_location)
        elif step == "contact":
            tap(ids.anonymous)
            tap(ids.next_contact)
        elif step == "review":
            tap(ids.send)
        settle()
        if report.step == step and app.manager.current == "report":
            return  # the step did not go on (the monkey typed something it refuses)


def staff_visit():
    # The hidden gesture in the top-left corner, the PIN on the keypad, a look, then home.
    home()
    for _ in range(5):
        tap_at(5, Window.height - 5)
    settle()
    if app.manager.current != "staff":
        return
    screen = app.manager.current_screen
    keys = {w.key: w for w in screen.walk(restrict=True) if type(w).__name__ == "PinKey"}
    for key in (*PIN, "ok"):
        if key in keys:
            tap(keys[key])
    frames(5)
    home()


def walk_away():
    # Nobody touches: the overlay, its countdown (sometimes a touch wakes the kiosk and
    # it waits again), the reset; then the tidy-up after it.
    woke = False
    deadline = time.monotonic() + 120
    while not app.idle.resting and time.monotonic() < deadline:
        rest(0.25)
        if app._overlay is not None and not woke and rng.random() < OVERLAY_WAKE:
            woke = True
            tap_at(*anywhere())
    rest(SETTLE)


def attract():
    # The kiosk at rest starts its attract loop (the video first): it plays a little,
    # then the next touch stops it.
    deadline = time.monotonic() + 2 * IDLE_ATTRACT
    while app.appliance.attract is None and time.monotonic() < deadline:
        rest(0.25)
    rest(2.0)


def sample(n):
    gc_objects = gc.get_freeze_count() + len(gc.get_objects())
    fonts, distinct = font_files()
    print(
        f"RESET {n} {downs} {rss_mb():.1f} {rss_mb('RssAnon'):.1f} {fonts} {distinct} "
        f"{gc_objects} {sys.getallocatedblocks()}",
        flush=True,
    )


def run(_dt):
    global app, Window
    from kivy.core.window import Window as window

    Window = window
    app = App.get_running_app()
    started = time.monotonic()
    tap_at(*anywhere())  # a first visitor, who walks away at once: the first reset
    walk_away()
    sample(0)
    resets = 0
    touching = 0.0
    next_report, next_staff = REPORT_EVERY, STAFF_EVERY // 2
    while downs < TOUCHES:
        attract()
        cycle_end = min(TOUCHES, downs + RESET_EVERY)
        began = time.monotonic()
        while downs < cycle_end:
            if app.manager.current == "staff":
                home()  # the staff screen's buttons are not for a monkey (restart, reload)
            t0 = time.monotonic()
            if downs >= next_report:
                next_report += REPORT_EVERY
                report_flow()
                kind = "report"
            elif downs >= next_staff:
                next_staff += STAFF_EVERY
                staff_visit()
                kind = "staff"
            else:
                kind = rng.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
                act(kind)
            TIMES[kind] = TIMES.get(kind, 0) + time.monotonic() - t0
        touching += time.monotonic() - began
        walk_away()
        resets += 1
        sample(resets)
    print("TIMES " + " ".join(f"{k}={v:.0f}" for k, v in sorted(TIMES.items())))
    print(f"DOWNS {downs}")
    print("REACHED " + ",".join(sorted(reached)))
    print("SCREENS " + ",".join(SCREENS))
    print(f"SECONDS {time.monotonic() - started:.0f} {touching:.0f}", flush=True)
    app.stop()


Clock.schedule_once(lambda dt: Clock.schedule_once(run, 2.0), 0)
main(["run", "--config", CONFIG], standalone_mode=False)
"""
)


def prepare(tmp: Path, size: str) -> tuple[Path, Path]:
    """The sample content with the bench's idle times and attract loop, installed as the
    kiosk's release; its kiosk.toml (with a staff PIN). Returns (kiosk.toml, data dir)."""
    import shutil

    import yaml

    from kiosk.appliance.pin import hash_pin
    from kiosk.infra.config import check_config, read_config

    source = tmp / "content"
    shutil.copytree(REPO / "content", source)
    settings = yaml.safe_load((source / "settings.yaml").read_text(encoding="utf-8"))
    settings["idle"] = IDLE
    (source / "settings.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True))
    (source / "attract.yaml").write_text(ATTRACT)
    config = install(source, tmp)
    data = tmp / "data"
    config.write_text(
        f'data_dir = "{data}"\nfullscreen = false\nsize = "{size}"\n'
        f'[staff]\npin_hash = "{hash_pin(PIN)}"\n'
    )
    # Checked once, as a kiosk's first start after installing checks it: the kiosk measured
    # starts the way it does every day after, without pydantic (13 MB).
    check_config(read_config(config), str(config), remember=True)
    return config, data


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of (touches, MB), in MB per 10,000 touches."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    return sxy / sxx * 10_000 if sxx else 0.0


def touches_counted(data: Path) -> int:
    """Touch-downs in the kiosk's touch statistics (every screen, overlay, attract loop)."""
    from kiosk.infra.store import open_store

    db = open_store(data)
    try:
        row = db.execute("SELECT COALESCE(SUM(count), 0) FROM counters WHERE metric = 'touch'")
        return int(row.fetchone()[0])
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--touches", type=int, default=20_000)
    parser.add_argument("--reset-every", type=int, default=2_000, help="touches between resets")
    parser.add_argument(
        "--warm-up", type=int, default=None, help="touches before the slope (default: 1/5)"
    )
    parser.add_argument("--size", default="1920x1080", help="window size, e.g. 1080x1920")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    warm_up = args.touches // 5 if args.warm_up is None else args.warm_up
    byte_compile()
    with scratch() as (tmp, env):
        config, data = prepare(tmp, args.size)
        command = [
            sys.executable,
            script(MONKEY, tmp, "monkey_drive.py"),
            str(config),
            str(args.touches),
            str(args.seed),
            str(args.reset_every),
            str(IDLE["attract_after"]),
            PIN,
        ]
        print(
            f"{args.touches} touches at {args.size}, a reset every {args.reset_every} "
            f"(seed {args.seed})"
        )
        print("reset  touches  RSS MB  anon MB  fonts open (files)  Python objects  blocks")
        resets: list[tuple[int, float]] = []
        lines: dict[str, str] = {}
        log = tmp / "kiosk.log"
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=log.open("w"),
            text=True,
            cwd=REPO,
            env={k: v for k, v in env.items() if k != "KIVY_NO_CONSOLELOG"} | {"NOTIFY_SOCKET": ""},
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            key, _, value = line.strip().partition(" ")
            if key == "RESET":
                n, touches, rss, anon, fonts, files, objects, blocks = value.split()
                resets.append((int(touches), float(rss)))
                print(
                    f"{n:>5}  {touches:>7}  {rss:>6}  {anon:>7}  {fonts:>10} ({files})"
                    f"  {objects:>14}  {blocks:>6}",
                    flush=True,
                )
            elif key:
                lines[key] = value
        if proc.wait() != 0 or "DOWNS" not in lines:
            print("".join(log.read_text().splitlines(keepends=True)[-40:]), file=sys.stderr)
            sys.exit(f"the kiosk stopped before the end (exit status {proc.returncode})")
        counted = touches_counted(data)
    downs = int(lines["DOWNS"])
    after = [(t, rss) for t, rss in resets if t >= warm_up]
    rate = slope(after) if len(after) >= 2 else float("nan")
    low, high = min(rss for _, rss in after), max(rss for _, rss in after)
    print(
        f"RSS after the first reset {resets[0][1]:.1f} MB, after the last {resets[-1][1]:.1f} MB; "
        f"after the warm-up ({warm_up} touches) {low:.1f} to {high:.1f} MB, slope "
        f"{rate:+.1f} MB per 10,000 touches (target: within {SLOPE_TARGET:.0f})"
    )
    missed = set(lines["SCREENS"].split(",")) - set(lines["REACHED"].split(","))
    print(
        "screens reached: "
        + lines["REACHED"].replace(",", ", ")
        + (f"; never reached: {', '.join(sorted(missed))}" if missed else " (every screen)")
    )
    print(
        f"touch-downs: {downs} made, {counted} counted in the touch statistics"
        + (" (every one)" if counted == downs else f" ({downs - counted} missing)")
    )
    total, touching = lines["SECONDS"].split()
    print(f"{total} s in all, {touching} s of it touching ({lines['TIMES']})")


if __name__ == "__main__":
    main()
