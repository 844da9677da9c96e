"""Which events are today, this week or later, on the kiosk's own wall clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from kiosk.visit.agenda import When, after, classify, first_period, upcoming
from kiosk_core.content.model import Event

WARSAW = ZoneInfo("Europe/Warsaw")


def event(id_: str, start, end=None, all_day: bool = False, category: str | None = None) -> Event:
    return Event(
        id=id_, title={"pl": id_}, start=start, end=end, all_day=all_day, category=category
    )


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=WARSAW)


NOW = at(2026, 11, 21, 10, 0)  # a Saturday morning


def test_today_week_later_and_past() -> None:
    events = [
        event("past", at(2026, 11, 20, 18), at(2026, 11, 20, 20)),
        event("tonight", at(2026, 11, 21, 18), at(2026, 11, 21, 20)),
        event("tomorrow", at(2026, 11, 22, 11)),
        event("in-7-days", at(2026, 11, 28, 23, 30)),
        event("in-8-days", at(2026, 11, 29, 9)),
        event("christmas", date(2026, 12, 24), all_day=True),
    ]
    assert [e.id for e in upcoming(events, When.TODAY, NOW, WARSAW)] == ["tonight"]
    assert [e.id for e in upcoming(events, When.WEEK, NOW, WARSAW)] == ["tomorrow", "in-7-days"]
    assert [e.id for e in upcoming(events, When.LATER, NOW, WARSAW)] == ["in-8-days", "christmas"]
    assert classify(events[0], NOW, WARSAW) is None


def test_multi_day_event_spanning_today_is_today() -> None:
    fair = event("fair", date(2026, 11, 20), date(2026, 11, 22), all_day=True)
    assert classify(fair, NOW, WARSAW) is When.TODAY
    assert classify(fair, at(2026, 11, 23, 0, 1), WARSAW) is None


def test_an_event_without_end_stays_listed_until_midnight() -> None:
    concert = event("concert", at(2026, 11, 21, 18))
    assert classify(concert, at(2026, 11, 21, 19, 30), WARSAW) is When.TODAY
    assert classify(concert, at(2026, 11, 22, 0, 0), WARSAW) is None


def test_today_is_the_kiosks_local_day_not_utc() -> None:
    # 23:30 in Warsaw is 22:30 UTC: an event at 23:45 local is still "today"
    late = at(2026, 11, 21, 23, 30).astimezone(UTC)
    ev = event("late", at(2026, 11, 21, 23, 45), at(2026, 11, 22, 1, 0))
    assert classify(ev, late, WARSAW) is When.TODAY
    # an event at 00:30 local on the 22nd is tomorrow, though still the 21st in UTC
    ev2 = event("after-midnight", at(2026, 11, 22, 0, 30), at(2026, 11, 22, 1, 30))
    assert classify(ev2, late, WARSAW) is When.WEEK


def test_all_day_event_across_daylight_saving_change() -> None:
    ev = event("spring", date(2027, 3, 28), all_day=True)  # clocks go forward that night
    assert classify(ev, at(2027, 3, 28, 23, 59), WARSAW) is When.TODAY
    assert classify(ev, at(2027, 3, 29, 0, 0), WARSAW) is None


def test_category_filter() -> None:
    events = [
        event("a", at(2026, 11, 21, 12), category="sport"),
        event("b", at(2026, 11, 21, 13), category="kultura"),
    ]
    assert [e.id for e in upcoming(events, When.TODAY, NOW, WARSAW, "kultura")] == ["b"]


def test_the_events_open_on_the_first_list_with_events_and_an_empty_one_shows_what_is_next():
    events = [
        event("sunday-fair", date(2026, 11, 22), all_day=True, category="targi"),
        event("concert", at(2026, 12, 5, 18), category="kultura"),
        event("choir", at(2026, 12, 6, 18), category="kultura"),
    ]
    assert first_period(events, NOW, WARSAW) is When.WEEK  # nothing today: the coming week
    assert first_period(events, NOW, WARSAW, "kultura") is When.LATER
    assert first_period([], NOW, WARSAW) is When.TODAY
    assert [e.id for e in after(events, When.TODAY, NOW, WARSAW)] == [
        "sunday-fair",
        "concert",
        "choir",
    ]
    assert [e.id for e in after(events, When.WEEK, NOW, WARSAW, "kultura")] == ["concert", "choir"]
    assert after(events, When.LATER, NOW, WARSAW) == []
