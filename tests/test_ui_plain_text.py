"""Text from content, reports and translations is shown as the text it is, never read as Kivy
markup: the real app, in a real window, with hostile text in every text field of the content
model and in every translation, visited screen by screen through the input path.

Kivy reads `[font=…]`, `[size=…]`, `[color=…]`, `[ref=…]`, `[b]` in a markup label: a category
named `[font=/etc/passwd]` once crashed the kiosk when a visitor opened the services, and
`[size=5000]` made a texture 20,000 px tall. The hostile content is made by walking the
model's fields (a field added later is covered without touching this test); what the hub
would refuse is not hostile content, so it is validated as a publish would be.
"""

from __future__ import annotations

import contextlib
import json
import time
import types
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

import pytest
from babel.messages.pofile import read_po, write_po

from kiosk.appliance.pin import hash_pin
from kiosk.infra.config import KioskConfig
from kiosk.ui.i18n import LOCALE_DIR
from kiosk_core.content import model
from kiosk_core.content.build import build_release
from kiosk_core.content.manifest import CONTENT_FILE
from kiosk_core.i18n import Translator
from kiosk_core.validation import Limits, to_data, trusted, validate, validate_json
from tests.conftest import SAMPLE_CONTENT
from tests.kivy_driver import FakeClock
from tests.test_ui_screens import SATURDAY_MORNING
from tests.test_ui_staff import PIN, corner_taps, enter

HOSTILE = "[size=5000][font=/etc/passwd][color=ff0000][ref=x][b]x[/b][/b] &bl;"
"""Every kind of markup that could hurt: a huge size, a file read as a font, colour, a link
reference, bold left open and closed twice, and an entity (which must not become a bracket)."""

REFERENCES = (
    model.Identifier,
    model.MediaRef,
    model.Phone,
    model.Email,
    model.WebLink,
    model.TimeZoneName,
    model.AttributeCode,
    model.ListKey,
)
"""Strings in the model that are not text to read but references (ids, files, addresses,
time zones, codes): the hub refuses brackets in them, and the kiosk uses them as keys."""


def spoil(text: str, max_length: int | None = None) -> str:
    """The text with hostile markup after it, within the field's length limit."""
    if max_length is not None and len(text) + 1 + len(HOSTILE) > max_length:
        text = text[: max(0, max_length - len(HOSTILE) - 1)]
    return f"{text} {HOSTILE}".strip()


