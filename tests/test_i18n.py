"""The UI's own texts: every message translated in every language, dates said properly."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.extract import extract_from_dir

from kiosk.ui.i18n import CALENDAR_FILE, LOCALE_DIR, calendar_words, format_when
from kiosk_core import dates
from kiosk_core.content.model import LANGUAGES
from kiosk_core.i18n import Translator

REPO = Path(__file__).resolve().parent.parent
WARSAW = ZoneInfo("Europe/Warsaw")


def source_messages() -> set[str]:
    method_map = [("kiosk/**.py", "python"), ("kiosk/**.kv", "kiosk.ui.i18n:extract_kv")]
    found = extract_from_dir(
        str(REPO), method_map, keywords={"_": None, "N_": None, "ngettext": (1, 2)}
    )
    return {m[2] if isinstance(m[2], str) else m[2][0] for m in found}


@pytest.mark.parametrize("lang", ["pl", "de", "cs", "uk"])
def test_every_ui_message_is_translated(lang: str) -> None:
    translator = Translator(LOCALE_DIR)
    catalog = translator.catalog(lang)
    missing = sorted(source_messages() - set(catalog))
    assert missing == [], f"untranslated in {lang}.po (run scripts/update-catalogs): {missing}"


def test_plural_forms_follow_each_language() -> None:
    t = Translator(LOCALE_DIR)
    seconds = "Returning to the start in {n} second.", "Returning to the start in {n} seconds."
    pl = [t.ngettext(*seconds, n, "pl").format(n=n) for n in (1, 3, 5, 22)]
    assert "1 sekundę" in pl[0]
    assert "3 sekundy" in pl[1]
    assert "5 sekund" in pl[2] and "5 sekundy" not in pl[2]
    assert "22 sekundy" in pl[3]
    assert t.ngettext(*seconds, 5, "en").format(n=5) == "Returning to the start in 5 seconds."


def test_unknown_message_falls_back_to_english() -> None:
    assert Translator(LOCALE_DIR).gettext("Not in any catalog", "pl") == "Not in any catalog"


def test_catalogs_exist_for_every_non_english_language() -> None:
    assert sorted(p.stem for p in LOCALE_DIR.glob("*.po")) == ["cs", "de", "pl", "uk"]


def test_event_times_in_the_visitors_language() -> None:
    start = datetime(2026, 12, 20, 18, 0, tzinfo=WARSAW)
    end = datetime(2026, 12, 20, 20, 0, tzinfo=WARSAW)
    assert format_when(start, end, "pl", WARSAW, False) == "niedziela, 20 grudnia 2026, 18:00–20:00"
    assert format_when(start, end, "de", WARSAW, False) == (
        "Sonntag, 20. Dezember 2026, 18:00–20:00"
    )
    assert format_when(date(2026, 12, 12), date(2026, 12, 13), "en", WARSAW, True) == (
        "December 12, 2026 – December 13, 2026"
    )
    # a time stored in UTC is shown on the kiosk's clock
    utc = datetime(2026, 12, 20, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert format_when(utc, None, "uk", WARSAW, False).endswith("18:00")


def test_the_kiosks_calendar_words_are_babels() -> None:
    """calendar.json is what the pinned Babel says; after upgrading Babel, run
    scripts/update-catalogs."""
    kept = json.loads(CALENDAR_FILE.read_text(encoding="utf-8"))
    assert sorted(kept) == sorted(LANGUAGES)
    for lang in LANGUAGES:
        assert kept[lang] == calendar_words(lang), f"{lang}: run scripts/update-catalogs"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_dates_from_the_calendar_words_are_babels_own(lang: str) -> None:
    """Every day of a year, with times at each hour, said as Babel says it with all of
    CLDR's data, in a process that never loads that data; and as the hub's preview of an
    event says it (kiosk_core.dates with Babel's whole locale)."""
    script = f"""
import json, sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo
from kiosk.ui.i18n import format_day, format_when
tz = ZoneInfo("Europe/Warsaw")
said = []
for n in range(366):
    day = date(2026, 1, 1) + timedelta(days=n)
    start = datetime(day.year, day.month, day.day, n % 24, 30, tzinfo=tz)
    said.append(format_day(day, {lang!r}))
    said.append(format_when(start, start + timedelta(hours=2), {lang!r}, tz, False))
    said.append(format_when(start, start + timedelta(days=3), {lang!r}, tz, False))
    said.append(format_when(day, day + timedelta(days=2), {lang!r}, tz, True))
import babel.localedata
print(json.dumps([said, sorted(babel.localedata._cache)]))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    said, loaded = json.loads(done.stdout)
    assert loaded == []  # no CLDR data file was read
    tz = ZoneInfo("Europe/Warsaw")
    full = Locale.parse(lang)
    expected, hub = [], []
    for n in range(366):
        day = date(2026, 1, 1) + timedelta(days=n)
        start = datetime(day.year, day.month, day.day, n % 24, 30, tzinfo=tz)
        end, later = start + timedelta(hours=2), start + timedelta(days=3)
        hub.append(dates.format_day(day, full))
        hub.append(dates.format_when(start, end, full, tz, False))
        hub.append(dates.format_when(start, later, full, tz, False))
        hub.append(dates.format_when(day, day + timedelta(days=2), full, tz, True))
        expected.append(format_date(day, format="full", locale=full))
        expected.append(
            f"{format_date(start, format='full', locale=full)}, "
            f"{format_time(start, 'short', locale=full)}–{format_time(end, 'short', locale=full)}"
        )
        expected.append(
            f"{format_date(start, format='full', locale=full)}, "
            f"{format_time(start, 'short', locale=full)} – "
            f"{format_date(later, format='long', locale=full)}, "
            f"{format_time(later, 'short', locale=full)}"
        )
        expected.append(
            f"{format_date(day, format='long', locale=full)} – "
            f"{format_date(day + timedelta(days=2), format='long', locale=full)}"
        )
    assert said == expected == hub
