"""What a kiosk will show of the draft, for the preview staff see before they publish: the
home screen (with the town hall services one tap further), a service card and an event, in
a visitor's language. `hub.content.preview_pages` lays it out at a kiosk's proportions.

Each screen is followed as the kiosk builds it (the module named at each function), on the
draft's items in source form: a text in the visitor's language or else in Polish (noting the
field, so the page can say which texts a visitor of that language reads in Polish), an
event's time in the kiosk's zone and words (kiosk_core.dates), the alert banner of the alerts
valid now, the hub's own among them. The preview shows every item whatever kiosks or groups
it is meant for, and says which those are.

The kiosk's own words on these screens (the tiles, section headings, buttons) are in its
catalogs, kiosk/locale, which the hub does not import: `write_kiosk_words` copies them into
kiosk_words.json (scripts/update-catalogs runs it) and tests/test_hub_preview.py checks that
the copy says what the kiosk says.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from gettext import c2py
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from babel import Locale
from babel.messages.plurals import get_plural
from sqlalchemy import Connection, select

from hub.content import alerts as hub_alerts
from hub.content import draft
from hub.db import content_media
from hub.times import aware
from kiosk_core import dates
from kiosk_core.content.fieldlabels import COMMON, LABELS
from kiosk_core.content.model import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Alert,
    Event,
    Office,
    ServiceCard,
    ServiceCategory,
    Settings,
    Targeted,
)
from kiosk_core.content.source import localized
from kiosk_core.i18n import Translator
from kiosk_core.validation import validate_json

T = TypeVar("T")

KIOSK_WORDS_FILE = Path(__file__).with_name("kiosk_words.json")
HOME_TILES = (
    ("Town hall services", "Documents, fees, opening hours"),
    ("Events", "What's on today and soon"),
    ("Report a problem", "A pothole, a broken lamp, an idea for the town"),
    ("Search", "Find a matter by name"),
    ("Contact the town hall", "Address, phone, opening hours"),
    ("Virtual walk", "Look around the town in 360°"),
)
"""The home screen's tiles in their order (kiosk/ui/screens/home.kv); the third is red, the
last only there when the content has a walk."""
REPORT_TILE, WALK_TILE = 2, 5
MATTERS = ("{n} matter", "{n} matters")
"""Under each category's name on the services screen (kiosk/ui/screens/categories.py)."""
KIOSK_MESSAGES: tuple[str | tuple[str, str], ...] = (
    "How can we help you?",
    *(word for tile in HOME_TILES for word in tile),
    MATTERS,
    "Contrast",
    "Back",
    "Home",
    "What to bring",
    "Fees",
    "How long it takes",
    "Where",
    "room {number}",
    "Opening hours",
    "Phone",
    "E-mail",
    "Checked on {date}",
    "When",
    "Scan to open this page on your phone",
)
"""The kiosk's own words the previewed screens show (English message ids; plurals as pairs)."""
SEVERITY_ORDER = {"danger": 0, "warning": 1, "info": 2}


# --- the kiosk's words --------------------------------------------------------------------


def kiosk_words(locale_dir: Path) -> dict[str, dict[str, str | list[str]]]:
    """KIOSK_MESSAGES in every language but English, as the kiosk's catalogs at `locale_dir`
    (kiosk/locale) say them: a message the kiosk left untranslated stays English, as there.
    KeyError when the kiosk no longer has one of them (the preview would be wrong)."""
    translator = Translator(locale_dir)
    words: dict[str, dict[str, str | list[str]]] = {}
    for lang in LANGUAGES:
        if lang == "en":
            continue
        catalog = translator.catalog(lang)
        said: dict[str, str | list[str]] = {}
        for message in KIOSK_MESSAGES:
            singular = message[0] if isinstance(message, tuple) else message
            if singular not in translator.catalog(DEFAULT_LANGUAGE):
                raise KeyError(f"the kiosk's catalogs no longer have {singular!r}")
            found = catalog.get(singular)
            if isinstance(message, tuple):
                said[singular] = list(found) if isinstance(found, tuple) else list(message)
            else:
                said[singular] = found if isinstance(found, str) else message
        words[lang] = said
    return words


