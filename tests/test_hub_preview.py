"""What the preview says a kiosk will show of the draft (hub.content.preview), in plain
Python on the draft's items as a release seeds them: the home screen and the services one
tap further, a card, an event, the alert banner, in a visitor's language with Polish where a
translation is missing; and that the kiosk's words and colours the hub copies are still the
kiosk's."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.content import preview
from hub.content.preview import Untranslated, as_model
from kiosk.ui import theme
from kiosk.ui.i18n import LOCALE_DIR, format_day, format_when
from kiosk_core.content.build import build_release
from kiosk_core.content.model import Alert, Event, ServiceCard, ServiceCategory, Settings
from kiosk_core.content.unbuild import unbuild
from kiosk_core.i18n import Translator
from tests.conftest import REPO, write_tree

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
"""While the small tree's water alert is on (20–22 November 2026)."""
KIOSK = Translator(LOCALE_DIR)
WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.fixture(scope="module")
def items(tmp_path_factory) -> dict[str, list[dict]]:
    """The small tree's items as the draft holds them, by kind."""
    root = tmp_path_factory.mktemp("preview")
    build_release(write_tree(root / "src"), root / "release")
    by_kind: dict[str, list[dict]] = {}
    for item in unbuild((root / "release" / "content.json").read_bytes()):
        by_kind.setdefault(item.kind, []).append(item.data)
    return by_kind


def models(items, kind: str, model: type) -> list:
    return [as_model(model, data) for data in items.get(kind, [])]


def settings_of(items) -> Settings:
    return as_model(Settings, items["settings"][0])


def one(items, kind: str, model: type, item_id: str):
    return next(as_model(model, d) for d in items[kind] if d["id"] == item_id)


def home(items, lang: str, now: datetime = NOW, alerts=None, has_walk: bool = False):
    return preview.home_screen(
        settings_of(items),
        models(items, "alert", Alert) if alerts is None else alerts,
        models(items, "service_category", ServiceCategory),
        [(card.category, card) for card in models(items, "service", ServiceCard)],
        has_walk,
        lang,
        now,
    )


def test_the_home_screen_in_polish(items) -> None:
    shown = home(items, "pl")
    frame = shown.frame
    assert (frame.municipality, frame.lang, frame.can_go_back) == ("Gmina Próbna", "pl", False)
    assert frame.logo is not None and frame.logo.startswith("media/")
    assert frame.languages == ["pl", "en", "de", "cs", "uk"]
    assert (frame.banner, frame.severity) == ("Przerwa w dostawie wody", "warning")
    assert (frame.back, frame.home, frame.contrast) == ("Wstecz", "Start", "Kontrast")
    assert shown.heading == "W czym możemy pomóc?"
    # No walk in this content: five tiles, "Report a problem" in red.
    assert [t.title for t in shown.tiles] == [
        "Sprawy urzędowe",
        "Wydarzenia",
        "Zgłoś problem",
        "Szukaj",
        "Kontakt z urzędem",
    ]
    assert [t.accent for t in shown.tiles] == [False, False, True, False, False]
    assert len(home(items, "pl", has_walk=True).tiles) == 6
    # The services screen: by order, with the number of cards, in Polish plurals.
    assert [(t.title, t.subtitle) for t in shown.categories] == [
        ("Dokumenty", "2 sprawy"),
        ("Podatki", "1 sprawa"),
    ]
    assert shown.untranslated == []
    assert home(items, "pl", now=datetime(2026, 12, 1, tzinfo=UTC)).frame.banner == ""


