"""When events happen, seen from the kiosk's wall clock: today, the coming week, later.

A visitor opening the events sees the first of these lists that has any (not an empty
"Today" when the next events are days away), and a list left empty by its period or
category shows the events after it.

An all-day event lasts whole local days; a timed event without an end lasts until the end
of its local day (a visitor at 18:30 still wants to find the 18:00 concert).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from kiosk_core.content.model import Event

WEEK_DAYS = 7


class When(StrEnum):
    TODAY = "today"
    WEEK = "week"
    LATER = "later"


PERIODS = (When.TODAY, When.WEEK, When.LATER)


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def span(event: Event, tz: ZoneInfo) -> Span:
    """The event's interval as aware datetimes, whatever form its times were given in."""
    start, end = event.start, event.end
    if not isinstance(start, datetime):
        last = end if end is not None and not isinstance(end, datetime) else start
        return Span(_midnight(start, tz), _midnight(last + timedelta(days=1), tz))
    begin = start if start.tzinfo else start.replace(tzinfo=tz)
    if isinstance(end, datetime):
        finish = end if end.tzinfo else end.replace(tzinfo=tz)
    else:
        local_day = begin.astimezone(tz).date()
        finish = _midnight(local_day + timedelta(days=1), tz)
    return Span(begin, finish)


def classify(event: Event, now: datetime, tz: ZoneInfo) -> When | None:
    """Which list the event belongs in at `now`, or None once it is over."""
    s = span(event, tz)
    if s.end <= now:
        return None
    today = now.astimezone(tz).date()
    tomorrow = _midnight(today + timedelta(days=1), tz)
    if s.start < tomorrow:
        return When.TODAY
    if s.start < _midnight(today + timedelta(days=1 + WEEK_DAYS), tz):
        return When.WEEK
    return When.LATER


def upcoming(
    events: Iterable[Event],
    when: When,
    now: datetime,
    tz: ZoneInfo,
    category: str | None = None,
) -> list[Event]:
    """Events in one list, soonest first, optionally of one category."""
    return _in_periods(events, (when,), now, tz, category)


def first_period(
    events: Iterable[Event], now: datetime, tz: ZoneInfo, category: str | None = None
) -> When:
    """The first list with an event in it; today when none has any."""
    found = {classify(e, now, tz) for e in events if category is None or e.category == category}
    return next((when for when in PERIODS if when in found), When.TODAY)


def after(
    events: Iterable[Event],
    when: When,
    now: datetime,
    tz: ZoneInfo,
    category: str | None = None,
) -> list[Event]:
    """Events of the lists after `when`, soonest first: what comes next when it has none."""
    return _in_periods(events, PERIODS[PERIODS.index(when) + 1 :], now, tz, category)


def _in_periods(
    events: Iterable[Event],
    periods: tuple[When, ...],
    now: datetime,
    tz: ZoneInfo,
    category: str | None,
) -> list[Event]:
    chosen = [
        e
        for e in events
        if (category is None or e.category == category) and classify(e, now, tz) in periods
    ]
    return sorted(chosen, key=lambda e: (span(e, tz).start, e.id))
