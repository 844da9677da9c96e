"""Which translations are "to check": written against a Polish text that has changed since.

For each text of an item and each language, the draft keeps the digest of the Polish text the
translation was last written or confirmed against (`content_items.checked`). A translation
whose Polish text no longer has that digest is to check, until someone edits or confirms it.
An item the draft took in from a release has nothing recorded: its translations are taken to
match the Polish text as it was then.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from kiosk_core.content.model import DEFAULT_LANGUAGE
from kiosk_core.content.texts import digest, texts_of

Marks = dict[str, dict[str, str]]
"""{text path: {language: digest of the Polish text}}."""


def marks_after(
    model: type,
    old: dict[str, Any] | None,
    old_marks: Marks | None,
    new: dict[str, Any],
    confirmed: Collection[tuple[str, str]] = (),
) -> Marks:
    """The marks of an item saved as `new`: a translation typed anew or confirmed is marked
    against the new Polish text, one left alone keeps its mark (or, with none, the Polish
    text it stood beside before)."""
    before = texts_of(model, old or {})
    marks: Marks = {}
    for path, text in texts_of(model, new).items():
        polish = text.get(DEFAULT_LANGUAGE, "")
        previous = before.get(path, {})
        for lang, translation in text.items():
            if lang == DEFAULT_LANGUAGE:
                continue
            if translation != previous.get(lang) or (path, lang) in confirmed:
                mark = digest(polish)
            else:
                recorded = (old_marks or {}).get(path, {}).get(lang)
                mark = recorded or digest(previous.get(DEFAULT_LANGUAGE, ""))
            marks.setdefault(path, {})[lang] = mark
    return marks


def to_check(model: type, data: dict[str, Any], marks: Marks | None) -> list[tuple[str, str]]:
    """(text path, language) of every translation written against another Polish text."""
    if not marks:
        return []
    found = []
    for path, text in texts_of(model, data).items():
        polish = digest(text.get(DEFAULT_LANGUAGE, ""))
        for lang, mark in marks.get(path, {}).items():
            if lang in text and mark != polish:
                found.append((path, lang))
    return found
