"""Time as the hub stores it: aware UTC datetimes, ISO 8601 text with an offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """A naive time from a client is taken as UTC, so comparisons never raise."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    """`2026-11-21T14:00:00+00:00`: sorts as text, parses back with fromisoformat."""
    return aware(moment).isoformat(timespec="seconds")


def parse(text: str | None) -> datetime | None:
    return aware(datetime.fromisoformat(text)) if text else None


def ceil_hour(moment: datetime) -> datetime:
    """The next whole hour (or `moment` itself if it is one), so a value stays put for an hour."""
    floor = aware(moment).replace(minute=0, second=0, microsecond=0)
    return floor if floor == aware(moment) else floor + timedelta(hours=1)
