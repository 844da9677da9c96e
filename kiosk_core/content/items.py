"""Content as separate items, and writing items out as a source tree.

A source tree keeps many items in one file (a category's service cards, a season's events);
the hub's draft keeps each item apart, so that two people editing two cards never touch the
same record. An item is one entry of a source file, as plain JSON data in source form: media
as paths inside the tree (`media/...`), fields left at their defaults left out. `write_tree`
puts items back in the layout `kiosk_core.content.source` reads, in their order, so that
building the tree gives the items in exactly that order.
"""

from __future__ import annotations

import dataclasses
import functools
import types
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

import yaml

from kiosk_core.content.model import (
    LANGUAGES,
    Alert,
    AttractItem,
    Event,
    EventCategory,
    PanoramaNode,
    ReportCategory,
    ServiceCard,
    ServiceCategory,
    Settings,
    Walk,
)
from kiosk_core.content.source import MEDIA_FIELDS, SETTINGS_FILE
from kiosk_core.content.walksource import WALK_FILE


@dataclass(frozen=True)
class Kind:
    """A kind of item: which part of the content it is and how it is named."""

    name: str
    key: str
    """The field of `Content` (and of MEDIA_FIELDS) the items make up."""
    model: type
    id_field: str
    """The field that names an item; "" where the hub names them (singletons, slides)."""


SETTINGS = Kind("settings", "settings", Settings, "")
WALK = Kind("walk", "walk", Walk, "")
"""The walk's own fields (`start`); its places are items of kind `place`."""
KINDS: tuple[Kind, ...] = (
    SETTINGS,
    Kind("service_category", "service_categories", ServiceCategory, "id"),
    Kind("service", "services", ServiceCard, "id"),
    Kind("event_category", "event_categories", EventCategory, "id"),
    Kind("event", "events", Event, "id"),
    Kind("report_category", "report_categories", ReportCategory, "service_code"),
    Kind("alert", "alerts", Alert, "id"),
    Kind("attract", "attract", AttractItem, ""),
    WALK,
    Kind("place", "walk", PanoramaNode, "id"),
)
BY_NAME = {k.name: k for k in KINDS}
SINGLETON_ID = {"settings": "settings", "walk": "walk"}
"""The one item of a kind that has exactly one."""


@dataclass(frozen=True)
class Item:
    kind: str
    item_id: str
    data: dict[str, Any]


@functools.cache
def _hints(model: type) -> dict[str, Any]:
    """A model's field types, resolved once: resolving them is most of the work of pruning
    an item (unbuilding 4,000 items took 1.1 s, 0.2 s with the types kept)."""
    return get_type_hints(model)


def source_form(model: type, data: dict[str, Any]) -> dict[str, Any]:
    """`data` (a model's fields as JSON data) without the fields at their defaults, nested
    models included: what a person would have written. Validating it gives the same model."""
    hints = _hints(model)
    out: dict[str, Any] = {}
    for f in dataclasses.fields(model):
        if f.name not in data:
            continue
        value = _pruned(data[f.name], hints[f.name])
        if value is None or _is_default(f, value):
            continue
        out[f.name] = value
    return out


def _is_default(f: dataclasses.Field[Any], value: Any) -> bool:
    if f.default is not dataclasses.MISSING:
        return bool(value == f.default)
    if f.default_factory is dataclasses.MISSING:
        return False  # a required field
    default = f.default_factory()
    # A nested model at its defaults has been pruned to {} already.
    return bool(value == {} if dataclasses.is_dataclass(default) else value == default)


def _pruned(value: Any, hint: Any) -> Any:
    model = _model_in(hint)
    if model is not None and isinstance(value, dict):
        return source_form(model, value)
    if model is not None and isinstance(value, list):
        return [source_form(model, v) if isinstance(v, dict) else v for v in value]
    return value


def _model_in(hint: Any) -> type | None:
    """The dataclass a field's type holds (directly, optionally, or as list items)."""
    origin = get_origin(hint)
    if origin is Annotated:
        return _model_in(get_args(hint)[0])
    if origin in (Union, types.UnionType, list):
        for arg in get_args(hint):
            found = _model_in(arg)
            if found is not None:
                return found
        return None
    return hint if isinstance(hint, type) and dataclasses.is_dataclass(hint) else None