def write_kiosk_words(locale_dir: Path, path: Path = KIOSK_WORDS_FILE) -> None:
    """Copy the kiosk's words into the hub (scripts/update-catalogs, after the kiosk's)."""
    text = json.dumps(kiosk_words(locale_dir), ensure_ascii=False, indent=1, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")


@functools.cache
def _words() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = json.loads(KIOSK_WORDS_FILE.read_text(encoding="utf-8"))
    return loaded


def word(message: str, lang: str) -> str:
    """One of the kiosk's words in `lang` (English: the message id)."""
    found = _words().get(lang, {}).get(message)
    return found if isinstance(found, str) else message


def words_n(singular: str, plural: str, n: int, lang: str) -> str:
    """A plural of the kiosk's words for `n`, by the language's plural rule, with {n} filled."""
    forms = _words().get(lang, {}).get(singular)
    if isinstance(forms, list):
        index = _plural_rule(lang)(n)
        if index < len(forms) and forms[index]:
            return str(forms[index]).format(n=n)
    return (singular if n == 1 else plural).format(n=n)


@functools.cache
def _plural_rule(lang: str) -> Any:
    return c2py(get_plural(lang).plural_expr)


# --- what the screens show ----------------------------------------------------------------


@dataclass(frozen=True)
class Untranslated:
    """A text the screen shows in Polish, for want of a translation into its language."""

    label: str
    """The field's label (an English message id of kiosk_core.content.fieldlabels)."""
    of: str = ""
    """Which item's field, where a screen shows several (its name in Polish)."""


@dataclass(frozen=True)
class Frame:
    """What a kiosk shows around every screen: the top bar (logo, municipality, language
    buttons, larger text, contrast), the alert banner and the bottom bar (Back, Home)."""

    lang: str
    languages: list[str]
    municipality: str
    logo: str | None
    """A media path of the draft."""
    banner: str
    severity: str
    contrast: str
    back: str
    home: str
    can_go_back: bool


@dataclass(frozen=True)
class Reach:
    """Which kiosks an item is meant for and when: said beside the preview."""

    kiosks: list[str]
    groups: list[str]
    valid_from: datetime | None
    valid_until: datetime | None
    shown_now: bool


@dataclass(frozen=True)
class Tile:
    title: str
    subtitle: str
    accent: bool = False


@dataclass(frozen=True)
class Section:
    title: str
    text: str


@dataclass(frozen=True)
class HomePreview:
    frame: Frame
    heading: str
    tiles: list[Tile]
    services_heading: str
    categories: list[Tile]
    """The town hall services screen, one tap further: each category with its count."""
    untranslated: list[Untranslated]


@dataclass(frozen=True)
class ServicePreview:
    frame: Frame
    title: str
    summary: str
    body: str
    documents_heading: str
    documents: list[str]
    sections: list[Section]
    checked: str
    link: str
    scan: str
    """The caption under the QR code of the link."""
    reach: Reach
    untranslated: list[Untranslated]


@dataclass(frozen=True)
class EventPreview:
    frame: Frame
    title: str
    when_heading: str
    when: str
    where_heading: str
    place: str
    description: str
    poster: str | None
    """A media path of the draft."""
    link: str
    scan: str
    reach: Reach
    untranslated: list[Untranslated]


@dataclass
class _Reader:
    """Content texts in the visitor's language, noting each shown in Polish instead."""

    lang: str
    untranslated: list[Untranslated] = field(default_factory=list)

    def __call__(self, text: dict[str, str] | None, label: str, of: str = "") -> str:
        if not text:
            return ""
        own = text.get(self.lang)
        if own:
            return own
        missing = Untranslated(label, of)
        if missing not in self.untranslated:
            self.untranslated.append(missing)
        return text.get(DEFAULT_LANGUAGE, "")


def _label(kind: str, name: str) -> str:
    return LABELS[kind].get(name) or COMMON[name]


def language(settings: Settings | None, asked: str | None) -> str:
    """The visitor's language shown: the one asked for if the kiosk offers it, else the
    kiosk's default (a kiosk has no button for a language it does not offer)."""
    offered = settings.languages if settings is not None else LANGUAGES
    if asked in offered:
        return asked
    return settings.default_language if settings is not None else DEFAULT_LANGUAGE


def _frame(
    settings: Settings | None,
    alerts: Iterable[Alert],
    read: _Reader,
    now: datetime,
    can_go_back: bool = True,
) -> Frame:
    """kiosk/ui/app.kv (TopBar, AlertBanner, BottomBar) and kiosk/visit/banner.py."""
    lang = read.lang
    municipality = ""
    if settings is not None:
        municipality = read(settings.municipality, _label("settings", "municipality"))
    text, severity = banner(alerts, read, now)
    return Frame(
        lang=lang,
        languages=list(settings.languages) if settings is not None else list(LANGUAGES),
        municipality=municipality,
        logo=settings.logo if settings is not None else None,
        banner=text,
        severity=severity,
        contrast=word("Contrast", lang),
        back=word("Back", lang),
        home=word("Home", lang),
        can_go_back=can_go_back,
    )


def banner(alerts: Iterable[Alert], read: _Reader, now: datetime) -> tuple[str, str]:
    """The banner's text and severity at its first turn ("" and "" for none), as
    kiosk/visit/banner.py shows the valid alerts: most severe first, only the danger alerts
    when there is one, "(1/3)" after the text when it will take turns."""
    valid = sorted((a for a in alerts if a.valid_at(now)), key=lambda a: SEVERITY_ORDER[a.severity])
    if valid and valid[0].severity == "danger":
        valid = [a for a in valid if a.severity == "danger"]
    if not valid:
        return "", ""
    first = valid[0]
    text = read(first.text, _label("alerts", "text"), first.text[DEFAULT_LANGUAGE])
    if len(valid) > 1:
        text += f"   (1/{len(valid)})"
    return text, first.severity


def _reach(item: Targeted, now: datetime) -> Reach:
    """A time without an offset is UTC, as the kiosk reads it (kiosk_core.content.model)."""
    return Reach(
        list(item.kiosks),
        list(item.groups),
        aware(item.valid_from) if item.valid_from else None,
        aware(item.valid_until) if item.valid_until else None,
        item.valid_at(now),
    )


def home_screen(
    settings: Settings | None,
    alerts: Iterable[Alert],
    categories: Iterable[ServiceCategory],
    cards: Iterable[tuple[str, Targeted]],
    has_walk: bool,
    lang: str,
    now: datetime,
) -> HomePreview:
    """kiosk/ui/screens/home.kv and home.py (the walk's tile only with a walk); the services
    screen as kiosk/ui/screens/categories.py and kiosk/content/release.py (Catalog.categories,
    .services) show it: the categories valid now that hold a card valid now, by their order
    and Polish name, each with its number of such cards. `cards`: each card's category and
    the card (or what says when it is shown: `filed_cards`)."""
    read = _Reader(lang)
    frame = _frame(settings, alerts, read, now, can_go_back=False)
    tiles = [
        Tile(word(title, lang), word(subtitle, lang), accent=n == REPORT_TILE)
        for n, (title, subtitle) in enumerate(HOME_TILES)
        if n != WALK_TILE or has_walk
    ]
    counts: dict[str, int] = {}
    for category, card in cards:
        if card.valid_at(now):
            counts[category] = counts.get(category, 0) + 1
    shown = sorted(
        (c for c in categories if counts.get(c.id) and c.valid_at(now)),
        key=lambda c: (c.order, c.name[DEFAULT_LANGUAGE]),
    )
    label = _label("service_categories", "name")
    category_tiles = [
        Tile(
            read(c.name, label, c.name[DEFAULT_LANGUAGE]),
            words_n(*MATTERS, counts[c.id], lang),
        )
        for c in shown
    ]
    return HomePreview(
        frame=frame,
        heading=word("How can we help you?", lang),
        tiles=tiles,
        services_heading=word(HOME_TILES[0][0], lang),
        categories=category_tiles,
        untranslated=read.untranslated,
    )


def service_screen(
    settings: Settings | None,
    alerts: Iterable[Alert],
    card: ServiceCard,
    lang: str,
    now: datetime,
) -> ServicePreview:
    """kiosk/ui/screens/service.py: the summary in bold, the text, what to bring, then each
    of fees, time, office, hours, phone and e-mail that the card has; a QR code of the link."""
    read = _Reader(lang)
    frame = _frame(settings, alerts, read, now)
    kind = "services"
    title = read(card.title, _label(kind, "title"))
    summary = read(card.summary, _label(kind, "summary"))
    body = read(card.body, _label(kind, "body"))
    documents = [f"•  {read(doc, _label(kind, 'documents'))}" for doc in card.documents]
    sections = [
        Section(word("Fees", lang), read(card.fees, _label(kind, "fees"))),
        Section(
            word("How long it takes", lang),
            read(card.processing_time, _label(kind, "processing_time")),
        ),
        Section(word("Where", lang), _office(card.office, read)),
        Section(
            word("Opening hours", lang), read(card.opening_hours, _label(kind, "opening_hours"))
        ),
        Section(word("Phone", lang), card.phone or ""),
        Section(word("E-mail", lang), card.email or ""),
    ]
    checked = ""
    if card.last_reviewed:
        day = dates.format_day(card.last_reviewed, _locale(lang))
        checked = word("Checked on {date}", lang).format(date=day)
    return ServicePreview(
        frame=frame,
        title=title,
        summary=summary,
        body=body,
        documents_heading=word("What to bring", lang),
        documents=documents,
        sections=[s for s in sections if s.text],
        checked=checked,
        link=str(card.link) if card.link else "",
        scan=word("Scan to open this page on your phone", lang),
        reach=_reach(card, now),
        untranslated=read.untranslated,
    )


def _office(office: Office | None, read: _Reader) -> str:
    if office is None:
        return ""
    parts = [read(office.name, _label("services", "office.name"))]
    if office.room:
        room = office.room.strip()
        labelled = word("room {number}", read.lang).format(number=room)
        parts.append(labelled if office.numbered_room() else room)
    if office.address:
        parts.append(read(office.address, _label("services", "office.address")))
    return ", ".join(p for p in parts if p)


def event_screen(
    settings: Settings | None,
    alerts: Iterable[Alert],
    event: Event,
    lang: str,
    now: datetime,
) -> EventPreview:
    """kiosk/ui/screens/event.py: when (in the kiosk's zone: times written without an offset
    in the event's zone or else the kiosk's, as a release holds them), where, the poster,
    the description; a QR code of the link."""
    read = _Reader(lang)
    frame = _frame(settings, alerts, read, now)
    kind = "events"
    tz = ZoneInfo(settings.timezone if settings is not None else Settings.timezone)  # default
    shown = localized(event, tz)
    return EventPreview(
        frame=frame,
        title=read(event.title, _label(kind, "title")),
        when_heading=word("When", lang),
        when=dates.format_when(shown.start, shown.end, _locale(lang), tz, shown.all_day),
        where_heading=word("Where", lang),
        place=read(event.place, _label(kind, "place")),
        description=read(event.description, _label(kind, "description")),
        poster=event.image,
        link=str(event.link) if event.link else "",
        scan=word("Scan to open this page on your phone", lang),
        reach=_reach(event, now),
        untranslated=read.untranslated,
    )


def _locale(lang: str) -> Locale:
    return Locale.parse(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


# --- from the draft -----------------------------------------------------------------------


def as_model(model: type[T], data: dict[str, Any]) -> T:
    """A draft item's data (source form, checked when saved) as the model the kiosk reads."""
    return validate_json(model, json.dumps(data))


def _all(conn: Connection, kind: str, model: type[T]) -> list[T]:
    return [as_model(model, item.data) for item in draft.list_items(conn, kind)]


def read_settings(conn: Connection) -> Settings | None:
    found = draft.list_items(conn, "settings")
    return as_model(Settings, found[0].data) if found else None


def read_alerts(conn: Connection, now: datetime) -> list[Alert]:
    """The draft's alerts and the hub's own on the air, as the next release will carry them."""
    own = [as_model(Alert, a.as_content()) for a in hub_alerts.on_air(conn, now)]
    return _all(conn, "alert", Alert) + own


def filed_cards(conn: Connection) -> list[tuple[str, Targeted]]:
    """Each card's category and when it is shown, without reading the whole card as a
    model: the home screen counts 2,000 cards in milliseconds, not a few hundred."""
    filed = []
    for item in draft.list_items(conn, "service"):
        data = item.data
        when = {k: _moment(data.get(k)) for k in ("valid_from", "valid_until")}
        filed.append((data["category"], Targeted(**when)))
    return filed


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def home(conn: Connection, lang: str | None, now: datetime) -> HomePreview:
    settings = read_settings(conn)
    return home_screen(
        settings,
        read_alerts(conn, now),
        _all(conn, "service_category", ServiceCategory),
        filed_cards(conn),
        bool(draft.list_items(conn, "place")),
        language(settings, lang),
        now,
    )


def service(conn: Connection, item_id: str, lang: str | None, now: datetime) -> ServicePreview:
    """NotFound when the draft has no such card."""
    card = as_model(ServiceCard, draft.get_item(conn, "service", item_id).data)
    settings = read_settings(conn)
    return service_screen(settings, read_alerts(conn, now), card, language(settings, lang), now)


def event(conn: Connection, item_id: str, lang: str | None, now: datetime) -> EventPreview:
    """NotFound when the draft has no such event."""
    found = as_model(Event, draft.get_item(conn, "event", item_id).data)
    settings = read_settings(conn)
    return event_screen(settings, read_alerts(conn, now), found, language(settings, lang), now)


def media_file(conn: Connection, path: str) -> tuple[str, int] | None:
    """The blob (sha256, size) of one of the draft's media paths (draft.media, for one
    path); None for any other path."""
    query = select(content_media.c.sha256, content_media.c.size).where(content_media.c.path == path)
    row = conn.execute(query).first()
    return (row.sha256, row.size) if row is not None else None