def test_the_home_screen_in_german_with_polish_where_german_is_missing(items) -> None:
    shown = home(items, "de")
    assert shown.frame.municipality == "Testgemeinde"
    assert shown.heading == KIOSK.gettext("How can we help you?", "de") != "How can we help you?"
    assert shown.tiles[0].title == KIOSK.gettext("Town hall services", "de")
    assert shown.frame.back == KIOSK.gettext("Back", "de")
    # The alert and one category have no German: the kiosk shows them in Polish.
    assert shown.frame.banner == "Przerwa w dostawie wody"
    assert [t.title for t in shown.categories] == ["Dokumente", "Podatki"]
    assert shown.categories[0].subtitle == KIOSK.ngettext(*preview.MATTERS, 2, "de").format(n=2)
    assert shown.untranslated == [
        Untranslated("Alert text", "Przerwa w dostawie wody"),
        Untranslated("Category name", "Podatki"),
    ]
    # Czech has other plurals again; English needs no catalog.
    czech = home(items, "cs")
    assert czech.categories[0].subtitle == KIOSK.ngettext(*preview.MATTERS, 2, "cs").format(n=2)
    assert home(items, "en").categories[1].subtitle == "1 matter"


def test_the_banner_shows_the_alerts_as_the_kiosk_takes_turns(items) -> None:
    def alert(alert_id: str, severity: str, until: str = "2026-11-30T00:00:00+00:00") -> Alert:
        text = {"pl": f"Komunikat {alert_id}", "de": f"Meldung {alert_id}"}
        data = {"id": alert_id, "severity": severity, "text": text, "valid_until": until}
        return as_model(Alert, data)

    two = [alert("a", "info"), alert("b", "warning")]
    assert home(items, "de", alerts=two).frame.banner == "Meldung b   (1/2)"
    danger = [*two, alert("c", "danger"), alert("d", "danger", until="2026-11-01T00:00:00Z")]
    shown = home(items, "pl", alerts=danger).frame
    assert (shown.banner, shown.severity) == ("Komunikat c", "danger")  # d is over
    assert home(items, "pl", alerts=[]).frame.banner == ""


def test_a_service_card(items) -> None:
    settings = settings_of(items)
    card = one(items, "service", ServiceCard, "dowod")
    shown = preview.service_screen(settings, [], card, "de", NOW)
    assert (shown.title, shown.link) == ("Personalausweis", "https://example.org/dowod")
    assert shown.summary == "Wniosek o wydanie dowodu osobistego"  # no German summary
    assert shown.untranslated == [Untranslated("Summary")]
    assert shown.scan == KIOSK.gettext("Scan to open this page on your phone", "de")
    assert shown.frame.can_go_back and shown.frame.banner == ""
    assert shown.reach == preview.Reach([], [], None, None, True)

    data = {
        **items["service"][1],
        "documents": [{"pl": "Dowód osobisty", "en": "ID card"}],
        "fees": {"pl": "17 zł"},
        "office": {"name": {"pl": "Biuro Obsługi"}, "room": "12", "address": {"pl": "Rynek 1"}},
        "phone": "+48 74 811 00 00",
        "last_reviewed": "2026-03-02",
        "groups": ["wsie"],
        "valid_until": "2026-11-01T00:00:00Z",
    }
    full = preview.service_screen(settings, [], as_model(ServiceCard, data), "en", NOW)
    assert full.title == "Certificate of residence" and full.body == "Opłata skarbowa wynosi 17 zł."
    assert (full.documents_heading, full.documents) == ("What to bring", ["•  ID card"])
    assert [(s.title, s.text) for s in full.sections] == [
        ("Fees", "17 zł"),
        ("Where", "Biuro Obsługi, room 12, Rynek 1"),  # a room labelled, as on the kiosk
        ("Phone", "+48 74 811 00 00"),
    ]
    assert full.checked == f"Checked on {format_day(datetime(2026, 3, 2).date(), 'en')}"
    assert [u.label for u in full.untranslated] == [
        "Summary",
        "Full text",
        "Fees",
        "Office name",
        "Office address",
    ]
    until = datetime(2026, 11, 1, tzinfo=UTC)
    assert full.reach == preview.Reach([], ["wsie"], None, until, False)
    polish = preview.service_screen(settings, [], as_model(ServiceCard, data), "pl", NOW)
    assert polish.sections[0].title == "Opłaty" and polish.untranslated == []
    assert polish.checked == KIOSK.gettext("Checked on {date}", "pl").format(
        date=format_day(datetime(2026, 3, 2).date(), "pl")
    )


