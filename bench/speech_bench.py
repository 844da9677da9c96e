"""Read-aloud's cost: from a touch to the first sound, and the processor while it speaks.

The real app (`kiosk run` with the sample content, Xvfb, software GL) with read-aloud turned
on through its Listen button. A finger touches home's tiles through Kivy's input path:

- touch to first sound of a button heard (a first touch: "Events, button", from the finger
  going down) and of a screen read (a second touch opens the screen, which is then read:
  from the finger lifting, when a button acts), each through Kivy's input path to the first
  samples handed to the audio player (espeak-ng's first chunk, 46 ms of sound, written to
  aplay's input);
- the processor: the app at rest on home (the baseline, the same process in the same run),
  then while the voice reads a whole service card aloud: the app's own process (its main
  loop and the thread that passes the sound on) and the voice's processes (espeak-ng and
  aplay, counted when they end), as a share of one core.

ALSA's `null` device takes sound as fast as it comes, so there the card is said in less than
its length and the processor's figure is work per second of speech (at real time the voice
would take that share of one core, on top of the baseline). With a real device (--device
default on a kiosk) the sound is paced and the same figures are measured as it plays.

Run: .venv/bin/python bench/speech_bench.py [--touches 20] [--device null]
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

LISTEN = (
    DRIVER
    + """
import os, resource, sys, time
from kivy.app import App
from kivy.clock import Clock

from kiosk.cli import main

TOUCHES = int(sys.argv[2])
CARD = "dowod-osobisty"


def cpu():
    own = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own, children.ru_utime + children.ru_stime


def touch(widget):
    # a finger on the widget's middle and off again: when it went down, when it lifted
    x, y = widget.to_window(*widget.center)
    finger = Finger(x, y)
    down = time.monotonic()
    finger.touch_down()
    EventLoop.idle()
    up = time.monotonic()
    finger.touch_up()
    EventLoop.idle()
    return down, up


def first_sound(engine, after, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        said = [u for u in list(engine.said) if u.asked >= after]
        if said and said[-1].first_sound is not None:
            return said[-1]
        EventLoop.idle()
    raise SystemExit("no sound within 20 s")


def settle(engine):
    for utterance in list(engine.said):
        while not utterance.done.is_set():
            EventLoop.idle()


def run(dt):
    app = App.get_running_app()
    engine = app.read_aloud.engine
    pause(3)  # the warm-up after the first frame is done
    own0, kids0 = cpu()
    start = time.monotonic()
    pause(5)
    wall = time.monotonic() - start
    own1, kids1 = cpu()
    print("IDLE_CPU", f"{100 * (own1 - own0 + kids1 - kids0) / wall:.2f}")

    touch(app.root_widget.ids.topbar.ids.listen)  # Listen: on
    settle(engine)
    home = app.manager.get_screen("home")
    heard, read, opened = [], [], []
    for i in range(TOUCHES):
        tile = home.ids.events if i % 2 else home.ids.contact
        start, _up = touch(tile)
        said = first_sound(engine, start)
        heard.append(said.first_sound - start)
        settle(engine)
        if i % 5 == 4:  # now and then, the second touch: the screen opens and is read
            _down, start = touch(tile)  # a button acts when the finger lifts
            pause(0.3)
            said = first_sound(engine, start)
            read.append(said.first_sound - start)
            opened.append(said.asked - start)
            settle(engine)
            app.home()
            pause(0.5)
            settle(engine)
    print("HEARD", " ".join(f"{s * 1000:.1f}" for s in heard))
    print("READ", " ".join(f"{s * 1000:.1f}" for s in read))
    print("OPENED", " ".join(f"{s * 1000:.1f}" for s in opened))

    app.go("service", item_id=CARD)
    pause(0.2)
    settle(engine)
    own0, kids0 = cpu()
    start = time.monotonic()
    app.read_aloud.say(app.manager.current_screen.spoken())
    utterance = engine.said[-1]
    while not utterance.done.is_set():
        EventLoop.idle()
    wall = time.monotonic() - start
    own1, kids1 = cpu()
    print("SPOKEN", f"{utterance.seconds:.2f}")
    print("WALL", f"{wall:.3f}")
    print("SPEAK_OWN", f"{own1 - own0:.3f}")
    print("SPEAK_VOICE", f"{kids1 - kids0:.3f}")
    print("CHARS", len(utterance.text))
    app.stop()


Clock.schedule_once(lambda dt: Clock.schedule_once(run, 0.5), 0)
main(["run", "--config", sys.argv[1]], standalone_mode=False)
"""
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--touches", type=int, default=20)
    parser.add_argument("--device", default="null", help="ALSA device (default: null)")
    args = parser.parse_args()
    with scratch() as (tmp, env):
        config = install(REPO / "content", tmp)
        config.write_text(config.read_text() + f'[speech]\ndevice = "{args.device}"\n')
        got = run_app(LISTEN, tmp, [str(config), str(args.touches)], env)
    if "SPOKEN" not in got:
        raise SystemExit(f"the run did not finish: {got}")
    heard = [float(v) for v in got["HEARD"].split()]
    read = [float(v) for v in got["READ"].split()]
    opened = [float(v) for v in got["OPENED"].split()]
    idle = float(got["IDLE_CPU"])
    spoken, wall = float(got["SPOKEN"]), float(got["WALL"])
    own, voice = float(got["SPEAK_OWN"]), float(got["SPEAK_VOICE"])
    print(f"device {args.device!r}, sample content, 1920x1080")
    print(f"touch to first sound, a button heard ({len(heard)} touches):")
    print(f"  median {statistics.median(heard):6.1f} ms   p95 {p95(heard):6.1f} ms")
    print(f"touch to first sound, a screen read ({len(read)} touches):")
    print(f"  median {statistics.median(read):6.1f} ms   p95 {p95(read):6.1f} ms")
    print(
        f"  of which the screen's opening, before the voice is asked: median "
        f"{statistics.median(opened):.1f} ms"
    )
    print(f"a service card read aloud: {got['CHARS']} characters, {spoken:.1f} s of speech")
    print(f"  made in {wall:.2f} s: app {own:.2f} s of CPU, espeak-ng + aplay {voice:.2f} s")
    print(f"CPU, % of one core (baseline: the app at rest on home, the same run): {idle:5.1f} %")
    paced = wall >= spoken * 0.9
    if paced:
        print(f"  while speaking (paced by the device): {100 * (own + voice) / wall:5.1f} %")
    else:
        added = own + voice - idle / 100 * wall
        print(f"  speaking adds per second of speech:     {100 * added / spoken:5.1f} %")
        print(f"  so while speaking at real time, about:  {idle + 100 * added / spoken:5.1f} %")


if __name__ == "__main__":
    main()
