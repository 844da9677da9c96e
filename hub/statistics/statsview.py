"""What the statistics page shows: a selection read from a form, and its totals over time,
per kiosk and per key (screen, item, search text), all summed in the database.

A selection is a period of local dates, a granularity (hour, day, month), one metric and
all kiosks, one kiosk or a kiosk group. The page, its chart and its downloads all come from
the same `Selection`, so a download holds exactly what the page showed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import Connection, func, select

from hub.db import stats_daily
from hub.errors import NotFound
from hub.fleet.kiosks import Kiosk, list_kiosks
from hub.statistics.stats import (
    HOUR_FORMAT,
    PERIODS,
    kiosks_in,
    local_hour,
    period_source,
    utc_hours_of,
    within,
)
from kiosk_core.i18n import N_

METRICS = ("touch", "session", "view", "search_miss")
"""What kiosks count (kiosk/visit/touchstats.py), in the order the form offers them."""
METRIC_NAMES = {
    "touch": N_("Touches"),
    "session": N_("Sessions"),
    "view": N_("Item views"),
    "search_miss": N_("Searches with no result"),
}
NOTHING_RECORDED = {
    "touch": N_("No touches were recorded in this period."),
    "session": N_("No sessions were recorded in this period."),
    "view": N_("No item views were recorded in this period."),
    "search_miss": N_("No searches without a result were recorded in this period."),
}
MAX_DAYS = {"hour": 93, "day": 731}
"""The longest period per granularity: a page of 2,232 hours or two years of days stays
light; a longer period is what `month` is for."""
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
DEFAULT_DAYS = 30
TOP_KEYS = 20
FILE_WORDS = {"hour": "godzina", "day": "dzien", "month": "miesiac"}
"""Granularity in the download's file name: Polish, as the town hall files it, in ASCII."""
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ECHO = 80
"""How much of a rejected value a message repeats."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a selection: an English msgid with `{name}` fields."""

    message: str
    values: dict[str, str | int] = field(default_factory=dict)


class SelectionError(Exception):
    """The form's values cannot be shown; `problems` says every reason at once."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Selection:
    start: date
    end: date
    by: str = "day"
    metric: str = "touch"
    kiosk: str | None = None
    group: str | None = None

    @property
    def scope(self) -> str:
        """The form's kiosk-or-group value: "", "kiosk:<id>" or "group:<name>"."""
        if self.kiosk is not None:
            return f"kiosk:{self.kiosk}"
        if self.group is not None:
            return f"group:{self.group}"
        return ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def params(self) -> dict[str, str]:
        """The query string that selects this again (for the download links)."""
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "scope": self.scope,
            "by": self.by,
            "metric": self.metric,
        }

    def query(self) -> str:
        return urlencode(self.params())

    def filename(self, fmt: str) -> str:
        """`statystyki-2026-10-22_2026-11-21-dzien.csv`, plus the kiosk or group and the
        metric when they are not all kiosks and touches."""
        parts = ["statystyki", f"{self.start}_{self.end}", FILE_WORDS[self.by]]
        if self.kiosk is not None:
            parts.append(self.kiosk)
        if self.group is not None:
            parts.append(f"grupa-{self.group}")
        if self.metric != "touch":
            parts.append(self.metric.replace("_", "-"))
        return "-".join(parts) + f".{fmt}"


def default_selection(today: date) -> Selection:
    """Today and the 30 days before it (2026-10-22 to 2026-11-21), by day, touches at
    every kiosk."""
    return Selection(today - timedelta(days=DEFAULT_DAYS), today)


def _echo(value: str) -> str:
    return value if len(value) <= _ECHO else value[:_ECHO] + "…"


