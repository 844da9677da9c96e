"""A day and an event's time as a kiosk says them: "sobota, 21 listopada 2026", "niedziela,
20 grudnia 2026, 18:00–20:00".

Shared so that the hub's preview of an event says its time exactly as the kiosk will. Each
program passes its Babel locale: the kiosk one holding only the calendar words it keeps
(kiosk/ui/i18n.py), the hub Babel's own; tests/test_i18n.py checks that the two say the same.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time


def format_day(day: date, locale: Locale) -> str:
    """ "sobota, 21 listopada 2026" / "Saturday, November 21, 2026"."""
    return str(format_date(day, format="full", locale=locale))


def format_when(
    start: datetime | date,
    end: datetime | date | None,
    locale: Locale,
    tz: ZoneInfo,
    all_day: bool,
) -> str:
    """An event's date and time in the locale's language, in the kiosk's time zone."""
    if all_day or not isinstance(start, datetime):
        first = start if not isinstance(start, datetime) else start.date()
        last = end if end is not None and not isinstance(end, datetime) else first
        if last == first:
            return str(format_date(first, format="full", locale=locale))
        return (
            f"{format_date(first, format='long', locale=locale)} – "
            f"{format_date(last, format='long', locale=locale)}"
        )
    begin = start.astimezone(tz)
    day = format_date(begin, format="full", locale=locale)
    text = f"{day}, {format_time(begin, 'short', locale=locale)}"
    if isinstance(end, datetime):
        finish = end.astimezone(tz)
        if finish.date() == begin.date() or finish - begin < timedelta(hours=12):
            text += f"–{format_time(finish, 'short', locale=locale)}"
        else:
            text += (
                f" – {format_date(finish, format='long', locale=locale)}, "
                f"{format_time(finish, 'short', locale=locale)}"
            )
    return text