def _optional(hint: Any) -> Any:
    if get_origin(hint) in (Union, types.UnionType):
        members = [a for a in get_args(hint) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return hint


def _max_length(hint: Any) -> int | None:
    if get_origin(hint) is Annotated:
        for meta in get_args(hint)[1:]:
            if isinstance(meta, Limits) and "max_length" in meta.constraints:
                return meta.constraints["max_length"]
    return None


def _is_free_text(hint: Any) -> bool:
    base = get_args(hint)[0] if get_origin(hint) is Annotated else hint
    return base is str and not any(hint == ref for ref in REFERENCES)


def hostile(value: Any, hint: Any = model.Content) -> Any:
    """`value` with every text a visitor may read replaced by hostile text, in every
    language: each `Text`, and each other string field that is not a reference; an optional
    text left out gets one, unless the model refuses it there."""
    hint = _optional(hint)
    if hint == model.Text:
        return {
            lang: spoil((value or {}).get(lang) or (value or {}).get("pl", ""))
            for lang in model.LANGUAGES
        }
    if _is_free_text(hint) and (value is None or isinstance(value, str)):
        return spoil(value or "", _max_length(hint))
    if is_dataclass(value):
        hints = get_type_hints(type(value), include_extras=True)
        for f in fields(value):
            # a field the model refuses there stays as it was (a hotspot leads to a place
            # or holds a note, not both)
            with contextlib.suppress(ValueError):
                value = replace(value, **{f.name: hostile(getattr(value, f.name), hints[f.name])})
        return value
    base = get_args(hint)[0] if get_origin(hint) is Annotated else hint
    if get_origin(base) is list and value is not None:
        (item,) = get_args(base)
        return [hostile(v, item) for v in value]
    if get_origin(base) is dict and value is not None:
        _key, item = get_args(base)
        return {k: hostile(v, item) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def hostile_release(tmp_path_factory) -> Path:
    """The sample content built into a release, every text in it hostile."""
    release = tmp_path_factory.mktemp("hostile") / "release"
    build_release(SAMPLE_CONTENT, release)
    path = release / CONTENT_FILE
    content = trusted(model.Content, json.loads(path.read_bytes()))
    spoiled = to_data(hostile(content))
    document = json.dumps(spoiled, ensure_ascii=False)
    validate_json(model.Content, document)  # as the agent checks a release: valid content
    assert HOSTILE in spoiled["service_categories"][0]["name"]["pl"]
    assert HOSTILE in spoiled["walk"]["nodes"][0]["hotspots"][0]["label"]["de"]
    assert HOSTILE in spoiled["services"][0]["office"]["room"]
    path.write_text(document, encoding="utf-8")
    return release


@pytest.fixture(scope="module")
def hostile_locale(tmp_path_factory) -> Path:
    """The app's catalogs with hostile markup after every translation."""
    folder = tmp_path_factory.mktemp("locale")
    for po in sorted(LOCALE_DIR.glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.stem)
        for message in catalog:
            if not message.id:
                continue
            if isinstance(message.string, tuple):
                message.string = tuple(spoil(s) if s else s for s in message.string)
            elif message.string:
                message.string = spoil(message.string)
        with (folder / po.name).open("wb") as fh:
            write_po(fh, catalog)
    return folder


def shown(label) -> str:
    """The characters a label draws, as its renderer laid them out (no whitespace)."""
    lines = getattr(label._label, "_cached_lines", None) or []
    return "".join("".join(w.text for w in line.words) for line in lines).replace(" ", "")


LITERAL = HOSTILE.replace(" ", "")


def labels_on_screen(ui) -> list:
    from kivy.core.window import Window
    from kivy.uix.label import Label

    roots = [ui.app.root_widget, *Window.children]
    return [
        w
        for root in dict.fromkeys(roots)
        for w in root.walk(restrict=True)
        if isinstance(w, Label) and w.get_root_window() is not None and w.opacity > 0
    ]


def check(ui, seen: dict[str, int], name: str) -> None:
    """On the screen shown: hostile text is drawn literally, and no label is drawn larger
    than its characters at its font size (as `[size=5000]` would make it)."""
    from kivy.core.window import Window

    ui.wait(0.3)
    literal = 0
    for label in labels_on_screen(ui):
        what = f"{name}: {type(label).__name__} {label.text[:60]!r}"
        if not label.texture:
            continue
        width, height = label.texture_size
        drawn = shown(label)
        lines = max(1, len(getattr(label._label, "_cached_lines", None) or []))
        # as wide as the place given to it (text_size) or as its characters, as tall as the
        # place or its lines: never what a `[size=…]` in the text asks for
        room_x, room_y = (v or 0 for v in label.text_size)
        assert width <= max(room_x, (len(drawn) + 2) * label.font_size), f"{what}: {width} px"
        assert height <= max(room_y, (lines + 2) * 2 * label.font_size), f"{what}: {height} px"
        if ui.translations == "own":  # content alone never pushes text past the screen
            assert width <= Window.width, f"{what} is wider than the window: {width} px"
        if HOSTILE in label.text and not label.is_shortened:
            assert LITERAL in drawn, f"{what} shows {drawn[:80]!r}"
            literal += 1
    seen[name] = literal
    ui.screenshot(f"hostile-{name}-{ui.translations}")


def tap_first(ui, cls_name: str, root=None):
    """Touch the widget of this class shown first: the top one, the left one of a row."""
    from kivy.core.window import Window

    widgets = [w for w in ui.find(cls_name, root=root) if w.get_root_window() is Window]
    assert widgets, f"no {cls_name} on {ui.app.manager.current}"

    def place(widget) -> tuple[float, float]:
        x, y = widget.to_window(*widget.center)
        return (-round(y), x)

    first = min(widgets, key=place)
    ui.tap(first)
    return first


def wait_for(ui, condition, seconds: float = 30) -> None:
    """Frames until `condition()` holds (the app's clock ticks on real time)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        ui.frames(1)


def tap_bar(ui, button_id: str) -> None:
    ui.tap(ui.app.root_widget.ids.bottombar.ids[button_id])


@pytest.mark.parametrize("translations", ["own", "hostile"])
def test_hostile_text_is_shown_as_text_on_every_screen(
    kiosk_app, hostile_release, hostile_locale, monkeypatch, tmp_path, translations
) -> None:
    if translations == "hostile":
        monkeypatch.setattr("kiosk.ui.app.Translator", lambda _dir: Translator(hostile_locale))
    config = validate(
        KioskConfig,
        {
            "fullscreen": False,
            "kiosk_id": "rynek",
            "data_dir": str(tmp_path / "data"),
            "staff": {"pin_hash": hash_pin(PIN, log_n=10)},
            "display": {"power": "blank"},
        },
    )
    app, ui = kiosk_app(content=hostile_release, kiosk=config, clock=FakeClock(SATURDAY_MORNING))
    ui.translations = translations
    seen: dict[str, int] = {}
    home = app.manager.get_screen("home")
    assert HOSTILE in app.alert_text and HOSTILE in app.municipality
    check(ui, seen, "home")

    ui.tap(home.ids.services)
    assert app.manager.current == "categories"
    check(ui, seen, "categories")
    tap_first(ui, "TileButton", root=ui.screen)
    assert app.manager.current == "services"
    check(ui, seen, "services")
    tap_first(ui, "ListRow", root=ui.screen)
    assert app.manager.current == "service"
    check(ui, seen, "service")
    card = next(c for c in app.catalog._services if c.documents and c.fees and c.office)
    app.open_item("service", card.id)  # the richest card: documents, fees, office
    check(ui, seen, "service-full")
    tap_bar(ui, "home")

    ui.tap(home.ids.search)
    ui.type_on(ui.screen.ids.keyboard, "dow")
    check(ui, seen, "search")
    tap_first(ui, "ListRow", root=ui.screen)
    assert app.manager.current == "service"
    tap_bar(ui, "home")

    ui.tap(home.ids.events)
    events = ui.screen
    ui.tap(events.ids.later)
    check(ui, seen, "events")
    tap_first(ui, "CategoryChip", root=events.ids.chips)
    # Category chips this long leave the list no room: the event is opened as a row would.
    event = next(e for e in app.catalog._events if e.place and e.description)
    app.open_item("event", event.id)
    check(ui, seen, "event")
    tap_bar(ui, "home")

    ui.tap(home.ids.contact)
    check(ui, seen, "contact")
    tap_bar(ui, "home")

    ui.tap(home.ids.report)
    report = ui.screen
    check(ui, seen, "report-category")
    tap_first(ui, "CategoryTile", root=report)
    assert report.step == "description"
    ui.type_on(report.ids.description_keys, "Lampa")
    ui.tap(report.ids.next_description)
    ui.tap(report.ids.here)
    ui.tap(report.ids.next_location)
    ui.tap(report.ids.next_contact)
    assert report.step == "review", report.error
    check(ui, seen, "report-review")
    ui.tap(report.ids.send)
    assert app.manager.current == "receipt"
    check(ui, seen, "receipt")
    tap_bar(ui, "home")

    ui.tap(home.ids.walk)
    walk = ui.screen
    check(ui, seen, "walk")
    info = next(m for m in walk._markers if m.kind == "info")
    from kiosk.walk.projection import View

    spot = next(h for h in app.catalog.walk.node(walk.item_id).hotspots if h.info)
    # beside the place's name, where the note's caption (lines of hostile text) is drawn whole
    walk.view.look_at(View(spot.yaw - 10, spot.pitch, 75))
    ui.frames(2)
    ui.tap(info)
    assert walk._info is not None
    check(ui, seen, "walk-info")
    tap_first(ui, "KioskButton", root=walk._info)
    assert walk._info is None
    ui.tap(walk.ids.map_button)
    assert walk.map_open
    check(ui, seen, "walk-map")
    tap_bar(ui, "home")

    corner_taps(ui)
    assert app.manager.current == "staff"
    enter(ui, PIN)
    check(ui, seen, "staff")
    tap_bar(ui, "home")

    ui.clock.advance(app.idle.reset_after + 1)
    wait_for(ui, lambda: ui.overlay() is not None)
    check(ui, seen, "idle-overlay")
    ui.clock.advance(app.idle.countdown + 1)
    wait_for(ui, lambda: ui.overlay() is None and app.manager.current == "home")
    ui.clock.advance(app.catalog.settings.idle.attract_after + 1)
    wait_for(ui, lambda: app.appliance.attract is not None)
    check(ui, seen, "attract")

    shown_nowhere = [name for name, count in seen.items() if not count]
    assert shown_nowhere == [], f"no hostile text drawn on {shown_nowhere}"
