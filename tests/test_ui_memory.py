"""What the kiosk keeps after its visitors: the real app in a real window, touched through
Kivy's input path the way visitors touch it (bench/monkey.py measures the memory itself)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, SAMPLE_CONTENT
from tests.kivy_driver import Driver, FakeClock, virtual_display
from tests.test_ui_screens import SATURDAY_MORNING

TILES = ("services", "events", "report", "search", "contact", "walk")


def open_font_files() -> int:
    """File descriptors on font files: SDL_ttf keeps its file open for each font it opens
    (a FreeType face and a glyph cache beside it)."""
    held = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        held += target.lower().endswith((".ttf", ".otf"))
    return held


def visit_every_screen(app, ui, shot: str = "") -> None:
    """From home, each tile, one level down where there is one; the keyboards drawn (and
    saved in a screenshot named `shot`, if any)."""
    home = app.manager.get_screen("home")
    for tile in TILES:
        ui.tap(app.root_widget.ids.bottombar.ids.home)
        ui.tap(home.ids[tile])
        assert app.manager.current == ("categories" if tile == "services" else tile)
        if tile == "services":
            ui.tap(ui.find("TileButton", root=ui.screen)[0])
            ui.tap(ui.find("ListRow", root=ui.screen)[0])
            assert app.manager.current == "service"
        elif tile == "events":
            ui.tap(ui.find("ListRow", root=ui.screen)[0])
            assert app.manager.current == "event"
        elif tile == "search" and shot:
            ui.screenshot(shot)
        elif tile == "report" and ui.screen.step == "category":
            ui.tap(ui.find("CategoryTile", root=ui.screen)[0])
            assert ui.screen.step == "description"  # its keyboard on screen


def font_tour(data_dir: Path) -> tuple[int, int]:
    """Every screen in three languages at both text sizes, then the same in one language:
    the font files open after each round."""
    from kiosk.ui.app import KioskApp

    with virtual_display():
        clock = FakeClock(SATURDAY_MORNING)
        app = KioskApp(content=SAMPLE_CONTENT, data_dir=data_dir, size=(1920, 1080), clock=clock)
        ui = Driver(app).start()
        ui.clock = clock
        larger = app.root_widget.ids.topbar.ids.larger
        # Polish, German and Ukrainian: each keyboard's words, Latin and Cyrillic letters.
        languages = [name for c, name in app.languages if c in ("pl", "de", "uk")]
        rounds = []
        for round_languages in (languages, languages[:1]):
            for _size in range(2):  # as written, then larger
                for language in round_languages:
                    ui.choose_language(language)
                    larger_uk = app.font_scale != 1.0 and language == "Українська"
                    visit_every_screen(app, ui, "keyboard-uk-larger-text" if larger_uk else "")
                ui.tap(larger)
            rounds.append(open_font_files())
        ui.stop()
    return rounds[0], rounds[1]


def test_each_font_size_is_opened_once(tmp_path: Path) -> None:
    """The fonts open stay few and a second round opens no more. Kivy keeps up to 64, and 26,
    26.0 and 26.4 were three fonts of the same 26 px (as were a keyboard's words fitted to each
    key's width): the kiosk kept 64 open and opened them again and again. Kivy's fonts belong
    to the process, so the tour runs in a fresh one: fonts other tests opened do not count."""
    tour = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from tests.test_ui_memory import font_tour;"
            "print(*font_tour(Path(sys.argv[1])))",
            str(tmp_path / "data"),
        ],
        cwd=REPO,
        env=os.environ | {"PYTHONPATH": str(REPO), "KIVY_NO_ARGS": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert tour.returncode == 0, tour.stderr[-3000:]
    first, second = map(int, tour.stdout.split()[-2:])
    assert 10 <= first <= 48, f"{first} fonts open"
    assert second == first, "the second round opened fonts again"


def test_a_word_is_fitted_to_its_key_in_a_few_sizes() -> None:
    """Whatever the keys' widths (every window size, before the layout too), a keyboard's
    words come in four smaller sizes at most: four more fonts and textures, not one a width."""
    from kiosk.ui.widgets.keyboard import FIT_STEPS, fitted_size

    sizes = {fitted_size(34, 200.0, room / 4) for room in range(1, 4 * 200)}
    assert len(sizes) == len(FIT_STEPS)
    assert min(sizes) == 17 and max(sizes) == 30
    assert all(fitted_size(34, 200.0, room) * 200 / 34 <= room for room in (100, 130, 160, 180))


def test_a_language_change_survives_a_garbage_collection_in_any_rule(kiosk_app) -> None:
    """A closed overlay is garbage the collector frees later, and until then its kv rules
    stay bound to the app's language, theme and text size. Python starts a collection
    wherever enough objects have been made, so now and then one started inside such a rule
    and freed the overlay under it; Kivy then wrote to a widget that was gone (ReferenceError:
    the kiosk stopped; bench/monkey.py met it twice in some 100,000 touches). Here the moment
    comes on purpose: as the closed overlay's rule asks for its text, a collection runs that
    reaches it (by gc.collect, not by lowering the thresholds: on a loaded machine a tidy-up
    may have set the overlay aside with gc.freeze first, and then the thresholds never
    reached it)."""
    import gc
    import weakref

    app, ui = kiosk_app()
    ui.tap(app.root_widget.ids.topbar.ids.municipality)  # a visitor, who then stands still
    ui.advance(95)
    ui.wait(0.4)
    overlay = ui.overlay()
    assert overlay is not None
    ui.tap_at(10, 10)  # the visitor is still there: the overlay closes
    assert ui.overlay() is None
    closed = weakref.ref(overlay)
    del overlay

    translate = app.translator.gettext

    def busy_rule(message: str, lang: str) -> str:
        if message == "Are you still there?" and closed() is not None:  # the closed overlay
            # The collection Python would start here, had the rule made enough objects; one
            # that reaches the overlay even if a tidy-up set it aside meanwhile (gc.freeze).
            gc.unfreeze()
            gc.collect()
        return translate(message, lang)

    app.translator.gettext = busy_rule
    ui.choose_language("English")
    assert closed() is None, "the collection did not come"
    assert app.lang == "en" and ui.button("Search")
    ui.tap(ui.button("Search"))
    assert app.manager.current == "search"