def yaml_values(model: type, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with its dates and times as YAML writes them (unquoted), so that a source tree
    reads them back as dates and times: as quoted text an all-day event's "2026-05-01" would
    be taken for midnight."""
    hints = _hints(model)
    return {k: _typed(v, hints[k]) if k in hints else v for k, v in data.items()}


def _typed(value: Any, hint: Any) -> Any:
    origin = get_origin(hint)
    if origin is Annotated:
        return _typed(value, get_args(hint)[0])
    if origin in (Union, types.UnionType):
        args = get_args(hint)
        if isinstance(value, str) and (datetime in args or date in args):
            is_day = len(value) == 10 and date in args
            return date.fromisoformat(value) if is_day else datetime.fromisoformat(value)
        rest = [a for a in args if a is not type(None)]
        return _typed(value, rest[0]) if len(rest) == 1 else value
    if origin is list and isinstance(value, list):
        (inner,) = get_args(hint)
        return [_typed(v, inner) for v in value]
    if origin is dict and isinstance(value, dict) and set(value) <= set(LANGUAGES):
        return {lang: value[lang] for lang in LANGUAGES if lang in value}  # Polish first
    if hint is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    if hint is date and isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, dict):
        return yaml_values(hint, value)
    return value


def media_refs(item: Item) -> list[str]:
    """The media paths an item refers to, in order."""
    kind = BY_NAME[item.kind]
    refs: list[str] = []
    if kind.name == "place":
        textures = item.data.get("textures") or {}
        candidates = [item.data.get("image"), *textures.get("files", []), item.data.get("preview")]
        return [r for r in candidates if isinstance(r, str)]
    for name in MEDIA_FIELDS.get(kind.key, ()):
        value: Any = item.data
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str):
            refs.append(value)
    return refs


# --- writing a source tree ---------------------------------------------------------------

FILES = {
    "service_category": "service_categories.yaml",
    "event_category": "event_categories.yaml",
    "report_category": "report_categories.yaml",
    "alert": "alerts.yaml",
    "attract": "attract.yaml",
}
REQUIRED = ("service_categories.yaml", "report_categories.yaml")


def write_tree(root: Path, items: Iterable[Item]) -> list[str]:
    """Write `items` (in their order) as the YAML files of a source tree at `root`; returns
    the media paths they refer to, each once, for the caller to put in place."""
    items = list(items)
    for name, data in tree_documents(items).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=100)
        path.write_text(text, encoding="utf-8")
    return media_of(items)


def media_of(items: Iterable[Item]) -> list[str]:
    """The media paths `items` refer to, each once, in order."""
    refs: dict[str, None] = {}
    for item in items:
        refs.update(dict.fromkeys(media_refs(item)))
    return list(refs)


def tree_documents(items: Iterable[Item]) -> dict[str, Any]:
    """What each YAML file of the source tree of `items` holds, by its name in the tree:
    what `write_tree` writes, and what `kiosk_core.content.source.load_source` reads
    straight from memory where nobody needs the files."""
    by_kind: dict[str, list[Item]] = {k.name: [] for k in KINDS}
    for item in items:
        by_kind[item.kind].append(item)
    files: dict[str, list[dict[str, Any]] | dict[str, Any]] = {name: [] for name in REQUIRED}
    for kind_name, name in FILES.items():
        if by_kind[kind_name]:
            files[name] = [_yaml(i) for i in by_kind[kind_name]]
    for item in by_kind["settings"]:
        files[SETTINGS_FILE] = _yaml(item)
    files.update(_grouped("services", by_kind["service"], lambda d: str(d.get("category"))))
    files.update(_grouped("events", by_kind["event"], lambda d: str(d.get("start", ""))[:4]))
    if not any(n.startswith("services/") for n in files):
        files["services/services.yaml"] = []
    if by_kind["place"]:
        walk: dict[str, Any] = dict(by_kind["walk"][0].data) if by_kind["walk"] else {}
        walk["nodes"] = [_yaml(i) for i in by_kind["place"]]
        files[WALK_FILE] = walk
    return files


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libYAML's emitter where PyYAML has it: the same YAML, several times faster (a draft of
4,000 items is written out on every publish and download)."""


def _yaml(item: Item) -> dict[str, Any]:
    return yaml_values(BY_NAME[item.kind].model, item.data)


MAX_NUMBERED = 50
"""Files of numbered runs a folder gets at most: items in an order that would need more
(no grouping kept at all) go in one file, in that order."""


def _grouped(folder: str, items: list[Item], group: Any) -> dict[str, list[dict[str, Any]]]:
    """Consecutive items of one group (a category, a year) in one file. A source tree reads
    its files in name order: where the groups' names are not already in that order (or a group
    comes back later), the files are numbered, so the order of the items is kept."""
    runs: list[tuple[str, list[Item]]] = []
    for item in items:
        name = group(item.data) or "items"
        if runs and runs[-1][0] == name:
            runs[-1][1].append(item)
        else:
            runs.append((name, [item]))
    names = [f"{folder}/{name}.yaml" for name, _ in runs]
    if len(runs) > MAX_NUMBERED:
        return {f"{folder}/{folder}.yaml": [_yaml(i) for i in items]}
    if len(set(names)) != len(names) or names != sorted(names):
        width = max(3, len(str(len(runs))))
        names = [f"{folder}/{n:0{width}d}-{name}.yaml" for n, (name, _) in enumerate(runs, 1)]
    return {file: [_yaml(i) for i in run] for file, (_, run) in zip(names, runs, strict=True)}
