"""What publishing would change, as the "what will change" page shows it to a clerk.

The shared draft (hub.content.draft) or an uploaded tree waiting to be confirmed
(hub.content.staging) is compared with the live release by kiosk_core.content.changes, on
items as a source tree holds them. The hub's own alerts are left out of both sides: the
draft never holds them and every publish carries them again (hub.content.alerts).

A draft item saved by a form may be written otherwise than a build would write it (a plain
string for a Polish-only text, a time without its offset): where a draft item differs from
the live one it is first put in the form a build gives it, so that only real changes show.
Then each change is worded for the page: fields by the label of their form
(kiosk_core.content.fieldlabels), values as a clerk reads them (times in the town's zone,
yes and no, pictures as pictures), and who an item reaches: every kiosk, or the kiosks and
groups it names, each group with the number of kiosks in it now.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from pydantic import ValidationError
from sqlalchemy import Connection

from hub.content import draft, releases
from hub.content.blobs import BlobStore
from hub.context import Hub
from hub.fleet.kiosks import Kiosk, list_kiosks
from kiosk_core.content.changes import (
    FLAG,
    MEDIA,
    MOMENT,
    Changes,
    FieldChange,
    ItemChange,
    Reach,
    compare,
)
from kiosk_core.content.fieldlabels import IN_LANGUAGE, LANGUAGE_LABELS, label_id
from kiosk_core.content.items import BY_NAME, Item, source_form
from kiosk_core.content.manifest import CONTENT_FILE, FileEntry
from kiosk_core.content.model import Event
from kiosk_core.content.unbuild import unbuild
from kiosk_core.i18n import N_
from kiosk_core.validation import to_data, validate_json

Translate = Callable[[str], str]
Plural = Callable[[str, str, int], str]

LIMIT = 100
"""Items listed per kind and kind of change; more are counted ("and 1,900 more")."""
KIND_NAMES = {
    "settings": N_("Settings"),
    "service_category": N_("Service categories"),
    "service": N_("Service cards"),
    "event_category": N_("Event categories"),
    "event": N_("Events"),
    "report_category": N_("Report categories"),
    "alert": N_("Alerts"),
    "attract": N_("Attract loop"),
    "walk": N_("Virtual walk"),
    "place": N_("Places of the virtual walk"),
}
EVERY_KIOSK = N_("Every kiosk")
KIOSKS = N_("Kiosks: {names}")
GROUPS = N_("Groups: {names}")
YES, NO = N_("yes"), N_("no")
PICTURE = N_("Picture")
FILE = N_("File")
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".webp", ".gif")
BLOBS = "/api/v1/blobs/"


@dataclass(frozen=True)
class Review:
    """What publishing would change against the live release (None: nothing published)."""

    changes: Changes
    live: int | None
    kiosks: list[Kiosk]
    """The fleet now, for who each item reaches."""


@dataclass(frozen=True)
class DraftReview(Review):
    draft_changes: int = 0
    """Saves and deletes the draft had when it was compared: a publish names it, so that
    one made after someone else's save shows the page again instead."""
    behind: int | None = None
    """A release published by other means that publishing the draft would undo."""


# --- comparing ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _unbuilt(path: Path) -> tuple[Item, ...]:
    """The live release's items without the hub's alerts, kept while it is live (a blob
    never changes): 4,000 items take some 0.2 s to unbuild and 11 MB to keep."""
    return tuple(
        i
        for i in unbuild(path.read_bytes())
        if not (i.kind == "alert" and i.item_id.startswith(draft.HUB_ALERT_PREFIX))
    )


def published_items(conn: Connection, blobs: BlobStore) -> tuple[int | None, list[Item]]:
    """The live release's version and items (the hub's alerts left out)."""
    live = releases.latest(conn)
    if live is None:
        return None, []
    return live.version, list(_unbuilt(blobs.path(live.content_sha256)))


def draft_review(hub: Hub) -> DraftReview:
    """The shared draft against the live release (the draft started first if it never was)."""
    with draft.editing(hub):
        pass
    with hub.transaction(write=False) as conn:
        state = draft.state(conn)
        behind = draft.behind(conn)
        items = draft.all_items(conn)
        live, old = published_items(conn, hub.blobs)
        kiosks = list_kiosks(conn, retired=False)
    new = as_published(items, old)
    return DraftReview(
        compare(old, new), live, kiosks, state.changes if state is not None else 0, behind
    )


def upload_review(hub: Hub, files: list[FileEntry]) -> Review:
    """A built upload (its files in the blob store) against the live release."""
    entry = next(f for f in files if f.path == CONTENT_FILE)
    new = unbuild(hub.blobs.read(entry.sha256))
    with hub.transaction(write=False) as conn:
        live, old = published_items(conn, hub.blobs)
        kiosks = list_kiosks(conn, retired=False)
    return Review(compare(old, new), live, kiosks)


def as_published(items: list[Item], published: list[Item]) -> list[Item]:
    """Draft items, each that differs from its published self in the form a build gives it
    (validated, events' times with their offset, defaults left out); an item that is not
    valid stays as it is (publishing will name its problems)."""
    before = {(i.kind, i.item_id): i.data for i in published}
    settings = next((i.data for i in items if i.kind == "settings"), {})
    zone = settings.get("timezone") or "Europe/Warsaw"
    return [
        item if before.get((item.kind, item.item_id)) == item.data else _built(item, zone)
        for item in items
    ]


def _built(item: Item, zone: str) -> Item:
    kind = BY_NAME[item.kind]
    if kind.name == "walk":
        return item
    try:
        model = validate_json(kind.model, json.dumps(item.data))
    except (ValidationError, ValueError):
        return item
    data: dict[str, Any] = to_data(model)
    if isinstance(model, Event):
        data = _with_offsets(data, model.timezone or zone)
    return Item(item.kind, item.item_id, source_form(kind.model, data))


