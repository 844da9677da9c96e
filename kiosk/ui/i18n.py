"""The kiosk's own words and dates the way people say them, in five languages.

The screens' catalogs are `kiosk/locale/<lang>.po` (LOCALE_DIR), read by
kiosk_core.i18n.Translator; message ids are English, and .kv files' are found by `extract_kv`.

Dates are formatted by Babel, in the words kiosk_core.dates puts them (which the hub's preview
shares), from the calendar words of CLDR (month and day names, date and time patterns). Babel
would load each language's whole CLDR data for them (about 1.5 MB of Python objects a
language, and 2 MB of global data): a kiosk keeps only the calendar words, taken from Babel by
`scripts/update-catalogs` into `kiosk/locale/calendar.json`. The memory is part of
bench/ui_bench.py's RSS after a visit in every language; tests/test_i18n.py checks that a year
of dates in each language reads no CLDR data file and says what Babel says, and that
calendar.json is what the pinned Babel has.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import parse_pattern
from babel.localedata import LocaleDataDict

from kiosk_core import dates
from kiosk_core.content.model import DEFAULT_LANGUAGE, LANGUAGES

LOCALE_DIR = Path(__file__).parent.parent / "locale"
"""kiosk/locale: the catalogs and calendar.json (scripts/update-catalogs writes them)."""
CALENDAR_FILE = LOCALE_DIR / "calendar.json"
CALENDAR_KEYS = ("date_formats", "time_formats", "months", "days", "day_periods")
"""The parts of CLDR's data that format_day and format_when use."""
PATTERNS = ("date_formats", "time_formats")


def format_day(day: date, lang: str) -> str:
    """ "sobota, 21 listopada 2026" / "Saturday, November 21, 2026"."""
    return dates.format_day(day, _locale(lang))


def format_when(
    start: datetime | date, end: datetime | date | None, lang: str, tz: ZoneInfo, all_day: bool
) -> str:
    """An event's date and time in the visitor's language, in the kiosk's time zone."""
    return dates.format_when(start, end, _locale(lang), tz, all_day)


def _locale(lang: str) -> Locale:
    return _calendar_locale(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


class _CalendarLocale(Locale):
    """A Babel locale that holds only its calendar words (CALENDAR_KEYS): enough for dates
    in the date_formats and times in the time_formats that name no time zone. Anything else
    (format_datetime, long times, quarters, eras) needs more keys in CALENDAR_KEYS first."""

    def __init__(self, lang: str, words: dict[str, Any]) -> None:
        super().__init__(lang)
        self._words = LocaleDataDict(words)

    @property
    def _data(self) -> LocaleDataDict:
        return self._words


@functools.cache
def _calendar_locale(lang: str) -> Locale:
    words = json.loads(CALENDAR_FILE.read_text(encoding="utf-8"))[lang]  # once a language
    for key in PATTERNS:
        words[key] = {width: parse_pattern(text) for width, text in words[key].items()}
    for key in ("months", "days"):  # JSON keys are strings; CLDR numbers them
        words[key] = {
            context: {
                width: {int(n): name for n, name in names.items()} for width, names in w.items()
            }
            for context, w in words[key].items()
        }
    return _CalendarLocale(lang, words)


def calendar_words(lang: str) -> dict[str, Any]:
    """A language's calendar words from Babel's whole CLDR data, as calendar.json keeps them."""
    locale = Locale.parse(lang)
    words = {key: _plain(getattr(locale, key)) for key in CALENDAR_KEYS}
    for key in PATTERNS:
        words[key] = {width: pattern.pattern for width, pattern in words[key].items()}
    return words


def _plain(value: Any) -> Any:
    """Babel's data without its aliases (resolved) and with JSON's string keys."""
    if isinstance(value, LocaleDataDict | dict):
        return {str(key): _plain(value[key]) for key in value}
    return value


def write_calendar(path: Path = CALENDAR_FILE) -> None:
    words = {lang: calendar_words(lang) for lang in LANGUAGES}
    path.write_text(json.dumps(words, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


_KV_SINGLE = re.compile(r"""\b_\(\s*"((?:[^"\\]|\\.)*)"\s*[,)]""")
_KV_PLURAL = re.compile(r"""\bngettext\(\s*"((?:[^"\\]|\\.)*)"\s*,\s*"((?:[^"\\]|\\.)*)"\s*,""")


def extract_kv(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str | tuple[str, str], list[str]]]:
    """Babel extractor for .kv files: `app._("...")` and `app.ngettext("...", "...", n)`."""
    for lineno, line in enumerate(fileobj.read().decode("utf-8").splitlines(), start=1):
        for match in _KV_SINGLE.finditer(line):
            yield lineno, "_", match.group(1), []
        for match in _KV_PLURAL.finditer(line):
            yield lineno, "ngettext", (match.group(1), match.group(2)), []
