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
    button = app.root_widget.ids.topbar.ids.language
    assert button.text == "Polski"
    ui.tap(button)
    names = [c.text for c in reversed(app._chooser.ids.choices.children)]
    assert names == ["Polski", "English", "Deutsch", "Čeština", "Українська"]
    ui.tap(ui.button("Deutsch", root=app._chooser))
    assert app.lang == "de" and app._chooser is None
    assert button.text == "Deutsch"
    assert "Wie können wir Ihnen helfen?" in ui.texts() or any("helfen" in t for t in ui.texts())
    ui.tap(ui.button("Bürgerservice"))
    ui.tap(ui.button("Dokumente"))
    titles = {r.title for r in ui.find("ListRow")}
    # German where translated, Polish where not
    assert "Personalausweis" in titles
    assert "Zaświadczenie o zameldowaniu" in titles
    ui.choose_language("Українська")
    assert app.lang == "uk" and button.text == "Українська"
    assert app.manager.current == "services"
    assert ui.screen.heading == "Dokumenty"  # no Ukrainian name: Polish fallback


def test_a_visitor_is_told_what_is_in_polish_and_how_much_is_in_their_language(
    kiosk_app,
) -> None:
    """Text missing in the visitor's language is shown in Polish, and said to be; home says
    how much of the content is wholly in the language (none of it when all is)."""
    from tests.conftest import SAMPLE_CONTENT
    from tests.kivy_driver import FakeClock
    from tests.test_ui_screens import SATURDAY_MORNING

    app, ui = kiosk_app(content=SAMPLE_CONTENT, size=(1280, 800), clock=FakeClock(SATURDAY_MORNING))
    home = ui.screen
    assert home.share == "" and home.ids.share.height == 0  # Polish: all of it
    ui.choose_language("Українська")
    ui.tap(ui.button("A+"))
    cards, events = app.catalog.shares("uk", app.now())
    assert 0 < cards.whole < cards.total == 49 and 0 < events.whole < events.total
    assert home.share == (
        f"Повністю українською: картки послуг: {cards.whole} з 49, "
        f"події: {events.whole} з {events.total}. Решту показано польською."
    )
    assert home.ids.share.texture_size[1] > 0 and home.ids.share.opacity == 1
    ui.screenshot("uk-home-share")
    ui.choose_language("English")
    assert home.share == ""  # every card and event is in English

    ui.choose_language("Українська")
    ui.tap(ui.button("Адміністративні послуги"))
    ui.tap(ui.button("Будівництво, нерухомість і довкілля"))
    rows = {row["item_id"]: row for row in ui.screen.ids.list.data}
    note = "Немає українською — показано польською."
    assert rows["wypis-plan"]["subtitle"].endswith("\n" + note)
    # a card with its title and summary in Ukrainian, some of the rest not
    first = ui.find("ListRow")[0]
    assert first.item_id == "czyste-powietrze" and "\n" not in first.subtitle
    ui.tap(first)
    parts = "Частини, яких немає українською, показано польською."
    assert [n.text for n in ui.find("FallbackNote", root=ui.screen)] == [parts]
    ui.tap(ui.button("Назад"))
    app.open_item("service", "wypis-plan")  # nothing of it in Ukrainian
    ui.wait(0.2)
    assert [n.text for n in ui.find("FallbackNote", root=ui.screen)] == [note]
    where = ui.find("SectionTitle", "Де", root=ui.screen)[0]
    office = where.parent.children[where.parent.children.index(where) - 1]
    assert ", кабінет 23, " in office.text  # the room, labelled as one
    ui.screenshot("uk-card-in-polish")
    app.open_item("service", "dowod-osobisty")  # wholly in Ukrainian
    ui.wait(0.2)
    assert ui.find("FallbackNote", root=ui.screen) == []
    assert any("кабінет 3" in b.text for b in ui.find("Body", root=ui.screen))


def test_events_open_on_the_next_events_and_an_empty_list_says_why(kiosk_app) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.kivy_driver import FakeClock

    tuesday = datetime(2026, 12, 15, 10, tzinfo=ZoneInfo("Europe/Warsaw")).timestamp()
    app, ui = kiosk_app(clock=FakeClock(tuesday))  # the carol concert is on Sunday the 20th
    ui.tap(ui.button("Wydarzenia"))
    events = ui.screen
    assert events.when == "week" and events.empty_text == ""
    assert [r.title for r in ui.find("ListRow")] == ["Koncert kolęd"]
    assert ui.button("Najbliższe 7 dni").selected and not ui.button("Dzisiaj").selected

    ui.tap(ui.button("Dzisiaj"))
    assert events.empty_text == "Dzisiaj nie ma wydarzeń.\nNajbliższe wydarzenia:"
    assert [r.title for r in ui.find("ListRow")] == ["Koncert kolęd"]
    # category chips are round-ended, smaller and outlined: not like the square period tabs
    chip, tab = ui.find("CategoryChip")[0], ui.button("Później")
    assert chip.text == "Kultura" and chip.radius == chip.height / 2 < tab.height / 2
    assert tab.radius < tab.height / 4
    ui.tap(chip)
    ui.tap(tab)
    assert [c.text for c in ui.find("CategoryChip")] == ["✓ Kultura"]
    assert events.empty_text == "Później nie ma wydarzeń w kategorii „Kultura”."
    assert ui.find("ListRow") == []
    ui.screenshot("events-empty-category")
    ui.tap(ui.button("Start"))
    ui.tap(ui.button("Wydarzenia"))  # afresh: the first period with events, every category
    assert (events.when, events.category) == ("week", "")


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