def _with_offsets(data: dict[str, Any], zone: str) -> dict[str, Any]:
    """An event's times without an offset read in its zone, as a build reads them."""
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        return data
    out = dict(data)
    for name in ("start", "end"):
        value = out.get(name)
        if isinstance(value, str) and len(value) > 10:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                out[name] = moment.replace(tzinfo=tz).isoformat()
    return out


# --- worded for the page ----------------------------------------------------------------------


@dataclass(frozen=True)
class ShownValue:
    text: str | None
    """None: not set."""
    picture: str | None = None
    """The address of a picture to show (a media file)."""
    link: str | None = None
    """The address of a file to open (a video)."""


@dataclass(frozen=True)
class ShownField:
    label: str
    old: ShownValue
    new: ShownValue


@dataclass(frozen=True)
class ShownItem:
    item_id: str
    title: str
    action: str
    reach: str
    """Who the item reaches (for a removed item: reached)."""
    reach_before: str | None
    """Who a changed item reached before, when that changes."""
    fields: list[ShownField] = field(default_factory=list)


@dataclass(frozen=True)
class ShownKind:
    kind: str
    name: str
    counts: list[tuple[str, str, int]]
    """(kind, action, n) for the words macro: "2 service cards changed"."""
    added: list[ShownItem]
    changed: list[ShownItem]
    removed: list[ShownItem]
    more: dict[str, int]
    """Items beyond LIMIT per action, counted only."""


@dataclass(frozen=True)
class Wording:
    """How the page's language says things: gettext, ngettext, the town's zone."""

    lang: str
    translate: Translate
    plural: Plural
    tz: ZoneInfo


def shown(review: Review, wording: Wording) -> list[ShownKind]:
    """The changes per kind, worded for the page."""
    reach_of = _reach_words(review.kiosks, wording)
    kinds = []
    for k in review.changes.kinds:
        lists = {"added": k.added, "changed": k.changed, "removed": k.removed}
        kinds.append(
            ShownKind(
                k.kind,
                wording.translate(KIND_NAMES.get(k.kind, k.kind)),
                [(k.kind, a, len(items)) for a, items in lists.items() if items],
                *([_item(i, reach_of, wording) for i in items[:LIMIT]] for items in lists.values()),
                {a: len(items) - LIMIT for a, items in lists.items() if len(items) > LIMIT},
            )
        )
    return kinds


def _item(change: ItemChange, reach_of: Callable[[Reach], str], wording: Wording) -> ShownItem:
    now = change.after if change.after is not None else change.before
    assert now is not None  # an item is in one of the two at least
    return ShownItem(
        change.item_id,
        change.title,
        change.action,
        reach_of(now),
        reach_of(change.before) if change.reach_changed and change.before else None,
        [_field(change.kind, f, wording) for f in change.fields],
    )


def field_label(kind: str, path: str, language: str | None, translate: Translate) -> str:
    """A field as its form labels it: "Opening hours (German)"."""
    parts = path.split(".")
    key = BY_NAME[kind].key
    found = label_id(key, ["nodes", *parts] if kind == "place" else parts)
    label = translate(found) if found is not None else parts[-1]
    if language is None:
        return label
    language_name = translate(LANGUAGE_LABELS.get(language, language))
    return translate(IN_LANGUAGE).format(label=label, language=language_name)


def _field(kind: str, change: FieldChange, wording: Wording) -> ShownField:
    return ShownField(
        field_label(kind, change.path, change.language, wording.translate),
        _value(change.old, change.form, wording),
        _value(change.new, change.form, wording),
    )


def _value(value: str | None, form: str, wording: Wording) -> ShownValue:
    if value is None:
        return ShownValue(None)
    if form == FLAG:
        return ShownValue(wording.translate(YES if value == "yes" else NO))
    if form == MOMENT:
        return ShownValue(moment_text(value, wording))
    if form == MEDIA:
        name = value.rsplit("/", 1)[-1]
        sha256, _dot, ext = name.partition(".")
        if value.startswith("media/") and len(sha256) == 64:
            url = BLOBS + sha256
            if f".{ext.lower()}" in IMAGE_TYPES:
                return ShownValue(wording.translate(PICTURE), picture=url)
            return ShownValue(wording.translate(FILE), link=url)
    return ShownValue(value)


def moment_text(value: str, wording: Wording) -> str:
    """A day or a time as the page's language writes it, a time in the town's zone."""
    try:
        if len(value) == 10:
            return format_date(date.fromisoformat(value), format="medium", locale=wording.lang)
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=wording.tz)
    return format_datetime(moment, format="medium", tzinfo=wording.tz, locale=wording.lang)


def _reach_words(kiosks: list[Kiosk], wording: Wording) -> Callable[[Reach], str]:
    names = {k.id: k.name or k.id for k in kiosks}
    in_group = Counter(g for k in kiosks for g in k.groups)

    def words(reach: Reach) -> str:
        if reach.everywhere:
            return wording.translate(EVERY_KIOSK)
        parts = []
        if reach.kiosks:
            listed = ", ".join(names.get(k, k) for k in reach.kiosks)
            parts.append(wording.translate(KIOSKS).format(names=listed))
        if reach.groups:
            counted = ", ".join(
                f"{g} ({wording.plural('%(num)d kiosk', '%(num)d kiosks', in_group[g])})"
                for g in reach.groups
            )
            parts.append(wording.translate(GROUPS).format(names=counted))
        return " · ".join(parts)

    return words
