"""When the display is on: opening hours per weekday, in the kiosk's local time.

A period may run past midnight (`from = "18:00", to = "02:00"`); no periods means always on.
Outside the hours the display goes off only when the kiosk is at rest, never under a
visitor's finger, and a touch brings it back for as long as someone uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleError(ValueError):
    """A period that cannot be understood; the message says which part."""


def parse_days(text: str) -> frozenset[int]:
    """ "mon-fri", "sat,sun", "daily" or "mon,wed-fri" as weekday numbers (Monday is 0)."""
    text = text.strip().lower()
    if text in ("daily", "all", "*"):
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        try:
            start = DAYS.index(first.strip())
            end = DAYS.index(last.strip()) if last else start
        except ValueError:
            raise ScheduleError(f"{part.strip()!r}: use mon, tue, … sun, ranges or daily") from None
        days.update((start + i) % 7 for i in range((end - start) % 7 + 1))
    return frozenset(days)


def parse_time(text: str) -> time:
    try:
        hours, minutes = (int(p) for p in text.strip().split(":"))
    except ValueError:
        raise ScheduleError(f"{text!r}: give a time as HH:MM") from None
    if hours == 24 and minutes == 0:
        return time(23, 59, 59, 999999)
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ScheduleError(f"{text!r}: not a time of day")
    return time(hours, minutes)


@dataclass(frozen=True)
class Period:
    days: frozenset[int]
    start: time
    end: time

    @classmethod
    def parse(cls, days: str, start: str, end: str) -> Period:
        period = cls(parse_days(days), parse_time(start), parse_time(end))
        if period.start == period.end:
            raise ScheduleError(f"{start}–{end}: an empty period (use daily 00:00–24:00)")
        return period

    def covers(self, moment: datetime) -> bool:
        clock = moment.time()
        day = moment.weekday()
        if self.start < self.end:
            return day in self.days and self.start <= clock < self.end
        # Past midnight: the evening part on its own day, the early part on the next day.
        yesterday = (day - 1) % 7
        return (day in self.days and clock >= self.start) or (
            yesterday in self.days and clock < self.end
        )


@dataclass(frozen=True)
class DisplaySchedule:
    periods: tuple[Period, ...] = ()

    def is_on(self, local: datetime) -> bool:
        """Whether the schedule wants the display on at this local time."""
        return not self.periods or any(p.covers(local) for p in self.periods)


def display_wanted(
    schedule: DisplaySchedule, local: datetime, resting: bool, rested_for: float, grace: float
) -> bool:
    """On within the hours; outside them, on while a visitor is here and `grace` seconds
    after the idle reset (so the reset itself is not the last thing seen)."""
    if schedule.is_on(local):
        return True
    return not resting or rested_for < grace
