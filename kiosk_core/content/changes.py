"""What changed between two versions of the content, item by item and field by field.

Before publishing, a clerk reads what the kiosks will show differently: which cards, events
and the rest are added, changed or removed, each changed field with its old and new text,
and which kiosks each item reaches. The release history keeps a short count of the same
(`summary`). Both sides are lists of items (kiosk_core.content.items): the shared draft, or a
release's content.json read with `release_items` (cheap: no pruning) or `unbuild`.

Items are matched by kind and id; an item's position is not a change. Two items are the same
when their data is, or when it is once fields written at their defaults are left out (a
release built by an older hub may spell out a default a newer one leaves out). A field is
named by its dotted path without list indexes (`opening_hours`, `office.name`, `documents`),
the path `kiosk_core.content.fieldlabels` labels; a translated text changes per language.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, get_args, get_type_hints

from kiosk_core.content.items import BY_NAME, KINDS, SINGLETON_ID, WALK, Item, source_form
from kiosk_core.content.model import DEFAULT_LANGUAGE, LANGUAGES
from kiosk_core.content.source import MEDIA_FIELDS

ADDED, CHANGED, REMOVED = "added", "changed", "removed"
ACTIONS = (ADDED, CHANGED, REMOVED)
ALERT = "alert"

TEXT, FLAG, MOMENT, MEDIA = "text", "flag", "moment", "media"
"""How a field's values read: plain text, yes or no, a date or a time, a media file."""

PLACE_MEDIA = ("image", "preview")
TITLE_FIELDS = ("title", "name", "municipality", "text")
"""The field that names an item for a clerk, the first one it has."""
TITLE_CHARS = 120
TARGETING = ("kiosks", "groups", "valid_from", "valid_until")
"""Fields every targeted kind shares: listed after the item's own, as a form has them."""
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$")


@dataclass(frozen=True)
class Reach:
    """Which kiosks an item is for: those named and those in the groups named; every kiosk
    when it names none."""

    kiosks: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    @property
    def everywhere(self) -> bool:
        return not self.kiosks and not self.groups


@dataclass(frozen=True)
class FieldChange:
    path: str
    """The field's dotted path without list indexes: "fees", "office.name", "documents"."""
    language: str | None
    """The language of a translated text; None for a field that is not one."""
    old: str | None
    """The value as a clerk reads it; None where the field was not set."""
    new: str | None
    form: str = TEXT
    """TEXT, FLAG ("yes"/"no"), MOMENT (an ISO date or time) or MEDIA (a media path)."""


@dataclass(frozen=True)
class ItemChange:
    kind: str
    item_id: str
    title: str
    """The item's title or name in Polish (its newer one), or its id where it has none."""
    before: Reach | None
    """None: the item did not exist."""
    after: Reach | None
    """None: the item is removed."""
    fields: tuple[FieldChange, ...] = ()
    """What changed in a changed item; empty for an added or removed one."""

    @property
    def action(self) -> str:
        return ADDED if self.before is None else REMOVED if self.after is None else CHANGED

    @property
    def reach_changed(self) -> bool:
        return self.before is not None and self.after is not None and self.before != self.after


@dataclass(frozen=True)
class KindChanges:
    kind: str
    added: tuple[ItemChange, ...] = ()
    changed: tuple[ItemChange, ...] = ()
    removed: tuple[ItemChange, ...] = ()

    def counts(self) -> dict[str, int]:
        return {ADDED: len(self.added), CHANGED: len(self.changed), REMOVED: len(self.removed)}


@dataclass(frozen=True)
class Changes:
    kinds: tuple[KindChanges, ...]
    """The kinds with changes, in the order of kiosk_core.content.items.KINDS."""

    @property
    def empty(self) -> bool:
        return not self.kinds

    @property
    def alerts_only(self) -> bool:
        """Something changed, and only alerts did (the hub's alert releases)."""
        return bool(self.kinds) and all(k.kind == ALERT for k in self.kinds)

    def removed(self) -> list[ItemChange]:
        return [item for k in self.kinds for item in k.removed]

    def of(self, kind: str) -> KindChanges:
        return next((k for k in self.kinds if k.kind == kind), KindChanges(kind))


def release_items(document: bytes | dict[str, Any]) -> list[Item]:
    """The items of a release's content.json (its bytes, or its data read already) as the
    release holds them (defaults written out, nothing pruned; the items share the data):
    enough to compare two releases, at a fraction of `unbuild`'s cost."""
    data: dict[str, Any] = json.loads(document) if isinstance(document, bytes) else document
    items = [Item("settings", SINGLETON_ID["settings"], data["settings"])]
    for kind in KINDS:
        if kind.key in ("settings", "walk"):
            continue
        for index, raw in enumerate(data.get(kind.key) or []):
            item_id = str(raw[kind.id_field]) if kind.id_field else f"{kind.name}-{index + 1}"
            items.append(Item(kind.name, item_id, raw))
    walk = data.get("walk")
    if walk:
        own = {k: v for k, v in walk.items() if k != "nodes"}
        items.append(Item(WALK.name, SINGLETON_ID["walk"], own))
        items.extend(Item("place", node["id"], node) for node in walk["nodes"])
    return items


