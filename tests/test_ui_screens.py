"""Every screen at every supported size, saved as screenshots, with touch targets measured.

Screenshots land in tests/screenshots/ (look at them after a change of layout).
"""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.ui.theme import HIGH_CONTRAST, STANDARD, TEXT_PAIRS, contrast
from tests.conftest import SAMPLE_CONTENT
from tests.kivy_driver import FakeClock

SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920), "7inch": (1280, 800)}
SATURDAY_MORNING = datetime(2026, 11, 21, 10, 0, tzinfo=ZoneInfo("Europe/Warsaw")).timestamp()
PX_PER_MM_21_5 = math.hypot(1920, 1080) / 21.5 / 25.4
"""A 21.5-inch 1920x1080 panel: about 4 px per millimetre."""


@pytest.mark.parametrize("high_contrast", [False, True])
def test_palettes_reach_contrast_4_5(high_contrast: bool) -> None:
    pal = HIGH_CONTRAST if high_contrast else STANDARD
    for fg, bg in TEXT_PAIRS:
        assert contrast(getattr(pal, fg), getattr(pal, bg)) >= 4.5, (fg, bg)


def buttons_on_screen(ui):
    return [
        w
        for w in ui.app.root_widget.walk(restrict=True)
        if hasattr(w, "trigger_action")
        and w.opacity > 0
        and w.get_root_window() is not None
        and w.width > 0
        and w.height > 0
    ]


def visit_every_screen(ui, prefix: str, check_targets: bool):
    app = ui.app
    small = []
    overflow = []
    misfit = []

    def snap(name: str) -> None:
        ui.wait(0.3)  # let long lists lay out their rows
        ui.screenshot(f"{prefix}-{name}")
        overflow.extend((name, *o) for o in outside_window(ui))
        misfit.extend((name, *r) for r in misfit_rows(ui))
        if check_targets:
            for button in buttons_on_screen(ui):
                if min(button.size) < 12 * PX_PER_MM_21_5:
                    small.append((name, button.text[:30], tuple(round(v) for v in button.size)))
            for keyboard in ui.find("OnScreenKeyboard"):
                if keyboard.opacity == 0 or keyboard.get_root_window() is None:
                    continue
                for key, (_x, _y, w, h) in keyboard.keys:  # drawn keys, not widgets
                    if min(w, h) < 12 * PX_PER_MM_21_5:
                        small.append((name, f"key {key.char or key.action}", (round(w), round(h))))

    snap("home")
    ui.tap(ui.button("Sprawy urzędowe"))
    snap("categories")
    first = app.catalog.categories(app.now())[0]
    app.go("services", category=first.id)
    ui.wait(0.2)
    snap("services")
    card = next(c for c in app.catalog._services if c.link and c.documents)
    app.open_item("service", card.id)
    ui.wait(0.2)
    snap("service")
    ui.tap(ui.button("Start"))
    ui.tap(ui.button("Szukaj"))
    ui.type_on(ui.screen.ids.keyboard, "dow")
    snap("search")
    ui.tap(ui.button("Start"))
    ui.tap(ui.button("Wydarzenia"))
    snap("events")
    ui.tap(ui.button("Później"))
    event = next((e for e in app.catalog._events if e.image and e.link), app.catalog._events[0])
    app.open_item("event", event.id)
    ui.wait(0.2)
    snap("event")
    ui.tap(ui.button("Start"))
    ui.tap(ui.button("Kontakt z urzędem"))
    snap("contact")
    ui.tap(ui.button("Start"))
    ui.tap(ui.button("Wirtualny spacer"))
    snap("walk")
    ui.tap(ui.button("Mapa"))
    snap("walk-map")
    ui.tap(ui.button("Zamknij mapę"))
    ui.advance(app.idle.reset_after + 1)
    ui.wait(0.4)
    snap("idle-overlay")
    ui.tap_at(5, 5)
    return small, overflow, misfit


@pytest.mark.parametrize("size_name", list(SIZES))
def test_every_screen_at_every_size(kiosk_app, size_name: str) -> None:
    app, ui = kiosk_app(
        content=SAMPLE_CONTENT, size=SIZES[size_name], clock=FakeClock(SATURDAY_MORNING)
    )
    assert tuple(app.root_widget.size) == SIZES[size_name]
    small, overflow, misfit = visit_every_screen(
        ui, size_name, check_targets=size_name == "landscape"
    )
    assert small == [], f"touch targets under 12 mm: {small}"
    assert overflow == [], f"widgets reaching outside the window: {overflow}"
    assert misfit == [], f"list rows not the height of their text: {misfit}"


def misfit_rows(ui) -> list[tuple]:
    """Rows of a long list whose height is not what their text needs (widgets.kv: the title
    and subtitle plus margins, at least 120 units): a list that laid a row out from a stale
    size shows it squeezed over its text or as a tall empty box."""
    unit = ui.app.unit
    found = []
    for row in ui.find("ListRow"):
        if row.get_root_window() is None:
            continue
        text = row.ids.title.texture_size[1] + row.ids.subtitle.texture_size[1]
        if abs(row.height - max(unit * 120, text + unit * 40)) > 1:
            found.append((row.title[:30], round(row.height), round(text)))
    return found


def outside_window(ui) -> list[tuple]:
    """Visible widgets that stick out of the window (cut off for the visitor)."""
    from kivy.core.window import Window

    width, height = Window.size
    found = []
    for w in ui.app.root_widget.walk(restrict=True):
        if w.opacity > 0 and w.get_root_window() is not None and w.width and w.height:
            x, y = w.to_window(w.x, w.y)
            if x < -1 or x + w.width > width + 1:
                found.append((type(w).__name__, getattr(w, "text", "")[:20], round(x)))
    return found


def test_high_contrast_and_larger_text(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(SATURDAY_MORNING))
    heading, tile = ui.find("Heading")[0], ui.button("Szukaj")
    assert (heading.color, tile.bg) == (list(STANDARD.text), list(STANDARD.tile))
    ui.tap(ui.button("Kontrast"))
    assert app.pal is HIGH_CONTRAST
    ui.frames(2)
    # what is already on screen changes too, not only screens built from now on
    assert (heading.color, tile.bg) == (list(HIGH_CONTRAST.text), list(HIGH_CONTRAST.tile))
    assert app.root_widget.canvas.before.children[0].rgba == list(HIGH_CONTRAST.background)
    ui.tap(ui.button("A+"))
    assert app.font_scale > 1
    ui.screenshot("landscape-home-high-contrast-larger")
    ui.tap(ui.button("Sprawy urzędowe"))
    first = app.catalog.categories(app.now())[0]
    app.go("services", category=first.id)
    ui.wait(0.2)
    card = next(c for c in app.catalog._services if c.documents)
    app.open_item("service", card.id)
    ui.wait(0.2)
    ui.screenshot("landscape-service-high-contrast-larger")
    title = ui.find("Heading")[0]
    assert title.color == list(HIGH_CONTRAST.text)
