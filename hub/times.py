"""Time as the hub stores it: aware UTC datetimes, ISO 8601 text with an offset.

Times from clients (kiosks, Open311 clients, forms) are taken only between EARLIEST and
LATEST: far wider than any clock a kiosk or a person could mean, far enough inside what
Python's datetime can hold that moving a time by an offset, a day or a query's window never
overflows (year 9999 with a negative offset, year 1 with a positive one, did: 500s).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Annotated

from pydantic import AfterValidator

from hub.errors import Invalid

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""Where an unset clock starts: a kiosk that never synchronised may well say 1970."""
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
"""Nothing the hub deals with lies this far ahead."""
RANGE = f"from {EARLIEST.date()} to {(LATEST - timedelta(days=1)).date()}"


class OutOfRange(Invalid):
    """A time from a client outside EARLIEST..LATEST: a clear 422, never an overflow."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """A naive time from a client is taken as UTC, so comparisons never raise."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def bounded(moment: datetime, what: str = "") -> datetime:
    """A client's time in UTC, or OutOfRange naming `what` (a field). The year is checked
    before converting: an offset is less than a day, so a year inside the range converts."""
    if not (EARLIEST.year <= moment.year < LATEST.year and EARLIEST <= aware(moment) < LATEST):
        raise OutOfRange(_refusal(what, moment.isoformat()))
    return aware(moment)


def bounded_date(day: date, what: str = "") -> date:
    """A client's date, or OutOfRange (see `bounded`)."""
    if not EARLIEST.date() <= day < LATEST.date():
        raise OutOfRange(_refusal(what, day.isoformat()))
    return day


def _refusal(what: str, given: str) -> str:
    return " ".join(filter(None, [what, f"{given} is not a time the hub takes (only {RANGE})"]))


def _client_time(moment: datetime) -> datetime:
    try:
        return bounded(moment)
    except OutOfRange as exc:
        raise ValueError(exc.detail) from None


ClientTime = Annotated[datetime, AfterValidator(_client_time)]
"""A time field of a request body: refused (422) outside EARLIEST..LATEST, else in UTC."""


def local(moment: datetime, zone: tzinfo) -> datetime:
    """`moment` in `zone` for people to read; in UTC if it cannot be moved there (a time at
    the very edge of the calendar, stored before the hub bounded the times it takes)."""
    try:
        return moment.astimezone(zone)
    except (OverflowError, ValueError):
        return moment


def iso(moment: datetime) -> str:
    """`2026-11-21T14:00:00+00:00`: sorts as text, parses back with fromisoformat."""
    return aware(moment).isoformat(timespec="seconds")


def parse(text: str | None) -> datetime | None:
    return aware(datetime.fromisoformat(text)) if text else None


def ceil_hour(moment: datetime) -> datetime:
    """The next whole hour (or `moment` itself if it is one), so a value stays put for an hour."""
    floor = aware(moment).replace(minute=0, second=0, microsecond=0)
    return floor if floor == aware(moment) else floor + timedelta(hours=1)
