"""Loading and validating a content source tree, the folder staff edit.

Layout (all YAML, UTF-8):

    settings.yaml              the kiosk settings (a mapping)
    service_categories.yaml    a list of service categories
    services/*.yaml            lists of service cards (by convention one file per category)
    event_categories.yaml      a list of event categories
    events/*.yaml              lists of events
    report_categories.yaml     a list of report categories
    alerts.yaml                a list of alerts (may be empty or absent)
    attract.yaml               the attract loop at rest: videos and images (optional)
    media/                     images referenced from the files above
    panoramas/walk.yaml        the virtual walk (optional; see kiosk_core/content/walksource.py)
    panoramas/*.jpg            its equirectangular photographs

Every problem is collected, never just the first, so staff fix everything in one round.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from kiosk_core.content import problems as codes
from kiosk_core.content.media import (
    IMAGE_SUFFIXES,
    MAX_IMAGE_BYTES,
    MAX_VIDEO_BYTES,
    VIDEO_SUFFIXES,
    MediaError,
    check_image,
    resolve_media,
)
from kiosk_core.content.model import (
    Alert,
    AttractItem,
    Content,
    Event,
    EventCategory,
    ReportCategory,
    ServiceCard,
    ServiceCategory,
    Settings,
)
from kiosk_core.content.problems import ContentError, Problem, Refused, shown_value
from kiosk_core.content.walksource import load_walk
from kiosk_core.content.yamlfile import PathKey, YamlDocument, dotted, read_yaml
from kiosk_core.validation import problem, validate, validate_json


@dataclass(frozen=True)
class Collection:
    key: str
    model: type
    pattern: str
    id_field: str = "id"
    required: bool = True


COLLECTIONS = (
    Collection("service_categories", ServiceCategory, "service_categories.yaml"),
    Collection("services", ServiceCard, "services/*.yaml"),
    Collection("event_categories", EventCategory, "event_categories.yaml", required=False),
    Collection("events", Event, "events/*.yaml", required=False),
    Collection("report_categories", ReportCategory, "report_categories.yaml", "service_code"),
    Collection("alerts", Alert, "alerts.yaml", required=False),
    Collection("attract", AttractItem, "attract.yaml", id_field="", required=False),
)
SETTINGS_FILE = "settings.yaml"

# Fields holding media references, by part of the content: checked, then content-addressed.
# A dotted name reaches into a nested mapping: "map.image".
MEDIA_FIELDS: dict[str, tuple[str, ...]] = {
    "settings": ("logo", "map.image"),
    "events": ("image",),
    "attract": ("video", "image"),
}
VIDEO_FIELDS = frozenset({"video"})
"""Media fields that take a video (.mp4, .webm, .mkv) rather than an image."""


@dataclass
class Origin:
    """Where a validated item came from, for problems found after validation."""

    doc: YamlDocument
    path: PathKey

    def problem(
        self, field_name: str, message: str, code: str = "", params: dict[str, Any] | None = None
    ) -> Problem:
        full = self.path + ((field_name,) if field_name else ())
        return Problem(
            self.doc.name, self.doc.line_of(full), dotted(full), message, code, params or {}
        )


@dataclass
class Source:
    """A validated source tree: the content and the media files it references."""

    root: Path
    content: Content
    media: dict[str, Path] = field(default_factory=dict)
    panoramas: dict[str, Path] = field(default_factory=dict)
    """The walk's photographs by reference: cut into textures by the build, not copied."""

    def summary(self) -> str:
        c = self.content
        langs = sorted(_languages_used(c))
        panoramas = len(c.walk.nodes) if c.walk else 0
        return (
            f"OK: {len(c.services)} services, {len(c.events)} events, "
            f"{len(c.report_categories)} report categories, {panoramas} panoramas, "
            f"{len(c.alerts)} alerts, languages: {', '.join(langs)}"
        )


def load_source(root: Path, *, documents: Mapping[str, Any] | None = None) -> Source:
    """Validate the tree at `root`; raise ContentError listing every problem found.

    `documents`: the tree's YAML files as the data they hold, by name (what
    `kiosk_core.content.items.tree_documents` gives for the hub's draft), read from there
    instead of from files at `root`, which then holds only the media. Writing 4,000 items
    as YAML and parsing them back took most of the time from Publish to a release
    (bench/editor_bench.py); the checks are the same either way."""
    root = Path(root)
    if not root.is_dir():
        raise ContentError([Problem(str(root), None, "", "is not a folder", codes.NOT_A_FOLDER)])
    loader = _Loader(root, documents)
    return loader.load()


