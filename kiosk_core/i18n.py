"""Translating the programs' own words: gettext catalogs read with Babel, English message ids.

Each program has its catalogs (`kiosk/locale/<lang>.po` for the kiosk's screens,
`hub/locale/<lang>.po` for the hub's pages and e-mails) and passes its folder to Translator.
They are read when a language is first chosen, with no compile step. Content texts are not
here: they come translated in the content itself.
"""

from __future__ import annotations

from collections.abc import Callable
from gettext import c2py
from pathlib import Path

from babel.messages.pofile import read_po

from kiosk_core.content.model import LANGUAGES

LANGUAGE_NAMES = {
    "pl": "Polski",
    "en": "English",
    "de": "Deutsch",
    "cs": "Čeština",
    "uk": "Українська",
}
"""Each language named in itself, as on the language buttons."""


class Translator:
    """gettext over Babel catalogs, with English (the message ids) as the last resort."""

    def __init__(self, locale_dir: Path):
        self.locale_dir = locale_dir
        self._messages: dict[str, dict[str, str | tuple[str, ...]]] = {}
        self.plural: dict[str, Callable[[int], int]] = {}

    def catalog(self, lang: str) -> dict[str, str | tuple[str, ...]]:
        """One language's messages, read the first time that language is chosen."""
        if lang not in self._messages:
            self._messages[lang] = {}
            path = self.locale_dir / f"{lang}.po"
            if lang in LANGUAGES and path.exists():
                with path.open("rb") as fh:
                    catalog = read_po(fh, locale=lang)
                self.plural[lang] = c2py(catalog.plural_expr)
                messages = self._messages[lang]
                for m in catalog:
                    string = tuple(m.string) if isinstance(m.string, list) else m.string
                    if m.id and string and _translated(string) and not m.fuzzy:
                        messages[m.id if isinstance(m.id, str) else m.id[0]] = string
        return self._messages[lang]

    def gettext(self, message: str, lang: str) -> str:
        found = self.catalog(lang).get(message)
        return found if isinstance(found, str) else message

    def ngettext(self, singular: str, plural: str, n: int, lang: str) -> str:
        found = self.catalog(lang).get(singular)
        if isinstance(found, tuple):
            index = self.plural[lang](n)
            if index < len(found) and found[index]:
                return found[index]
        return singular if n == 1 else plural


def _translated(string: str | tuple[str, ...]) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined as data; translated when shown."""
    return message
