"""The display schedule: opening hours per weekday, past midnight, and the visitor first."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.appliance.schedule import (
    DisplaySchedule,
    Period,
    ScheduleError,
    display_wanted,
    parse_days,
)

# 2026-11-23 is a Monday.
MON = datetime(2026, 11, 23, 12, 0)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return MON.replace(day=23 + day, hour=hour, minute=minute)


def test_days() -> None:
    assert parse_days("mon-fri") == {0, 1, 2, 3, 4}
    assert parse_days("sat,sun") == {5, 6}
    assert parse_days("fri-mon") == {4, 5, 6, 0}
    assert parse_days("daily") == set(range(7))
    assert parse_days("mon, wed-thu") == {0, 2, 3}
    with pytest.raises(ScheduleError, match="monday"):
        parse_days("monday")


def test_weekday_hours() -> None:
    schedule = DisplaySchedule(
        (Period.parse("mon-fri", "07:00", "20:00"), Period.parse("sat", "09:00", "14:00"))
    )
    assert schedule.is_on(at(0, 7))
    assert not schedule.is_on(at(0, 6, 59))
    assert not schedule.is_on(at(0, 20))
    assert schedule.is_on(at(5, 13, 59))
    assert not schedule.is_on(at(6, 12))  # Sunday
    assert DisplaySchedule().is_on(at(6, 3))  # no periods: always on


def test_a_period_past_midnight_belongs_to_the_day_it_starts() -> None:
    schedule = DisplaySchedule((Period.parse("fri", "18:00", "02:00"),))
    assert schedule.is_on(at(4, 23))  # Friday night
    assert schedule.is_on(at(5, 1, 59))  # early Saturday
    assert not schedule.is_on(at(5, 2))
    assert not schedule.is_on(at(0, 1))  # early Monday: Sunday has no period
    assert DisplaySchedule((Period.parse("daily", "00:00", "24:00"),)).is_on(at(2, 23, 59))


@pytest.mark.parametrize(("start", "end"), [("7", "20:00"), ("25:00", "26:00"), ("08:00", "08:00")])
def test_bad_times(start: str, end: str) -> None:
    with pytest.raises(ScheduleError):
        Period.parse("daily", start, end)


def test_off_hours_wait_for_the_visitor_and_the_grace_after_the_reset() -> None:
    schedule = DisplaySchedule((Period.parse("daily", "07:00", "20:00"),))
    night = at(1, 22)
    assert display_wanted(schedule, night, resting=False, rested_for=0, grace=60)
    assert display_wanted(schedule, night, resting=True, rested_for=30, grace=60)
    assert not display_wanted(schedule, night, resting=True, rested_for=61, grace=60)
    assert display_wanted(schedule, at(1, 12), resting=True, rested_for=9999, grace=60)