class _Loader:
    def __init__(self, root: Path, documents: Mapping[str, Any] | None = None):
        self.root = root
        self.documents = documents
        self.problems: list[Problem] = []
        self.origins: dict[int, Origin] = {}
        self.media: dict[str, Path] = {}

    def load(self) -> Source:
        settings = self._load_settings()
        items: dict[str, Any] = {}
        for coll in COLLECTIONS:
            items[coll.key] = self._load_collection(coll)
            self._check_unique(coll, items[coll.key])
        self._check_references(items)
        walk, panoramas = load_walk(self, settings)
        if self.problems or settings is None:
            raise ContentError(self.problems)
        tz = ZoneInfo(settings.timezone)
        items["events"] = [localized(e, tz) for e in items["events"]]
        content = Content(settings=settings, walk=walk, **items)
        return Source(self.root, content, self.media, panoramas)

    # --- reading -------------------------------------------------------------------------

    def _read(self, path: Path) -> YamlDocument | None:
        name = path.relative_to(self.root).as_posix()
        if self.documents is not None:
            return YamlDocument(name, self.documents.get(name))
        doc, problems = read_yaml(path, name)
        self.problems.extend(problems)
        return doc

    def _present(self, path: Path) -> bool:
        """Whether the tree has this file (a link counts: it is checked where it is read)."""
        if self.documents is not None:
            return path.relative_to(self.root).as_posix() in self.documents
        return path.exists() or path.is_symlink()

    def _files(self, pattern: str) -> list[Path]:
        if self.documents is not None:
            return sorted(self.root / n for n in self.documents if fnmatchcase(n, pattern))
        return sorted(self.root.glob(pattern))

    def _load_settings(self) -> Settings | None:
        path = self.root / SETTINGS_FILE
        if not self._present(path) or (self.documents is None and not path.is_file()):
            self.problems.append(Problem(SETTINGS_FILE, None, "", "is missing", codes.FILE_MISSING))
            return None
        doc = self._read(path)
        if doc is None:
            return None
        if not isinstance(doc.data, dict):
            self.problems.append(
                Problem(doc.name, 1, "", "must be a mapping of settings", codes.NOT_A_MAPPING)
            )
            return None
        settings: Settings | None = self._validate(Settings, doc, (), MEDIA_FIELDS["settings"])
        return settings

    def _load_collection(self, coll: Collection) -> list[Any]:
        files = self._files(coll.pattern)
        if not files and coll.required:
            self.problems.append(
                Problem(coll.pattern, None, "", "no such file; it is required", codes.FILE_REQUIRED)
            )
        items: list[Any] = []
        for path in files:
            if path.is_symlink() and not path.resolve().is_relative_to(self.root.resolve()):
                name = path.relative_to(self.root).as_posix()
                self.problems.append(
                    Problem(name, None, "", "is a link out of the content folder", codes.LINK_OUT)
                )
                continue
            doc = self._read(path)
            if doc is None or doc.data is None:
                continue
            if not isinstance(doc.data, list):
                self.problems.append(
                    Problem(
                        doc.name,
                        1,
                        "",
                        "must be a list of items, each starting with '- '",
                        codes.NOT_A_LIST,
                    )
                )
                continue
            for index in range(len(doc.data)):
                fields = MEDIA_FIELDS.get(coll.key, ())
                item = self._validate(coll.model, doc, (index,), fields)
                if item is not None:
                    items.append(item)
        return items

    def _validate(
        self,
        model: type,
        doc: YamlDocument,
        path: PathKey,
        media_fields: tuple[str, ...] = (),
    ) -> Any:
        data = doc.data
        for part in path:
            data = data[part]
        if isinstance(data, dict):
            self._check_media(doc, path, data, media_fields)
        try:
            item: Any = validate(model, data)
        except ValidationError as exc:
            self.problems.extend(_problems_from(exc, doc, path, data))
            return None
        self.origins[id(item)] = Origin(doc, path)
        return item

    def _check_media(
        self, doc: YamlDocument, path: PathKey, data: dict[str, Any], media_fields: tuple[str, ...]
    ) -> None:
        """Check media references in the raw data, so even an otherwise invalid item's
        missing image is reported in the same round."""
        for field_name in media_fields:
            *parents, leaf = field_name.split(".")
            owner: Any = data
            for parent in parents:
                owner = owner.get(parent) if isinstance(owner, dict) else None
            ref = owner.get(leaf) if isinstance(owner, dict) else None
            if not isinstance(ref, str) or ref in self.media:
                continue
            try:
                kind = (
                    (VIDEO_SUFFIXES, MAX_VIDEO_BYTES)
                    if leaf in VIDEO_FIELDS
                    else (IMAGE_SUFFIXES, MAX_IMAGE_BYTES)
                )
                found = resolve_media(self.root, ref, *kind)
                if leaf not in VIDEO_FIELDS:
                    check_image(found, ref)
                self.media[ref] = found
            except MediaError as exc:
                problem_path = path + tuple(parents)
                self.problems.append(
                    Origin(doc, problem_path).problem(
                        leaf, str(exc), exc.code, {**exc.params, "value": shown_value(ref)}
                    )
                )

    # --- cross checks ----------------------------------------------------------------------

    def _check_unique(self, coll: Collection, items: list[Any]) -> None:
        if not coll.id_field:
            return  # items without ids (attract slides) may repeat
        seen: dict[str, Origin] = {}
        for item in items:
            key = getattr(item, coll.id_field)
            origin = self.origins[id(item)]
            if key in seen:
                first = seen[key]
                self.problems.append(
                    origin.problem(
                        coll.id_field,
                        f"duplicate {coll.id_field} {key!r}; first used in "
                        f"{first.doc.name}:{first.doc.line_of(first.path)}",
                        codes.DUPLICATE_ID,
                        {
                            "value": shown_value(key),
                            "first_file": first.doc.name,
                            "first_line": first.doc.line_of(first.path),
                        },
                    )
                )
            else:
                seen[key] = origin

    def _check_references(self, items: dict[str, list[Any]]) -> None:
        checks = (
            ("services", "category", "service_categories"),
            ("events", "category", "event_categories"),
        )
        for key, ref_field, target in checks:
            known = {c.id for c in items[target]}
            for item in items[key]:
                ref = getattr(item, ref_field)
                if ref is not None and ref not in known:
                    choices = ", ".join(sorted(known)) or "none defined"
                    self.problems.append(
                        self.origins[id(item)].problem(
                            ref_field,
                            f"unknown {ref_field} {ref!r} (known: {choices})",
                            codes.UNKNOWN_REFERENCE,
                            {"value": shown_value(ref), "known": ", ".join(sorted(known))},
                        )
                    )


