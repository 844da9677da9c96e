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
    ui.tap(ui.button("DE"))
    assert app.lang == "de"
    assert "Wie können wir Ihnen helfen?" in ui.texts() or any("helfen" in t for t in ui.texts())
    ui.tap(ui.button("Bürgerservice"))
    ui.tap(ui.button("Dokumente"))
    titles = {r.title for r in ui.find("ListRow")}
    # German where translated, Polish where not
    assert "Personalausweis" in titles
    assert "Zaświadczenie o zameldowaniu" in titles
    ui.tap(ui.button("UK"))
    assert app.lang == "uk"
    assert app.manager.current == "services"
    assert ui.screen.heading == "Dokumenty"  # no Ukrainian name: Polish fallback