def compare(old: Iterable[Item], new: Iterable[Item]) -> Changes:
    """What changes from `old` to `new`: per kind, the items added, changed and removed."""
    before: dict[str, dict[str, Item]] = {k.name: {} for k in KINDS}
    after: dict[str, dict[str, Item]] = {k.name: {} for k in KINDS}
    for item in old:
        before.setdefault(item.kind, {})[item.item_id] = item
    for item in new:
        after.setdefault(item.kind, {})[item.item_id] = item
    kinds = []
    for kind in [*before, *(k for k in after if k not in before)]:
        gone, now = before.get(kind, {}), after.get(kind, {})
        added = [_whole(i, None, i) for key, i in now.items() if key not in gone]
        removed = [_whole(i, i, None) for key, i in gone.items() if key not in now]
        changed = []
        for key, item in now.items():
            previous = gone.get(key)
            if previous is None or previous.data == item.data:
                continue
            found = _changed(previous, item)
            if found is not None:
                changed.append(found)
        if added or changed or removed:
            kinds.append(KindChanges(kind, tuple(added), tuple(changed), tuple(removed)))
    return Changes(tuple(kinds))


def summary(changes: Changes) -> dict[str, Any]:
    """The changes counted, as JSON data: {"kinds": {kind: {"added": n, "changed": n,
    "removed": n}}, "alerts_only": bool}; a kind without changes is left out."""
    return {
        "kinds": {k.kind: k.counts() for k in changes.kinds},
        "alerts_only": changes.alerts_only,
    }


def _whole(item: Item, old: Item | None, new: Item | None) -> ItemChange:
    return ItemChange(
        item.kind,
        item.item_id,
        title(item),
        reach(old.data) if old is not None else None,
        reach(new.data) if new is not None else None,
    )


def _changed(old: Item, new: Item) -> ItemChange | None:
    model = BY_NAME[new.kind].model
    old_data, new_data = source_form(model, old.data), source_form(model, new.data)
    if old_data == new_data:
        return None
    fields = _fields(new.kind, "", old_data, new_data)
    if new.kind == "place":
        fields = _one_photograph(fields, old_data, new_data)
    if not fields:
        return None  # written differently, the same (a plain string is Polish-only text)
    fields.sort(key=lambda f: f.path.split(".")[0] in TARGETING)
    return ItemChange(
        new.kind, new.item_id, title(new), reach(old_data), reach(new_data), tuple(fields)
    )


def _one_photograph(
    fields: list[FieldChange], old: dict[str, Any], new: dict[str, Any]
) -> list[FieldChange]:
    """A place's textures change with its photograph: shown as its preview changing (the
    textures' sizes and files are no text for a clerk), once."""
    rest = [f for f in fields if not f.path.startswith("textures")]
    if len(rest) == len(fields) or any(f.path == "preview" for f in rest):
        return rest
    return [*rest, FieldChange("preview", None, old.get("preview"), new.get("preview"), MEDIA)]


def title(item: Item) -> str:
    """What a clerk calls an item: its title or name in Polish, else its id."""
    for name in TITLE_FIELDS:
        value = item.data.get(name)
        text = _polish(value)
        if text:
            return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"
    return item.item_id


def reach(data: dict[str, Any]) -> Reach:
    return Reach(tuple(data.get("kiosks") or ()), tuple(data.get("groups") or ()))


def _polish(value: Any) -> str:
    if isinstance(value, str):
        return value
    if _is_text(value):
        return str(value.get(DEFAULT_LANGUAGE) or next(iter(value.values()), ""))
    return ""


def _is_text(value: Any) -> bool:
    """A translated text: {language: string}."""
    return (
        isinstance(value, dict)
        and bool(value)
        and all(k in LANGUAGES and isinstance(v, str) for k, v in value.items())
    )


def _is_keywords(value: Any) -> bool:
    """Words per language: {language: [string, ...]}."""
    return (
        isinstance(value, dict)
        and bool(value)
        and all(k in LANGUAGES and isinstance(v, list) for k, v in value.items())
    )


def _media_paths(kind: str) -> frozenset[str]:
    if kind == "place":
        return frozenset(PLACE_MEDIA)
    return frozenset(MEDIA_FIELDS.get(BY_NAME[kind].key, ()))