def _problems_from(
    exc: ValidationError, doc: YamlDocument, base: PathKey, data: Any
) -> list[Problem]:
    problems: dict[tuple[int | None, str], Problem] = {}
    for error in exc.errors():
        loc = _data_path(error["loc"], data)
        code, params = _coded(error)
        full = base + loc
        key = (doc.line_of(full), dotted(full))
        if key not in problems:
            problems[key] = Problem(doc.name, key[0], key[1], problem(error), code, params)
    return list(problems.values())


def item_problems(model: type, data: Any, file: str, base: PathKey = ()) -> list[Problem]:
    """Every problem of one item of `model` given as JSON data (dates as ISO text), each
    named as if the item stood at `base` in `file` (whose name says which kind it is, for the
    labels; no lines): what an editor's form checks before it saves, worded for a clerk by
    kiosk_core.content.problemtext like a source tree's problems. References to other items
    are not checked here."""
    try:
        validate_json(model, json.dumps(data, ensure_ascii=False))
    except ValidationError as exc:
        return _problems_from(exc, YamlDocument(file, data), base, data)
    return []


def _coded(error: Any) -> tuple[str, dict[str, Any]]:
    """A pydantic error's code and parameters, with the value as typed; for the model's own
    refusals (`Refused`) their code and parameters, and as `subfield` the field within the
    problem's `field` that a form should mark (the text keeps naming the item, as before)."""
    ctx = error.get("ctx") or {}
    params = {k: v for k, v in ctx.items() if isinstance(v, str | int | float)}
    params["value"] = shown_value(error.get("input"))
    if isinstance(ctx.get("expected"), str):  # "'info', 'warning' or 'danger'" in English
        params["expected"] = ", ".join(re.findall(r"'([^']*)'", ctx["expected"]))
    cause = ctx.get("error")
    if isinstance(cause, Refused):
        return cause.code, {**params, **cause.params, "subfield": cause.field}
    if error["type"] == "value_error" and "reason" in ctx:  # pydantic's EmailStr
        return codes.EMAIL, params
    return str(error["type"]), params


def _data_path(loc: tuple[Any, ...], data: Any) -> PathKey:
    """The part of a pydantic error location that names real keys in the data.

    Pydantic adds type tags for unions and validators (`start.datetime`); staff care only
    about the field they wrote.
    """
    path: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
            path.append(part)
            continue
        # A missing or unknown key is named; a type tag is not. Either way, stop here.
        if isinstance(node, dict) and isinstance(part, str) and part not in _TYPE_TAGS:
            path.append(part)
        break
    return tuple(path)


_TYPE_TAGS = {"str", "int", "float", "bool", "date", "datetime", "dict", "list", "url"}


def localized(event: Event, tz: ZoneInfo) -> Event:
    """Give times written without a UTC offset the event's (or the kiosk's) zone: as a
    release holds them (and as the hub's preview reads a draft's event)."""
    zone = ZoneInfo(event.timezone) if event.timezone else tz
    update: dict[str, Any] = {}
    for name in ("start", "end"):
        value = getattr(event, name)
        if isinstance(value, datetime) and value.tzinfo is None:
            update[name] = value.replace(tzinfo=zone)
    return replace(event, **update) if update else event


def _languages_used(content: Content) -> set[str]:
    langs: set[str] = set()
    for card in content.services:
        langs.update(card.title)
    for event in content.events:
        langs.update(event.title)
    langs.update(content.settings.municipality)
    return langs
