"""Touch statistics: whole-hour totals from kiosks, aggregated for administrators.

A kiosk sends the total of each finished UTC hour; the hub overwrites (kiosk, hour, metric,
key) with it, so sending an hour again never double counts. Each row also carries the hour
in the municipality's time zone, so "a day" in an export is a local day. The local-day
totals are kept in `stats_daily`, recomputed for the days an upload touches, so a year's
daily or monthly export reads one row per kiosk, day and key instead of twenty-four.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, Field
from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    bindparam,
    case,
    delete,
    func,
    literal,
    select,
    update,
)

from hub.db import stats, stats_daily, upsert
from hub.errors import Invalid, NotFound
from hub.fleet.kiosks import Kiosk, get_kiosk, list_kiosks
from hub.times import ClientTime, OutOfRange, bounded, bounded_date, iso

HOUR_FORMAT = "%Y-%m-%dT%H"
PERIODS = ("hour", "day", "month")


def _check_hour(value: str) -> str:
    try:
        moment = datetime.strptime(value, HOUR_FORMAT)
    except ValueError as exc:
        raise ValueError("hour must be a UTC hour like 2026-11-21T13") from exc
    try:
        bounded(moment.replace(tzinfo=UTC))
    except OutOfRange as exc:
        raise ValueError(exc.detail) from None
    return value


def clean_key(key: str) -> str:
    """A key as a spreadsheet can hold it: each control character (and lone surrogate)
    becomes U+FFFD, visible and still telling keys apart, instead of refusing the upload
    (the kiosk would send the same hours again and again) or breaking the XLSX export."""
    if key.isprintable():
        return key
    return "".join("\ufffd" if unicodedata.category(c) in ("Cc", "Cs") else c for c in key)


class HourCount(BaseModel):
    hour: Annotated[str, Field(min_length=13, max_length=13), AfterValidator(_check_hour)]
    metric: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
    key: Annotated[str, Field(max_length=200)] = ""
    count: Annotated[int, Field(ge=0, le=2**40)]
    clock_synced: bool = True


class StatsUpload(BaseModel):
    sent_at: ClientTime | None = None
    hours: Annotated[list[HourCount], Field(max_length=50_000)]


@lru_cache(maxsize=65536)
def local_hour(hour: str, timezone: str) -> str:
    """The UTC hour `2026-11-21T23` as the same text in the local zone: `2026-11-22T00`."""
    moment = datetime.strptime(hour, HOUR_FORMAT).replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).strftime(HOUR_FORMAT)


def utc_hours_of(day: str, timezone: str) -> tuple[str, str]:
    """The UTC hours [first, end) that make up local day `day`, as stored hour text."""
    zone = ZoneInfo(timezone)
    midnight = datetime.fromisoformat(day)
    start = midnight.replace(tzinfo=zone).astimezone(UTC)
    end = (midnight + timedelta(days=1)).replace(tzinfo=zone).astimezone(UTC)
    return start.strftime(HOUR_FORMAT), end.strftime(HOUR_FORMAT)


def _all_synced(clock_synced):
    """Whether every row in a group was counted with a synchronised clock (a boolean in
    PostgreSQL too, where MIN() of booleans does not exist)."""
    return func.min(case((clock_synced, 1), else_=0)) == 1


_SYNCED = _all_synced(stats.c.clock_synced)
_DAILY_COLUMNS = ["kiosk_id", "day", "metric", "key", "count", "clock_synced"]


def store_hours(
    conn: Connection, kiosk_id: str, hours: list[HourCount], timezone: str, now: datetime
) -> int:
    """Overwrite each (kiosk, hour, metric, key) with its total; returns how many. Keys
    that are the same once cleaned (`clean_key`) are one key: their counts are added."""
    received = iso(now)
    latest = {(h.hour, h.metric, h.key): h for h in hours}  # the last of duplicates wins
    rows: dict[tuple[str, str, str], dict] = {}
    for h in latest.values():
        key = clean_key(h.key)
        row = rows.get((h.hour, h.metric, key))
        if row is not None:
            row["count"] += h.count
            row["clock_synced"] = row["clock_synced"] and h.clock_synced
            continue
        rows[(h.hour, h.metric, key)] = {
            "kiosk_id": kiosk_id,
            "hour": h.hour,
            "metric": h.metric,
            "key": key,
            "count": h.count,
            "clock_synced": h.clock_synced,
            "local_hour": local_hour(h.hour, timezone),
            "received": received,
        }
    stored = upsert(conn, stats, rows.values(), ("kiosk_id", "hour", "metric", "key"))
    for day in sorted({r["local_hour"][:10] for r in rows.values()}):
        _rebuild_day(conn, kiosk_id, day, timezone)
    return stored


def _rebuild_day(conn: Connection, kiosk_id: str, day: str, timezone: str) -> None:
    first, end = utc_hours_of(day, timezone)
    conn.execute(
        delete(stats_daily).where(stats_daily.c.kiosk_id == kiosk_id, stats_daily.c.day == day)
    )
    totals = (
        select(
            stats.c.kiosk_id,
            literal(day),
            stats.c.metric,
            stats.c.key,
            func.sum(stats.c.count),
            _SYNCED,
        )
        .where(stats.c.kiosk_id == kiosk_id, stats.c.hour >= first, stats.c.hour < end)
        .group_by(stats.c.kiosk_id, stats.c.metric, stats.c.key)
    )
    conn.execute(stats_daily.insert().from_select(_DAILY_COLUMNS, totals))


def rebuild(conn: Connection, timezone: str | None = None) -> None:
    """Recompute the local-day totals from the hours; with `timezone`, first the local
    hours themselves (after the municipality's zone setting changed)."""
    if timezone is not None:
        pairs = conn.execute(select(stats.c.kiosk_id, stats.c.hour).distinct()).all()
        if pairs:
            conn.execute(
                update(stats)
                .where(stats.c.kiosk_id == bindparam("k"), stats.c.hour == bindparam("h"))
                .values(local_hour=bindparam("local")),
                [{"k": k, "h": h, "local": local_hour(h, timezone)} for k, h in pairs],
            )
    conn.execute(delete(stats_daily))
    day = func.substr(stats.c.local_hour, 1, 10)
    totals = select(
        stats.c.kiosk_id, day, stats.c.metric, stats.c.key, func.sum(stats.c.count), _SYNCED
    ).group_by(stats.c.kiosk_id, day, stats.c.metric, stats.c.key)
    conn.execute(stats_daily.insert().from_select(_DAILY_COLUMNS, totals))


@dataclass(frozen=True)
class ExportRow:
    kiosk: Kiosk
    period: str
    metric: str
    key: str
    count: int
    clock_synced: bool
    """False if any hour in the period was counted before the kiosk's clock was set."""


def period_source(by: str) -> tuple[Table, ColumnElement, ColumnElement]:
    """Where totals by `by` are summed from: the table (the hours for `hour`, else the
    local-day totals), its period column, and the local-date column a period filters on."""
    if by == "hour":
        return stats, stats.c.local_hour, stats.c.local_hour
    day = stats_daily.c.day
    return stats_daily, day if by == "day" else func.substr(day, 1, 7), day


def within(dated: ColumnElement, start: date, end: date) -> list[ColumnElement]:
    """`dated` (local date or hour text) on local dates start..end, inclusive."""
    return [dated >= start.isoformat(), dated < (end + timedelta(days=1)).isoformat()]


def _query(start: date, end: date, by: str):
    """Totals per kiosk, period, metric and key: from hours for `hour`, else from days."""
    table, period, dated = period_source(by)
    period = period.label("period")
    cols = table.c
    synced = _all_synced(cols.clock_synced)
    return (
        select(cols.kiosk_id, period, cols.metric, cols.key, func.sum(cols.count), synced)
        .where(*within(dated, start, end))
        .group_by(cols.kiosk_id, period, cols.metric, cols.key)
        .order_by(cols.kiosk_id, period, cols.metric, cols.key)
    ), cols


def _label(period: str, by: str) -> str:
    return f"{period[:10]} {period[11:13]}:00" if by == "hour" else period


def kiosks_in(
    conn: Connection, kiosk_id: str | None = None, group: str | None = None
) -> list[str] | None:
    """The kiosks a selection covers: one kiosk, the kiosks of a group, or None for all.

    Groups live as JSON in the kiosk registry, so they are resolved here (a hundred rows)
    and the statistics queries filter with `kiosk_id IN (...)`."""
    if kiosk_id is not None and group is not None:
        raise Invalid("choose one kiosk or one group, not both")
    if kiosk_id is not None:
        get_kiosk(conn, kiosk_id)
        return [kiosk_id]
    if group is not None:
        ids = [k.id for k in list_kiosks(conn) if group in k.groups]
        if not ids:
            raise NotFound(f"no kiosk is in the group {group!r}")
        return ids
    return None


def aggregate(
    conn: Connection,
    start: date,
    end: date,
    by: str = "day",
    kiosk_id: str | None = None,
    group: str | None = None,
    metric: str | None = None,
) -> list[ExportRow]:
    """Totals per kiosk, period, metric and key for local dates start..end (inclusive),
    of one kiosk or a group's kiosks, of one metric or all."""
    if by not in PERIODS:
        raise Invalid(f"by must be one of {', '.join(PERIODS)}, not {by!r}")
    bounded_date(start, "from")
    bounded_date(end, "to")
    if end < start:
        raise Invalid(f"the period ends ({end}) before it starts ({start})")
    scope = kiosks_in(conn, kiosk_id, group)
    query, cols = _query(start, end, by)
    if scope is not None:
        query = query.where(cols.kiosk_id.in_(scope))
    if metric is not None:
        query = query.where(cols.metric == metric)
    kiosks = {k.id: k for k in list_kiosks(conn)}
    labels: dict[str, str] = {}
    out = []
    for kiosk, slot, metric, key, total, synced in conn.execute(query):
        label = labels.get(slot)
        if label is None:
            label = labels[slot] = _label(slot, by)
        out.append(ExportRow(kiosks[kiosk], label, metric, key, int(total), bool(synced)))
    return out
