"""Reading a release for the UI: load it fast, see only what is meant for this kiosk.

Also where releases live in a kiosk's data directory:

    DATA/releases/<version>/   each installed release
    DATA/current               symlink to the active one, swapped atomically
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.visit.agenda import When, after, classify, first_period, upcoming
from kiosk.visit.search import BODY, KEYWORD, SUMMARY, TITLE, SearchIndex
from kiosk_core.content.manifest import CONTENT_FILE, MANIFEST_FILE, Manifest
from kiosk_core.content.model import (
    Alert,
    Content,
    Event,
    ReportCategory,
    ServiceCard,
    ServiceCategory,
    Walk,
)
from kiosk_core.content.texts import Share, wholly_in
from kiosk_core.durable import fsync_path
from kiosk_core.validation import trusted, validate_json

CURRENT_LINK = "current"
RELEASES_DIR = "releases"


class ReleaseError(Exception):
    """A release folder that cannot be loaded; the message says why."""


@dataclass
class Release:
    """One release folder, loaded."""

    path: Path
    content: Content
    version: int

    def media_path(self, ref: str | None) -> Path | None:
        return self.path / ref if ref else None


def load_release(path: Path, *, validate: bool = True) -> Release:
    """A release folder, loaded; ReleaseError says what is wrong with a broken one.

    `validate=False` is the kiosk screen's fast start: content.json goes into the model's
    classes without pydantic validating it again (importing pydantic and building the
    validators of every content class costs more than the rest of the start). Only for
    releases validated before: by `content build`, and on a kiosk again by the agent, after
    checking the signature, before it activated the release. A file that is not even shaped
    like content is still refused.
    """
    path = Path(path)
    try:
        raw = (path / CONTENT_FILE).read_bytes()
    except OSError as exc:
        raise ReleaseError(f"{path}: no readable {CONTENT_FILE} ({exc.strerror})") from exc
    try:
        content = validate_json(Content, raw) if validate else trusted(Content, json.loads(raw))
    except ValueError as exc:
        raise ReleaseError(f"{path}/{CONTENT_FILE} is not valid content: {exc}") from exc
    version = 0
    manifest_path = path / MANIFEST_FILE
    if manifest_path.exists():
        try:
            version = _manifest_version(manifest_path.read_bytes(), validate)
        except ValueError as exc:
            raise ReleaseError(f"{manifest_path} is not a valid manifest: {exc}") from exc
    return Release(path, content, version)


def _manifest_version(raw: bytes, validate: bool) -> int:
    if validate:
        return validate_json(Manifest, raw).version
    data = json.loads(raw)
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValueError(f"version must be a whole number, not {version!r}")
    return version


def current_release_dir(data_dir: Path) -> Path | None:
    """The active release folder of a kiosk, resolved through the `current` link."""
    link = Path(data_dir) / CURRENT_LINK
    if not link.exists():
        return None
    return link.resolve()


def activate_release(data_dir: Path, release_dir: Path) -> None:
    """Make `release_dir` the active release with one atomic rename of a fresh symlink."""
    data_dir = Path(data_dir)
    link = data_dir / CURRENT_LINK
    tmp = data_dir / f".{CURRENT_LINK}.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    target = Path(release_dir).resolve()
    os.symlink(os.path.relpath(target, data_dir), tmp)
    os.replace(tmp, link)
    fsync_path(data_dir)


@dataclass
class Catalog:
    """What one kiosk shows from a release: targeted items only, queried at a given time."""

    release: Release
    kiosk_id: str | None = None
    groups: frozenset[str] = frozenset()
    _indexes: dict[str, SearchIndex] = field(default_factory=dict, repr=False)
    _wholly: dict[str, dict[tuple[str, str], bool]] = field(default_factory=dict, repr=False)
    _shares: tuple[tuple[str, int], tuple[Share, Share]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        c = self.release.content
        mine = self._mine
        self._categories = sorted(
            mine(c.service_categories), key=lambda cat: (cat.order, cat.name["pl"])
        )
        self._services = mine(c.services)
        self._services_by_id = {s.id: s for s in self._services}
        self._events = mine(c.events)
        self._events_by_id = {e.id: e for e in self._events}
        self._reports = mine(c.report_categories)
        self._alerts = mine(c.alerts)

    def _mine(self, items: list) -> list:
        return [i for i in items if i.targets(self.kiosk_id, self.groups)]

    @property
    def settings(self):
        return self.release.content.settings

    @cached_property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def categories(self, now: datetime) -> list[ServiceCategory]:
        """Service categories that are valid now and hold at least one valid card."""
        used = {s.category for s in self._services if s.valid_at(now)}
        return [c for c in self._categories if c.id in used and c.valid_at(now)]

    def services(self, category: str, now: datetime) -> list[ServiceCard]:
        cards = [s for s in self._services if s.category == category and s.valid_at(now)]
        return sorted(cards, key=lambda s: s.title["pl"])

    def service(self, service_id: str) -> ServiceCard | None:
        return self._services_by_id.get(service_id)

    def events(self, when: When, now: datetime, category: str | None = None) -> list[Event]:
        return upcoming(self._valid_events(now), when, now, self.timezone, category)

    def first_period(self, now: datetime) -> When:
        """The first of today, the coming week and later that has an event."""
        return first_period(self._valid_events(now), now, self.timezone)

    def events_after(
        self, when: When, now: datetime, category: str | None = None, limit: int = 5
    ) -> list[Event]:
        """The soonest events of the lists after `when` (for when it has none)."""
        return after(self._valid_events(now), when, now, self.timezone, category)[:limit]

    def _valid_events(self, now: datetime) -> list[Event]:
        return [e for e in self._events if e.valid_at(now)]

    def event(self, event_id: str) -> Event | None:
        return self._events_by_id.get(event_id)

    def event_categories(self):
        return self.release.content.event_categories

    @property
    def walk(self) -> Walk | None:
        """The virtual walk, if the release has one."""
        return self.release.content.walk

    def report_categories(self, now: datetime) -> list[ReportCategory]:
        return [r for r in self._reports if r.valid_at(now)]

    def alerts(self, now: datetime) -> list[Alert]:
        order = {"danger": 0, "warning": 1, "info": 2}
        return sorted((a for a in self._alerts if a.valid_at(now)), key=lambda a: order[a.severity])

    def shares(self, lang: str, now: datetime) -> tuple[Share, Share]:
        """Of the service cards and the events a visitor can find now (cards in a category
        shown, events not over), how many are wholly in `lang`. Home asks on every visit:
        the answer is kept for the minute."""
        key = (lang, int(now.timestamp() // 60))
        if self._shares is None or self._shares[0] != key:
            self._shares = (key, self._count_shares(lang, now))
        return self._shares[1]

    def _count_shares(self, lang: str, now: datetime) -> tuple[Share, Share]:
        shown = {c.id for c in self.categories(now)}
        cards = (s for s in self._services if s.category in shown and s.valid_at(now))
        events = (
            e
            for e in self._events
            if e.valid_at(now) and classify(e, now, self.timezone) is not None
        )
        return self._share(cards, lang), self._share(events, lang)

    def _share(self, items: Iterable[ServiceCard | Event], lang: str) -> Share:
        """Whether each item is wholly in `lang` is worked out once per language (a release's
        items never change): home asks again on every visit."""
        known = self._wholly.setdefault(lang, {})
        whole = total = 0
        for item in items:
            key = (type(item).__name__, item.id)
            if key not in known:
                known[key] = wholly_in(item, lang)
            whole += known[key]
            total += 1
        return Share(whole, total)

    def search(self, query: str, lang: str, now: datetime, limit: int = 50) -> list[ServiceCard]:
        """Cards matching what a visitor typed, in their language or in Polish."""
        index = self.search_index(lang)
        found = (self._services_by_id[i] for i in index.search(query))
        return [card for card in found if card.valid_at(now)][:limit]

    def search_index(self, lang: str) -> SearchIndex:
        index = self._indexes.get(lang)
        if index is None:
            index = SearchIndex.build(_card_fields(card, lang) for card in self._services)
            self._indexes[lang] = index
        return index


def _card_fields(card: ServiceCard, lang: str) -> tuple[str, list[tuple[str, int]]]:
    langs = (lang, "pl") if lang != "pl" else ("pl",)
    fields: list[tuple[str, int]] = []
    for code in langs:
        fields.append((card.title.get(code, ""), TITLE))
        fields.append((" ".join(card.keywords.get(code, ())), KEYWORD))
        fields.append((card.summary.get(code, ""), SUMMARY))
        if card.body:
            fields.append((card.body.get(code, ""), BODY))
        fields.extend((doc.get(code, ""), BODY) for doc in card.documents)
    return card.id, fields


LOCAL_RELEASE = "local"


def prepare_release(content: Path | None, data_dir: Path, now: datetime | None = None) -> Path:
    """The release folder to show: a given release, a source tree built into the data
    directory (for authoring and development), or the data directory's current release.
    A source tree is built as of `now` (the kiosk's clock): the bundled sample's events are
    moved to the weeks around it (kiosk_core.content.sampledates)."""
    if content is None:
        current = current_release_dir(data_dir)
        if current is None:
            raise ReleaseError(
                f"no content installed in {data_dir}: enrol and sync the kiosk, "
                "or pass --content with a release or source folder"
            )
        return current
    from kiosk_core.content.build import build_release  # authoring only: not on a kiosk's path

    content = Path(content)
    if (content / CONTENT_FILE).is_file():
        return content
    if (content / "settings.yaml").is_file():
        out = Path(data_dir) / RELEASES_DIR / LOCAL_RELEASE
        build_release(content, out, created=now, sample_dates=True)
        return out
    raise ReleaseError(f"{content} is neither a release nor a content source folder")


def release_stamp(path: Path) -> tuple[str, int, int]:
    """Changes whenever the release at `path` (or behind a `current` link) is replaced."""
    resolved = Path(path).resolve()
    try:
        manifest = (resolved / MANIFEST_FILE).stat().st_mtime_ns
    except OSError:
        manifest = 0
    try:
        content = (resolved / CONTENT_FILE).stat().st_mtime_ns
    except OSError:
        content = 0
    return str(resolved), manifest, content