def _read_date(raw: str | None, fallback: date, which: str, problems: list[Problem]) -> date:
    if raw is None:
        return fallback
    raw = raw.strip()
    if not raw:
        problems.append(
            Problem(N_("Enter the start date.") if which == "from" else N_("Enter the end date."))
        )
        return fallback
    try:
        if not _DATE.match(raw):
            raise ValueError(raw)
        value = date.fromisoformat(raw)
    except ValueError:
        problems.append(
            Problem(N_("“{value}” is not a date. Write it like 2026-11-21."), {"value": _echo(raw)})
        )
        return fallback
    if not FIRST_DAY <= value <= LAST_DAY:
        problems.append(
            Problem(
                N_("Choose dates from {first} to {last}."),
                {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
            )
        )
        return fallback
    return value


def read_selection(conn: Connection, params: Mapping[str, str], today: date) -> Selection:
    """The selection a form asks for; missing fields take the defaults. Raises
    SelectionError with every problem (bad dates, wrong order, a period too long for its
    granularity, an unknown kiosk or group) so the page can show them all."""
    default = default_selection(today)
    problems: list[Problem] = []
    start = _read_date(params.get("from"), default.start, "from", problems)
    end = _read_date(params.get("to"), default.end, "to", problems)
    dates_read = not problems
    by = params.get("by") or default.by
    if by not in PERIODS:
        problems.append(Problem(N_("Choose hours, days or months.")))
        by = default.by
    metric = params.get("metric") or default.metric
    if metric not in METRICS:
        problems.append(Problem(N_("Choose what to count from the list.")))
        metric = default.metric
    if dates_read and end < start:
        problems.append(
            Problem(
                N_("The period ends ({end}) before it starts ({start})."),
                {"start": start.isoformat(), "end": end.isoformat()},
            )
        )
    elif dates_read and by in MAX_DAYS and (end - start).days + 1 > MAX_DAYS[by]:
        chosen = (end - start).days + 1
        message = {
            "hour": N_(
                "By hour, choose at most {max} days (you chose {days}). "
                "Choose a shorter period, or days instead of hours."
            ),
            "day": N_(
                "By day, choose at most {max} days (you chose {days}). "
                "Choose a shorter period, or months instead of days."
            ),
        }[by]
        problems.append(Problem(message, {"max": MAX_DAYS[by], "days": chosen}))
    kiosk, group = _read_scope(conn, params.get("scope") or "", problems)
    if problems:
        raise SelectionError(problems)
    return Selection(start, end, by, metric, kiosk, group)


def _read_scope(
    conn: Connection, scope: str, problems: list[Problem]
) -> tuple[str | None, str | None]:
    kind, _, name = scope.partition(":")
    kiosk = name if kind == "kiosk" else None
    group = name if kind == "group" else None
    if scope and (not name or kind not in ("kiosk", "group")):
        problems.append(Problem(N_("Choose the kiosks from the list.")))
        return None, None
    try:
        kiosks_in(conn, kiosk, group)
    except NotFound:
        message = (
            N_("There is no kiosk “{name}”.")
            if kind == "kiosk"
            else N_("No kiosk is in the group “{name}”.")
        )
        problems.append(Problem(message, {"name": _echo(name)}))
        return None, None
    return kiosk, group


@dataclass(frozen=True)
class Choices:
    """What the form's kiosk list offers."""

    kiosks: list[Kiosk]
    groups: list[tuple[str, int]]
    """Each group with how many kiosks are in it, by name."""


def choices(conn: Connection) -> Choices:
    kiosks = list_kiosks(conn)
    sizes: dict[str, int] = {}
    for kiosk in kiosks:
        for group in kiosk.groups:
            sizes[group] = sizes.get(group, 0) + 1
    return Choices(kiosks, sorted(sizes.items()))


@dataclass(frozen=True)
class Overview:
    selection: Selection
    series: list[tuple[str, int]]
    """Every period of the selection in order (`2026-11-21T14`, `2026-11-21`, `2026-11`),
    periods with nothing recorded included as 0, so a chart shows the gaps."""
    kiosks: list[tuple[Kiosk, int]]
    """Every kiosk of the selection with its total, most first (none recorded: 0)."""
    keys: list[tuple[str, int]]
    """The TOP_KEYS keys (screen, item, search text) with the highest totals, most first."""
    more_keys: int
    """How many other keys there are (they are in the download)."""
    total: int

    @property
    def empty(self) -> bool:
        return self.total == 0

    @property
    def peak(self) -> tuple[str, int] | None:
        """The period with the highest total (the first of equals), or None if empty."""
        return None if self.empty else max(self.series, key=lambda pair: pair[1])


def periods(sel: Selection, timezone: str) -> list[str]:
    """Every local hour, day or month of the selection, as the statistics tables spell them.

    Hours come from the UTC hours of the local days, so a day when clocks go forward has 23
    and the day they go back has the repeated hour once (its two UTC hours add up there,
    as in the export)."""
    if sel.by == "hour":
        first, _ = utc_hours_of(sel.start.isoformat(), timezone)
        _, end = utc_hours_of(sel.end.isoformat(), timezone)
        moment = datetime.strptime(first, HOUR_FORMAT).replace(tzinfo=UTC)
        stop = datetime.strptime(end, HOUR_FORMAT).replace(tzinfo=UTC)
        out: dict[str, None] = {}
        while moment < stop:
            out[local_hour(moment.strftime(HOUR_FORMAT), timezone)] = None
            moment += timedelta(hours=1)
        return list(out)
    days = [sel.start + timedelta(days=i) for i in range(sel.days)]
    if sel.by == "day":
        return [d.isoformat() for d in days]
    return list(dict.fromkeys(d.isoformat()[:7] for d in days))


def _where(table, sel: Selection, scope: list[str] | None, dated) -> list:
    conditions = [*within(dated, sel.start, sel.end), table.c.metric == sel.metric]
    if scope is not None:
        conditions.append(table.c.kiosk_id.in_(scope))
    return conditions


def series(conn: Connection, sel: Selection, scope: list[str] | None) -> dict[str, int]:
    """The selection's totals per local hour, day or month, summed in the database: from the
    hourly rows for hours, from the local-day totals otherwise."""
    table, period, dated = period_source(sel.by)
    query = select(period, func.sum(table.c.count)).where(*_where(table, sel, scope, dated))
    return {p: int(n) for p, n in conn.execute(query.group_by(period))}


def overview(conn: Connection, sel: Selection, timezone: str) -> Overview:
    """Everything the statistics page shows for `sel` (already read by read_selection)."""
    scope = kiosks_in(conn, sel.kiosk, sel.group)
    counted = series(conn, sel, scope)
    points = [(p, counted.pop(p, 0)) for p in periods(sel, timezone)]
    daily = _where(stats_daily, sel, scope, stats_daily.c.day)
    total_col = func.sum(stats_daily.c.count).label("total")
    per_kiosk = dict(
        conn.execute(
            select(stats_daily.c.kiosk_id, total_col).where(*daily).group_by(stats_daily.c.kiosk_id)
        ).all()
    )
    wanted = set(scope) if scope is not None else None
    kiosks = [
        (k, int(per_kiosk.get(k.id, 0)))
        for k in list_kiosks(conn)
        if wanted is None or k.id in wanted
    ]
    kiosks.sort(key=lambda pair: (-pair[1], pair[0].name.casefold(), pair[0].id))
    top = conn.execute(
        select(stats_daily.c.key, total_col)
        .where(*daily)
        .group_by(stats_daily.c.key)
        .order_by(total_col.desc(), stats_daily.c.key)
        .limit(TOP_KEYS)
    ).all()
    distinct = conn.execute(
        select(func.count(func.distinct(stats_daily.c.key))).where(*daily)
    ).scalar_one()
    return Overview(
        selection=sel,
        series=points,
        kiosks=kiosks,
        keys=[(key, int(n)) for key, n in top],
        more_keys=max(0, int(distinct) - len(top)),
        total=sum(n for _, n in points),
    )
