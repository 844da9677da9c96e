"""Driving the real kiosk app in a real window: frames, touches, screenshots.

The app runs in this process inside an X virtual framebuffer (Xvfb, software OpenGL);
touches go through Kivy's input path exactly as a touchscreen's would.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

SCREENSHOTS = Path(__file__).parent / "screenshots"


def ensure_display() -> subprocess.Popen | None:
    """Start Xvfb unless a display is already there; set up Kivy's environment."""
    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("LIBGL_ALWAYS_SOFTWARE", "1")
    if os.environ.get("DISPLAY"):
        return None
    if not shutil.which("Xvfb"):
        raise RuntimeError("Xvfb is needed for the UI tests (apt-get install xvfb)")
    # -displayfd: Xvfb picks a free display and tells us which, so parallel runs never share
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1920x1920x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write_fd,),
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number.isdigit():
        proc.kill()
        raise RuntimeError("Xvfb did not start")
    os.environ["DISPLAY"] = f":{number}"
    return proc


@contextlib.contextmanager
def virtual_display() -> Iterator[None]:
    """A display for the length of a `with` block: the Xvfb started for it is stopped after."""
    proc = ensure_display()
    try:
        yield
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)


class FakeClock:
    """The app's wall clock, which tests move forward instead of waiting."""

    def __init__(self, start: float | None = None):
        self.now = start if start is not None else time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Driver:
    def __init__(self, app):
        from kivy.base import EventLoop

        self.app = app
        self.loop = EventLoop

    def start(self) -> Driver:
        from kivy.base import runTouchApp

        self.app._run_prepare()
        runTouchApp(embedded=True)
        self.frames(8)
        return self

    def stop(self) -> None:
        self.app._stop()

    def frames(self, n: int = 4) -> None:
        for _ in range(n):
            self.loop.idle()

    def wait(self, seconds: float) -> None:
        """Let real time pass (for Kivy's own clock: transitions, triggers)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.loop.idle()

    def ticked(self) -> None:
        """Frames until the app's tick has looked at its clock as it is now: the idle overlay,
        the reset, attract and the display schedule are decided there, four times a second
        of real time, which a loaded machine may not give a fixed wait."""
        seen: list[float] = []
        appliance = self.app.appliance
        tick = appliance.tick

        def recording(now: float, phase) -> None:
            seen.append(now)
            tick(now, phase)

        appliance.tick = recording
        try:
            self.wait_until(lambda: seen and seen[-1] >= self.clock.now, "a tick at this time")
        finally:
            del appliance.tick

    def advance(self, seconds: float) -> None:
        """Move the app's clock on and let its tick see the new time."""
        self.clock.advance(seconds)
        self.ticked()

    def wait_until(self, condition, what: str, seconds: float = 20) -> None:
        """Run frames until `condition()` holds: for a state the app reaches in its own time
        (a Clock interval, a transition), which a loaded machine gives later than usual."""
        deadline = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < deadline, f"waited {seconds} s in vain for {what}"
            self.loop.idle()

    def tap(self, widget) -> None:

        x, y = widget.to_window(*widget.center)
        self.tap_at(x, y)

    def tap_at(self, x: float, y: float) -> None:
        from kivy.tests.common import UnitTestTouch

        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(2)
        touch.touch_up()
        self.frames(3)
        self.wait(0.2)  # the slide transition, longer on a busy machine
        deadline = time.monotonic() + 5
        while self.app.manager.transition.is_active and time.monotonic() < deadline:
            self.loop.idle()

    def keys(self, keyboard) -> set[str]:
        """The characters an on-screen keyboard offers right now."""
        return {key.char for key, _box in keyboard.keys if key.action == "char"}

    def tap_key(self, keyboard, action: str, char: str = "") -> None:
        """Touch the middle of one of the keys the keyboard draws."""
        self.frames(1)  # a pending redraw places the keys
        boxes = [box for key, box in keyboard.keys if key.action == action and key.char == char]
        assert boxes, f"no key {action} {char!r} on the {keyboard.lang} keyboard"
        x, y, w, h = boxes[0]
        self.tap_at(*keyboard.to_window(x + w / 2, y + h / 2))

    def type_on(self, keyboard, text: str) -> None:
        """Type as a visitor would: shift for a capital, the Latin switch for a letter the
        language's layout does not have."""
        for char in text:
            if char == " ":
                self.tap_key(keyboard, "space", " ")
                continue
            if char.lower() not in self.keys(keyboard) and keyboard.can_switch:
                self.tap_key(keyboard, "latin")
            if char != char.lower() and not keyboard.shift:
                self.tap_key(keyboard, "shift")
            self.tap_key(keyboard, "char", char.lower())

    @property
    def screen(self):
        return self.app.manager.current_screen

    def find(self, cls_name: str, text: str | None = None, root=None):
        """Every widget of a class (by name) under `root`, optionally with this text."""
        root = root or self.app.root_widget
        found = [
            w
            for w in root.walk(restrict=True)
            if type(w).__name__ == cls_name and (text is None or getattr(w, "text", None) == text)
        ]
        return found

    def button(self, text: str, root=None):
        matches = [
            w
            for w in (root or self.app.root_widget).walk(restrict=True)
            if hasattr(w, "trigger_action")
            and getattr(w, "text", "").split("\n")[0].split("[")[0].strip("‹ ") == text
            and w.opacity > 0
        ]
        assert matches, f"no button {text!r} on screen {self.app.manager.current}"
        return matches[0]

    def choose_language(self, name: str) -> None:
        """Touch the language button, then a language by its own name ("Deutsch")."""
        self.tap(self.app.root_widget.ids.topbar.ids.language)
        self.tap(self.button(name, root=self.window_child("LanguageChooser")))

    def window_child(self, cls_name: str):
        """A view open on the window above the app (a chooser, an overlay)."""
        from kivy.core.window import Window

        return next(w for w in Window.children if type(w).__name__ == cls_name)

    def overlay(self):
        """The idle overlay if it is open (it sits on the window, above the app)."""
        from kivy.core.window import Window

        return next((w for w in Window.children if type(w).__name__ == "IdleOverlay"), None)

    def texts(self, root=None) -> list[str]:
        root = root or self.app.root_widget
        return [
            w.text for w in root.walk(restrict=True) if isinstance(getattr(w, "text", None), str)
        ]

    def screenshot(self, name: str) -> Path:
        from kivy.core.window import Window

        SCREENSHOTS.mkdir(exist_ok=True)
        self.frames(3)
        Window.screenshot(name=str(SCREENSHOTS / f"{name}.png"))
        # Kivy numbers screenshots: name0001.png; keep the plain name.
        numbered = sorted(SCREENSHOTS.glob(f"{name}0*.png"))
        target = SCREENSHOTS / f"{name}.png"
        if numbered:
            numbered[-1].replace(target)
        return target
