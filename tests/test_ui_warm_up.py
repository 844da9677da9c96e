"""What the kiosk prepares while it waits for its first visitor, and what it lets go."""

from __future__ import annotations

import subprocess
import sys
import weakref
from pathlib import Path

from tests.conftest import write_tree
from tests.test_ui_release_reload import install

CHILD = """
import sys
from kivy.clock import Clock
from kiosk.ui.app import KioskApp
from kiosk.ui.navigation import SCREENS

app = KioskApp(content=sys.argv[1], data_dir=sys.argv[2], size=(1280, 800))


def screens_loaded():
    return " ".join(sorted(m for m in sys.modules if m.startswith("kiosk.ui.screens.")))


def first_visitor(_dt):
    before = set(sys.modules)
    for name in SCREENS:
        if name != "staff":
            app.screen(name)
    print("LOADED-ON-OPENING", " ".join(sorted(set(sys.modules) - before)), flush=True)
    print("AT-END", screens_loaded(), flush=True)
    app.stop()


def started(*_args):
    print("AT-START", screens_loaded(), flush=True)
    Clock.schedule_once(first_visitor, float(sys.argv[3]))


app.bind(on_start=started)
app.run()
"""


def run_child(tmp_path: Path, wait: float) -> dict[str, set[str]]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(write_tree(tmp_path / "src")), str(tmp_path), str(wait)],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    seen = {}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        if key in {"AT-START", "LOADED-ON-OPENING", "AT-END"}:
            seen[key] = set(value.split())
    return seen


def test_screens_are_ready_before_the_first_visitor_but_not_before_the_first_frame(
    display, tmp_path: Path
) -> None:
    seen = run_child(tmp_path, wait=2.0)
    assert "kiosk.ui.screens.home" in seen["AT-START"]
    assert not {"kiosk.ui.screens.search", "kiosk.ui.screens.walk"} & seen["AT-START"], (
        "the first screen is drawn before the others' code is loaded"
    )
    assert seen["LOADED-ON-OPENING"] == set(), "a screen's first opening waited for code"
    assert "kiosk.ui.screens.staff" not in seen["AT-END"], "the staff screen waits until asked for"


def test_a_visitor_who_comes_at_once_still_gets_every_screen(display, tmp_path: Path) -> None:
    seen = run_child(tmp_path, wait=0.0)
    assert {"kiosk.ui.screens.search", "kiosk.ui.screens.walk"} <= seen["AT-END"]


def test_what_a_new_release_takes_off_the_screen_is_freed(kiosk_app, tmp_path: Path) -> None:
    from kiosk.ui.navigation import TIDY_AFTER
    from kiosk.ui.warmup import WARM_UP_AFTER

    src = write_tree(tmp_path / "src5")
    data = tmp_path / "kioskdata"
    install(src, data, 1)
    app, ui = kiosk_app(content=None, data_dir=data)
    ui.wait(WARM_UP_AFTER + 1.0)  # prepared, and what it holds is set aside (gc.freeze)
    ui.tap(app.root_widget.ids.topbar.ids.language)
    german = weakref.ref(ui.button("Deutsch", root=app._chooser))
    ui.tap_at(5, 5)  # beside the chooser: it closes
    assert app._chooser is None
    settings = src / "settings.yaml"
    settings.write_text(settings.read_text() + "languages: [pl, en]\n")
    install(src, data, 2)
    ui.clock.advance(6)
    app._check_release()
    assert app.catalog.release.version == 2
    ui.tap(app.root_widget.ids.topbar.ids.language)
    assert [c.text for c in reversed(app._chooser.ids.choices.children)] == ["Polski", "English"]
    ui.tap_at(5, 5)
    ui.wait(WARM_UP_AFTER + TIDY_AFTER + 1.0)
    assert german() is None, "the German button of the old release stays in memory"