def test_an_event_says_its_time_as_the_kiosk_does(items) -> None:
    settings = settings_of(items)
    concert = one(items, "event", Event, "koncert")
    shown = preview.event_screen(settings, [], concert, "pl", NOW)
    assert shown.when == "niedziela, 20 grudnia 2026, 18:00–20:00"
    assert (shown.when_heading, shown.where_heading) == ("Kiedy", "Gdzie")
    assert shown.poster is None and shown.place == ""
    market = one(items, "event", Event, "jarmark")
    german = preview.event_screen(settings, [], market, "de", NOW)
    assert german.title == "Jarmark świąteczny" and german.untranslated == [Untranslated("Title")]
    assert german.when == format_when(market.start, market.end, "de", WARSAW, True)
    # As an editor may save it: no offset, in the event's own zone; with a poster.
    data = {
        "id": "regaty",
        "title": {"pl": "Regaty", "uk": "Регата"},
        "start": "2026-07-04T18:00:00",
        "end": "2026-07-05T11:00:00",
        "timezone": "Europe/London",
        "place": {"pl": "Zalew"},
        "image": "media/abc.jpg",
        "link": "https://example.org/regaty",
    }
    regatta = preview.event_screen(settings, [], as_model(Event, data), "uk", NOW)
    start = datetime(2026, 7, 4, 17, 0, tzinfo=UTC)  # 18:00 in London
    end = datetime(2026, 7, 5, 10, 0, tzinfo=UTC)
    assert regatta.when == format_when(start, end, "uk", WARSAW, False)
    assert "19:00" in regatta.when  # on the kiosk's clock, in Warsaw
    assert (regatta.title, regatta.place, regatta.poster) == ("Регата", "Zalew", "media/abc.jpg")
    assert regatta.link == "https://example.org/regaty"


def test_the_visitors_language_is_the_kiosks_default_unless_asked(items) -> None:
    settings = settings_of(items)
    assert preview.language(settings, None) == "pl"
    assert preview.language(settings, "uk") == "uk"
    assert preview.language(settings, "fr") == "pl"
    assert preview.language(None, None) == "pl"
    two = as_model(
        Settings, {**items["settings"][0], "languages": ["en", "pl"], "default_language": "en"}
    )
    assert (preview.language(two, "de"), preview.language(two, "pl")) == ("en", "pl")


def test_the_kiosks_words_the_hub_keeps_are_the_kiosks() -> None:
    """kiosk_words.json is what kiosk/locale says; after changing the kiosk's catalogs run
    scripts/update-catalogs."""
    assert preview._words() == preview.kiosk_words(LOCALE_DIR), "run scripts/update-catalogs"
    for lang in ("pl", "de", "cs", "uk"):
        for n in (1, 2, 5, 22):
            assert preview.words_n(*preview.MATTERS, n, lang) == KIOSK.ngettext(
                *preview.MATTERS, n, lang
            ).format(n=n)


def test_the_kiosks_colours_the_preview_copies_are_the_kiosks() -> None:
    css = (REPO / "hub" / "web" / "static" / "preview.css").read_text(encoding="utf-8")
    copied = dict(re.findall(r"--k-([a-z-]+):\s*(#[0-9A-Fa-f]{6})", css))
    assert len(copied) >= 12
    for name, value in copied.items():
        assert theme.hex_rgba(value) == getattr(theme.STANDARD, name.replace("-", "_")), name


def test_a_preview_needs_no_settings_to_show_a_card(items) -> None:
    card = one(items, "service", ServiceCard, "podatek")
    shown = preview.service_screen(None, [], card, "pl", NOW)
    assert shown.frame.municipality == "" and shown.frame.logo is None
    assert shown.title == "Podatek od nieruchomości"


def test_untranslated_labels_are_the_forms_labels() -> None:
    """Every label the preview names a field by is one a form shows (and the hub translates)."""
    hub = Translator(Path(preview.__file__).parent.parent / "locale")
    for label in ("Alert text", "Category name", "Summary", "Full text", "Office name", "Title"):
        assert hub.gettext(label, "pl") != label
