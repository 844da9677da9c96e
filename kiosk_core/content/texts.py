"""The visitor-facing texts of an item, each by its path: what is translated, what is missing
in a language, what to search.

An item in source form (kiosk_core.content.items) holds its texts as `{language: text}`
mappings, some inside nested fields (`office.name`) or lists (`documents.2`,
`attributes.0.values.1.name`). `texts_of` finds them all by the item's model, so a new text
field of the model is found without being listed here; `item_texts` does the same for an item
loaded into its model (a kiosk's release).

A text missing in the visitor's language is shown in Polish. `fallback` says whether a
visitor reads some or all of an item in Polish instead (the kiosk marks it), and `share` how
of them a visitor reads wholly in their language (`wholly_in`, counted in a `Share`: the
kiosk's home says so).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

from kiosk_core.content.model import DEFAULT_LANGUAGE, Text


def texts_of(model: type, data: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Every text of an item by its dotted path, in the model's field order."""
    found: dict[str, dict[str, str]] = {}
    _collect(model, data, "", found)
    return found


def item_texts(item: Any) -> dict[str, dict[str, str]]:
    """Every text of an item loaded into its model (a dataclass), by its dotted path."""
    found: dict[str, dict[str, str]] = {}
    _collect(type(item), item, "", found)
    return found


def _collect(model: type, data: Any, prefix: str, found: dict[str, dict[str, str]]) -> None:
    get: Callable[[str, Any], Any]
    if isinstance(data, dict):
        get = data.get
    elif dataclasses.is_dataclass(data) and not isinstance(data, type):
        get = functools.partial(getattr, data)
    else:
        return
    for name, (is_text, inner, many) in _shape(model).items():
        value = get(name, None)
        path = f"{prefix}{name}"
        if value is None:
            continue
        values = list(enumerate(value)) if many and isinstance(value, list) else [(None, value)]
        for index, one in values:
            where = path if index is None else f"{path}.{index}"
            if is_text:
                text = {"pl": one} if isinstance(one, str) else one
                if isinstance(text, dict):
                    found[where] = {k: v for k, v in text.items() if isinstance(v, str)}
            elif inner is not None:
                _collect(inner, one, f"{where}.", found)


@functools.cache
def _shape(model: type) -> dict[str, tuple[bool, type | None, bool]]:
    """For each field: whether it is a text, the model inside it, whether it is a list."""
    hints = get_type_hints(model, include_extras=True)
    shape: dict[str, tuple[bool, type | None, bool]] = {}
    for f in dataclasses.fields(model):
        hint = _unwrapped(hints[f.name])
        many = get_origin(hint) is list
        if many:
            hint = _unwrapped(get_args(hint)[0])
        is_text = hint == Text or hint == _unwrapped(Text)
        inner = hint if isinstance(hint, type) and dataclasses.is_dataclass(hint) else None
        if is_text or inner is not None:
            shape[f.name] = (is_text, inner, many)
    return shape


def _unwrapped(hint: Any) -> Any:
    """`X | None` as X; Annotated kept only for Text itself."""
    if get_origin(hint) in (Union, types.UnionType):
        rest = [a for a in get_args(hint) if a is not type(None)]
        if len(rest) == 1:
            return _unwrapped(rest[0])
    if get_origin(hint) is Annotated and hint != Text:
        base = get_args(hint)[0]
        if get_origin(base) is dict:
            return hint  # Text with other metadata: still a text
        return _unwrapped(base)
    return hint


def missing(texts: dict[str, dict[str, str]], languages: list[str]) -> dict[str, list[str]]:
    """Per language (other than Polish) the paths of the texts it lacks."""
    gaps: dict[str, list[str]] = {}
    for lang in languages:
        if lang == DEFAULT_LANGUAGE:
            continue
        lacking = [path for path, text in texts.items() if not (text.get(lang) or "").strip()]
        if lacking:
            gaps[lang] = lacking
    return gaps


class Fallback(Enum):
    """How much of what a visitor reads is in Polish because their language is missing."""

    NONE = "none"
    PART = "part"
    WHOLE = "whole"


def fallback(texts: Iterable[dict[str, str] | None], lang: str) -> Fallback:
    """Whether the texts (those given, absent ones left out) are read in Polish in `lang`."""
    given = [text for text in texts if text]
    if lang == DEFAULT_LANGUAGE or not given:
        return Fallback.NONE
    lacking = sum(1 for text in given if not (text.get(lang) or "").strip())
    if lacking == 0:
        return Fallback.NONE
    return Fallback.WHOLE if lacking == len(given) else Fallback.PART


@dataclass(frozen=True)
class Share:
    """Of `total` items, `whole` have every text in the language."""

    whole: int
    total: int

    @property
    def complete(self) -> bool:
        return self.whole == self.total


def wholly_in(item: Any, lang: str) -> bool:
    """A visitor reads the loaded item wholly in `lang`, none of it in Polish instead."""
    return fallback(item_texts(item).values(), lang) is Fallback.NONE


def digest(text: str) -> str:
    """A short fingerprint of a Polish text: what a translation was written against."""
    return hashlib.sha256(text.strip().encode()).hexdigest()[:16]
