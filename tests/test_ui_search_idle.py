"""Search with the on-screen keyboard; the idle reset forgets what a visitor typed."""

from __future__ import annotations

from kiosk.infra.store import open_store
from kiosk.visit.touchstats import summary


def type_text(ui, text: str) -> None:
    ui.type_on(ui.screen.ids.keyboard, text)


def test_typing_finds_cards_with_or_without_diacritics(kiosk_app) -> None:
    app, ui = kiosk_app()
    ui.tap(ui.button("Szukaj"))
    assert app.manager.current == "search"
    type_text(ui, "zasw")
    assert ui.screen.query == "zasw"
    assert [r["item_id"] for r in ui.screen.ids.list.data] == ["meldunek"]
    ui.tap_key(ui.screen.ids.keyboard, "clear")
    type_text(ui, "zaś")
    assert [r["item_id"] for r in ui.screen.ids.list.data] == ["meldunek"]
    rows = ui.find("ListRow")
    ui.tap(rows[0])
    assert app.manager.current == "service"
    assert ui.screen.heading == "Zaświadczenie o zameldowaniu"


def test_home_forgets_the_search_and_back_from_a_result_keeps_it(kiosk_app) -> None:
    app, ui = kiosk_app()
    ui.tap(ui.button("Szukaj"))
    type_text(ui, "zasw")
    ui.tap(ui.find("ListRow")[0])
    ui.tap(ui.button("Wstecz"))  # back to the results: the search is still there
    assert ui.screen.query == "zasw" and len(ui.screen.ids.list.data) == 1
    ui.tap(ui.button("Start"))
    ui.tap(ui.button("Szukaj"))
    assert ui.screen.query == "" and ui.find("TightLabel", "Wpisz tutaj…", root=ui.screen)
    type_text(ui, "dow")  # not "zaswdow"
    assert ui.screen.query == "dow"
    assert [r["item_id"] for r in ui.screen.ids.list.data] == ["dowod"]


def test_keyboard_follows_the_language(kiosk_app) -> None:
    app, ui = kiosk_app()
    ui.tap(ui.button("Szukaj"))
    keys = ui.keys(ui.screen.ids.keyboard)
    assert {"ą", "ł", "ż"} <= keys
    ui.choose_language("Українська")
    keys = ui.keys(ui.screen.ids.keyboard)
    assert {"ї", "є", "ґ", "й"} <= keys
    ui.choose_language("Deutsch")
    keys = ui.keys(ui.screen.ids.keyboard)
    assert {"ä", "ö", "ü", "ß"} <= keys


def test_idle_reset_clears_a_half_typed_search(kiosk_app) -> None:
    app, ui = kiosk_app()
    ui.choose_language("English")
    ui.tap(ui.button("A+"))
    ui.tap(ui.button("Search"))
    type_text(ui, "dow")
    assert ui.screen.query == "dow"
    ui.clock.advance(91)  # default: 90 s without a touch
    ui.wait(0.4)
    overlay = ui.overlay()
    assert overlay, "the 'Are you still there?' overlay should be open"
    assert "Are you still there?" in ui.texts(overlay)
    ui.advance(10)
    ui.wait(0.4)
    assert app.manager.current == "home"
    assert app.lang == "pl"
    assert app.font_scale == 1.0
    assert ui.overlay() is None
    search = app.manager.get_screen("search")
    assert search.query == ""
    assert search.ids.keyboard.text == ""
    assert search.ids.list.data == []


def test_a_touch_on_the_overlay_keeps_the_visit_going(kiosk_app) -> None:
    app, ui = kiosk_app()
    ui.tap(ui.button("Szukaj"))
    type_text(ui, "pod")
    ui.advance(95)
    ui.wait(0.4)
    assert ui.overlay() is not None
    ui.tap_at(10, 10)
    ui.advance(8)
    ui.wait(0.4)
    assert app.manager.current == "search"
    assert ui.screen.query == "pod"


def test_touches_sessions_views_and_misses_are_counted(kiosk_app, tmp_path) -> None:
    app, ui = kiosk_app()
    ui.tap(ui.button("Sprawy urzędowe"))
    ui.tap(ui.button("Dokumenty"))
    ui.tap(next(r for r in ui.find("ListRow") if r.title == "Dowód osobisty"))
    ui.tap(ui.button("Start"))
    ui.tap(ui.button("Szukaj"))
    type_text(ui, "xyz")
    ui.wait(3.3)  # a fruitless query counts once it has stood for 3 s
    ui.advance(200)
    ui.wait(0.4)  # idle reset: flushes counters
    db = open_store(tmp_path / "data")
    stats = summary(db)
    per_screen = stats["touches_per_screen"]
    assert per_screen["home"] == 2
    assert per_screen["categories"] == 1
    assert per_screen["services"] == 1
    assert per_screen["service"] == 1
    assert per_screen["search"] == 3
    assert sum(stats["sessions"].values()) == 1
    assert stats["top_items"] == [{"item": "service:dowod", "views": 1}]
    assert stats["failed_searches"] == [{"query": "xyz", "count": 1}]
    # the next visitor's first touch is a new session
    ui.tap(ui.button("Szukaj"))
    app._flush()
    assert sum(summary(db)["sessions"].values()) == 2
