"""The real app in a real window: a visitor's path through the screens."""

from __future__ import annotations


def test_home_to_service_card_and_back(kiosk_app) -> None:
    app, ui = kiosk_app()
    assert app.manager.current == "home"
    ui.tap(ui.button("Sprawy urzędowe"))
    assert app.manager.current == "categories"
    ui.tap(ui.button("Dokumenty"))
    assert app.manager.current == "services"
    assert ui.screen.heading == "Dokumenty"
    rows = ui.find("ListRow")
    assert {r.title for r in rows} >= {"Dowód osobisty", "Zaświadczenie o zameldowaniu"}
    ui.tap(next(r for r in rows if r.title == "Dowód osobisty"))
    assert app.manager.current == "service"
    assert ui.screen.heading == "Dowód osobisty"
    assert ui.screen.link == "https://example.org/dowod"
    qr = ui.find("QrCode")[0]
    assert qr.texture is not None and qr.opacity != 0
    ui.tap(ui.button("Wstecz"))
    assert app.manager.current == "services"
    ui.tap(ui.button("Start"))
    assert app.manager.current == "home"
    assert app.history == []


def test_language_switch_changes_ui_and_content(kiosk_app) -> None:
    app, ui = kiosk_app()
    ui.choose_language("Deutsch")
    assert app.lang == "de"
    assert "Wie können wir Ihnen helfen?" in ui.texts() or any("helfen" in t for t in ui.texts())
    ui.tap(ui.button("Bürgerservice"))
    ui.tap(ui.button("Dokumente"))
    titles = {r.title for r in ui.find("ListRow")}
    # German where translated, Polish where not
    assert "Personalausweis" in titles
    assert "Zaświadczenie o zameldowaniu" in titles
    ui.choose_language("Українська")
    assert app.lang == "uk"
    assert app.manager.current == "services"
    assert ui.screen.heading == "Dokumenty"  # no Ukrainian name: Polish fallback


def test_screens_left_behind_are_let_go_and_built_again_fresh(kiosk_app) -> None:
    import weakref

    from kiosk.ui.navigation import KEEP_BUILT, TIDY_AFTER

    app, ui = kiosk_app()
    ui.tap(ui.button("Szukaj"))
    ui.type_on(ui.screen.ids.keyboard, "dow")
    search = weakref.ref(ui.screen)
    for tile in ("Wydarzenia", "Kontakt z urzędem", "Zgłoś problem", "Sprawy urzędowe"):
        ui.tap(ui.button("Start"))
        ui.tap(ui.button(tile))
    assert "search" in app.manager.screen_names  # nothing is let go while the visitor moves
    ui.wait(TIDY_AFTER + 0.5)
    built = app.manager.screen_names
    assert "search" not in built, "the screen seen longest ago is let go"
    assert search() is None, "and nothing holds on to it (its keyboard, its list)"
    assert set(built) == {"home", "categories", "events", "contact", "report"}
    assert len(built) == 2 + KEEP_BUILT
    ui.tap(ui.button("Start"))
    ui.tap(ui.button("Szukaj"))
    assert ui.screen.query == "" and ui.screen.ids.keyboard.text == ""
    ui.type_on(ui.screen.ids.keyboard, "zasw")
    assert [r["item_id"] for r in ui.screen.ids.list.data] == ["meldunek"]


def test_back_still_leads_through_every_screen_after_a_pause(kiosk_app) -> None:
    from kiosk.ui.navigation import TIDY_AFTER

    app, ui = kiosk_app()
    for tile in ("Wydarzenia", "Kontakt z urzędem", "Zgłoś problem", "Szukaj"):
        ui.tap(ui.button(tile))
        ui.tap(ui.button("Start"))
    ui.tap(ui.button("Sprawy urzędowe"))
    ui.tap(ui.button("Dokumenty"))
    ui.tap(next(r for r in ui.find("ListRow") if r.title == "Dowód osobisty"))
    ui.wait(TIDY_AFTER + 0.5)
    assert {"categories", "services", "service"} <= set(app.manager.screen_names)
    ui.tap(ui.button("Wstecz"))
    assert app.manager.current == "services" and ui.screen.heading == "Dokumenty"
    ui.tap(ui.button("Wstecz"))
    assert app.manager.current == "categories"


def test_a_half_filled_report_waits_for_the_visitor_until_the_idle_reset(kiosk_app) -> None:
    from kiosk.ui.navigation import TIDY_AFTER

    app, ui = kiosk_app()
    ui.tap(ui.button("Zgłoś problem"))
    report = ui.screen
    ui.tap(next(t for t in ui.find("CategoryTile") if t.service_code == "lampa"))
    ui.type_on(report.ids.description_keys, "Ciemno")
    for tile in ("Wydarzenia", "Kontakt z urzędem", "Szukaj", "Sprawy urzędowe"):
        ui.tap(ui.button("Start"))
        ui.tap(ui.button(tile))
    ui.wait(TIDY_AFTER + 0.5)
    assert "report" in app.manager.screen_names
    ui.tap(ui.button("Start"))
    ui.tap(ui.button("Zgłoś problem"))
    assert ui.screen is report and report.description == "Ciemno"
    ui.advance(app.idle.reset_after + app.idle.countdown + 1)
    ui.wait(0.6)
    assert report.description == "" and not report.holds_input()
