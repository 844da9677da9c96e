"""What the kiosk keeps after its visitors: the real app in a real window, touched through
Kivy's input path the way visitors touch it (bench/monkey.py measures the memory itself)."""

from __future__ import annotations

import os

from tests.conftest import SAMPLE_CONTENT
from tests.kivy_driver import FakeClock
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


def test_each_font_size_is_opened_once(kiosk_app) -> None:
    """Every screen in every language at both text sizes: the fonts open stay few and a
    second round opens no more. Kivy keeps up to 64, and 26, 26.0 and 26.4 were three fonts
    of the same 26 px (as were a keyboard's words fitted to each key's width): the kiosk kept
    64 open and opened them again and again."""
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(SATURDAY_MORNING))
    larger = app.root_widget.ids.topbar.ids.larger
    languages = [code.upper() for code, _name in app.languages]
    for round_languages in (languages, languages[:1]):
        for _size in range(2):  # as written, then larger
            for language in round_languages:
                ui.tap(ui.button(language))
                larger_uk = app.font_scale != 1.0 and language == "UK"
                visit_every_screen(app, ui, "keyboard-uk-larger-text" if larger_uk else "")
            ui.tap(larger)
        if round_languages is languages:
            first = open_font_files()
    assert first <= 48, f"{first} fonts open"
    assert open_font_files() == first, "the second round opened fonts again"


def test_a_word_is_fitted_to_its_key_in_a_few_sizes() -> None:
    """Whatever the keys' widths (every window size, before the layout too), a keyboard's
    words come in four smaller sizes at most: four more fonts and textures, not one a width."""
    from kiosk.widgets.keyboard import FIT_STEPS, fitted_size

    sizes = {fitted_size(34, 200.0, room / 4) for room in range(1, 4 * 200)}
    assert len(sizes) == len(FIT_STEPS)
    assert min(sizes) == 17 and max(sizes) == 30
    assert all(fitted_size(34, 200.0, room) * 200 / 34 <= room for room in (100, 130, 160, 180))
