"""What the editor's lists show: search, filters, cards due for review, past events.

Plain functions over the draft's items, so a list of 2,000 cards is filtered in one pass
(bench/editor_bench.py measures the pages built on them). Texts are only looked into for the
filters that need them and for the rows shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub.content.draft import DraftItem
from hub.content.translating import to_check
from kiosk_core.content.changes import TITLE_FIELDS
from kiosk_core.content.items import BY_NAME
from kiosk_core.content.model import tr
from kiosk_core.content.texts import missing, texts_of
from kiosk_core.folding import fold


def title_of(item: DraftItem, lang: str = "pl") -> str:
    """What a clerk calls an item in a list: its title, name or text, else its id."""
    for name in TITLE_FIELDS:
        value = item.data.get(name)
        if value:
            text = {"pl": value} if isinstance(value, str) else value
            return tr(text, lang) or item.item_id
    return item.item_id  # an attract slide: its media are shown beside it


@dataclass(frozen=True)
class Filters:
    query: str = ""
    category: str = ""
    missing: str = ""
    """A language: only items lacking a text in it."""
    to_check: bool = False
    stale: bool = False
    """Service cards not reviewed within the review period."""
    archive: bool = False
    """Events: the past ones instead of the current and coming ones."""


def review_due(item: DraftItem, today: date, months: int) -> bool:
    """A card not reviewed for `months` (or never)."""
    raw = item.data.get("last_reviewed")
    if not isinstance(raw, str):
        return True
    try:
        reviewed = date.fromisoformat(raw)
    except ValueError:
        return True
    return _months_between(reviewed, today) >= months


def _months_between(earlier: date, later: date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if later.day < earlier.day else months


def event_over(data: dict[str, Any], now: datetime, tz: ZoneInfo) -> bool:
    """An event whose end (or, without one, its start's day) has passed."""
    last = data.get("end") or data.get("start")
    if not isinstance(last, str) or not last:
        return False
    try:
        if len(last) == 10:
            return date.fromisoformat(last) < now.astimezone(tz).date()
        moment = datetime.fromisoformat(last)
    except ValueError:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    if data.get("end"):
        return moment < now
    return moment.astimezone(tz).date() < now.astimezone(tz).date()


def select(
    items: list[DraftItem],
    filters: Filters,
    *,
    languages: list[str],
    now: datetime,
    tz: ZoneInfo,
    review_months: int,
) -> list[DraftItem]:
    """The items a list shows, in their order."""
    kind = items[0].kind if items else ""
    model = BY_NAME[kind].model if kind else None
    words = fold(filters.query).split()
    today = now.astimezone(tz).date()
    shown = []
    for item in items:
        if kind == "event" and event_over(item.data, now, tz) != filters.archive:
            continue
        if filters.category and item.data.get("category") != filters.category:
            continue
        if filters.stale and not review_due(item, today, review_months):
            continue
        if words and not all(w in _haystack(item) for w in words):
            continue
        if filters.missing and not missing(_worked(item).texts, [filters.missing]):
            continue
        if filters.to_check and model is not None and not to_check(model, item.data, item.checked):
            continue
        shown.append(item)
    return shown


@dataclass(frozen=True)
class _Worked:
    item: DraftItem
    """Held, so that its id stays its own while it is remembered."""
    haystack: str
    texts: dict[str, dict[str, str]]


_WORKED: dict[int, _Worked] = {}
"""What each listed item's filters look at, worked out once: the draft's lists are read once
per change of the draft (hub.content.draft.list_items), so the same item objects come back
page after page."""
MAX_WORKED = 50_000


def _worked(item: DraftItem) -> _Worked:
    hit = _WORKED.get(id(item))
    if hit is not None and hit.item is item:
        return hit
    text = fold(item.item_id + " " + json.dumps(item.data, ensure_ascii=False))
    worked = _Worked(item, text, texts_of(BY_NAME[item.kind].model, item.data))
    if len(_WORKED) > MAX_WORKED:
        _WORKED.clear()
    _WORKED[id(item)] = worked
    return worked


def _haystack(item: DraftItem) -> str:
    return _worked(item).haystack


@dataclass(frozen=True)
class Row:
    item: DraftItem
    title: str
    to_check: int
    missing: tuple[str, ...]
    """The languages (of those offered) lacking one of its texts."""
    review_due: bool
    past: bool


def rows(
    items: list[DraftItem],
    *,
    languages: list[str],
    lang: str,
    now: datetime,
    tz: ZoneInfo,
    review_months: int,
) -> list[Row]:
    """The rows of one page of a list, with what each needs doing."""
    out = []
    today = now.astimezone(tz).date()
    for item in items:
        model = BY_NAME[item.kind].model
        texts = _worked(item).texts
        out.append(
            Row(
                item,
                title_of(item, lang),
                len(to_check(model, item.data, item.checked)),
                tuple(missing(texts, languages)),
                item.kind == "service" and review_due(item, today, review_months),
                item.kind == "event" and event_over(item.data, now, tz),
            )
        )
    return out


@dataclass(frozen=True)
class TextToCheck:
    item: DraftItem
    title: str
    path: str
    lang: str
    polish: str
    translation: str


def texts_to_check(items: list[DraftItem], lang: str) -> list[TextToCheck]:
    """Every translation written against a Polish text that has changed since."""
    out = []
    for item in items:
        model = BY_NAME[item.kind].model
        flagged = to_check(model, item.data, item.checked)
        if not flagged:
            continue
        texts = texts_of(model, item.data)
        for path, language in flagged:
            text = texts[path]
            out.append(
                TextToCheck(item, title_of(item, lang), path, language, text["pl"], text[language])
            )
    return out


def missing_counts(items: list[DraftItem], languages: list[str]) -> dict[str, int]:
    """Per language, how many items lack at least one text in it."""
    counts = dict.fromkeys((lang for lang in languages if lang != "pl"), 0)
    for item in items:
        for lang in missing(_worked(item).texts, languages):
            counts[lang] += 1
    return counts