def _fields(kind: str, prefix: str, old: Any, new: Any) -> list[FieldChange]:
    """The changes inside two values of one field (or of a whole item, at prefix "")."""
    if old == new:
        return []
    sample = new if new is not None else old
    if isinstance(old, str) and _is_text(new):
        old = {DEFAULT_LANGUAGE: old}  # a plain string is Polish-only text
    if isinstance(new, str) and _is_text(old):
        new = {DEFAULT_LANGUAGE: new}
        sample = new
    if _is_text(sample) or _is_keywords(sample):
        return _per_language(prefix, old or {}, new or {})
    if isinstance(sample, dict):
        old_d = old if isinstance(old, dict) else {}
        new_d = new if isinstance(new, dict) else {}
        found: list[FieldChange] = []
        for key in [*new_d, *(k for k in old_d if k not in new_d)]:
            path = f"{prefix}.{key}" if prefix else str(key)
            found += _fields(kind, path, old_d.get(key), new_d.get(key))
        return found
    if isinstance(sample, list) and any(_is_text(v) for v in [*(old or []), *(new or [])]):
        return _texts_per_language(prefix, old or [], new or [])
    if old is None or new is None:  # left out: at its default, if it has one
        default = _default(kind, prefix)
        old, new = (default, new) if old is None else (old, default)
        if old == new:
            return []
    if isinstance(sample, bool):
        return [FieldChange(prefix, None, _flag(old), _flag(new), FLAG)]
    if prefix in _media_paths(kind):
        return [FieldChange(prefix, None, old, new, MEDIA)]
    if isinstance(sample, str) and _MOMENT.match(sample):
        return [FieldChange(prefix, None, _plain(old), _plain(new), MOMENT)]
    return [FieldChange(prefix, None, _plain(old), _plain(new))]


@functools.cache
def _default(kind: str, path: str) -> Any:
    """The default of the field at `path` of an item of `kind` (None: it has none): what a
    field left out of an item means."""
    model: Any = BY_NAME[kind].model
    *parents, name = path.split(".")
    for parent in parents:
        field = next((f for f in dataclasses.fields(model) if f.name == parent), None)
        inner = _model_in(get_type_hints(model).get(parent)) if field else None
        if inner is None:
            return None
        model = inner
    if not dataclasses.is_dataclass(model):
        return None
    for field in dataclasses.fields(model):
        if field.name == name and field.default is not dataclasses.MISSING:
            default = field.default
            return default if isinstance(default, bool | int | float | str) else None
    return None


def _model_in(hint: Any) -> type | None:
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint
    return next((m for arg in get_args(hint) if (m := _model_in(arg)) is not None), None)


def _per_language(path: str, old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    found: list[FieldChange] = []
    for lang in LANGUAGES:
        before, after = _plain(old.get(lang)), _plain(new.get(lang))
        if before != after:
            found.append(FieldChange(path, lang, before, after))
    return found


def _texts_per_language(path: str, old: list[Any], new: list[Any]) -> list[FieldChange]:
    """A list of texts (a card's documents), each language's as lines."""
    found: list[FieldChange] = []
    for lang in LANGUAGES:
        before, after = _lines(old, lang), _lines(new, lang)
        if before != after:
            found.append(FieldChange(path, lang, before, after))
    return found


def _lines(texts: list[Any], lang: str) -> str | None:
    lines = [t.get(lang) if isinstance(t, dict) else (t if lang == "pl" else None) for t in texts]
    present = [line for line in lines if line]
    return "\n".join(present) if present else None


def _flag(value: Any) -> str | None:
    return None if value is None else "yes" if value else "no"


def _plain(value: Any) -> str | None:
    """A value as one text: lists one entry a line (a list of places' hotspots, of a
    category's questions), mappings as "key: value" pairs, texts in Polish."""
    if value is None or value == [] or value == {}:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value)
    if _is_text(value):
        return _polish(value)
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return ", ".join(str(v) for v in value)
        return "\n".join(filter(None, (_plain(v) for v in value)))
    if isinstance(value, dict):
        parts = (f"{k}: {text}" for k, v in value.items() if (text := _plain(v)) is not None)
        return "; ".join(parts)
    return str(value)


def counts_of(summary_data: dict[str, Any]) -> list[tuple[str, str, int]]:
    """A stored summary's counts as (kind, action, n), kinds in their order, none zero."""
    kinds = summary_data.get("kinds") or {}
    order = [k.name for k in KINDS if k.name in kinds] + [k for k in kinds if k not in BY_NAME]
    return [
        (kind, action, int(kinds[kind].get(action, 0)))
        for kind in order
        for action in ACTIONS
        if int(kinds[kind].get(action, 0))
    ]
