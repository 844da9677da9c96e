"""The statistics page for administrators: a period, kiosks, granularity and metric in a
form; charts and tables of the totals; CSV and XLSX downloads of exactly that selection."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Annotated
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton
from babel.numbers import format_percent
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hub.accounts.session import Staff, staff_page
from hub.statistics import charts, export, statsview
from hub.statistics.stats import aggregate
from hub.statistics.statsview import (
    METRIC_NAMES,
    NOTHING_RECORDED,
    Overview,
    Selection,
    SelectionError,
)
from hub.web.templating import gettext, render
from kiosk_core.i18n import N_

router = APIRouter(include_in_schema=False)
Admin = Annotated[Staff, Depends(staff_page("admin"))]
FIELDS = ("from", "to", "scope", "by", "metric")
GRANULARITY = {"hour": N_("Hours"), "day": N_("Days"), "month": N_("Months")}
PER_PERIOD = {
    "hour": N_("{metric} per hour"),
    "day": N_("{metric} per day"),
    "month": N_("{metric} per month"),
}
KEY_HEADINGS = {"touch": N_("Screen"), "view": N_("Item"), "search_miss": N_("Search text")}
KEY_TITLES = {
    "touch": N_("Touches per screen"),
    "view": N_("Most viewed items"),
    "search_miss": N_("Most frequent searches with no result"),
}
CHART_BARS = 20
"""Kiosks in the per-kiosk chart; the table under it lists every kiosk."""
WIDE, NARROW = 800, 360
FONTS = {"wide": 13, "narrow": 15}
"""Text size per drawing: the narrow one is shown on a phone, about 320 px wide."""


def _today(staff: Staff) -> date:
    return staff.hub.now().astimezone(ZoneInfo(staff.hub.settings.timezone)).date()


def _params(request: Request) -> dict[str, str]:
    return {k: request.query_params[k] for k in FIELDS if k in request.query_params}


def _moment(period: str, by: str) -> date | datetime:
    if by == "hour":
        return datetime.strptime(period, "%Y-%m-%dT%H")
    return date.fromisoformat(period if by == "day" else period + "-01")


def period_text(period: str, by: str, lang: str) -> str:
    """A period as a table shows it: `21 lis 2026, 14:00`, `21 lis 2026`, `listopad 2026`."""
    moment = _moment(period, by)
    if by == "hour":
        time = format_skeleton("Hm", moment, locale=lang)
        return f"{format_date(moment, 'medium', locale=lang)}, {time}"
    if by == "day":
        return format_date(moment, "medium", locale=lang)
    return format_skeleton("yMMMM", moment, locale=lang)


def _span(sel: Selection, lang: str, fmt: str) -> str:
    return f"{format_date(sel.start, fmt, locale=lang)} – {format_date(sel.end, fmt, locale=lang)}"


def _scope_text(view: Overview, lang: str) -> str:
    sel = view.selection
    if sel.kiosk is not None:
        return view.kiosks[0][0].name
    if sel.group is not None:
        return gettext(lang, N_("Group “{name}”")).format(name=sel.group)
    return gettext(lang, N_("All kiosks"))


def _charts(view: Overview, lang: str) -> dict:
    """The page's charts, each drawn wide (desktop) and narrow (phone)."""
    sel = view.selection
    _ = partial(gettext, lang)
    metric = _(METRIC_NAMES[sel.metric])
    span = _span(sel, lang, "medium")
    points = [(_moment(p, sel.by), n) for p, n in view.series]
    peak_period, peak = view.peak or ("", 0)
    time_title = f"{_(PER_PERIOD[sel.by]).format(metric=metric)}: {_scope_text(view, lang)}, {span}"
    time_desc = _("In total {total}; the most ({peak}): {when}.").format(
        total=charts.number(view.total, lang),
        peak=charts.number(peak, lang),
        when=period_text(peak_period, sel.by, lang),
    )
    out: dict = {}
    for size, width, height in (("wide", WIDE, 320), ("narrow", NARROW, 280)):
        out[f"time_{size}"] = charts.time_chart(
            points,
            sel.by,
            lang,
            title=time_title,
            desc=time_desc,
            y_label=_(PER_PERIOD[sel.by]).format(metric=metric),
            ident=f"time-{size}",
            width=width,
            height=height,
            css=f"chart-{size}",
            font=FONTS[size],
        )
    if len(view.kiosks) > 1:
        title = _("{metric} per kiosk: {span}").format(metric=metric, span=span)
        bars = [(k.name, n) for k, n in view.kiosks[:CHART_BARS]]
        out |= _bar_charts("kiosks", bars, lang, title)
    if sel.metric in KEY_TITLES and view.keys:
        out |= _bar_charts("keys", view.keys, lang, f"{_(KEY_TITLES[sel.metric])}: {span}")
    return out


def _bar_charts(name: str, bars: list[tuple[str, int]], lang: str, title: str) -> dict:
    """One bar chart drawn wide and narrow, described by its bars for screen readers."""
    desc = "; ".join(f"{label}: {charts.number(n, lang)}" for label, n in bars)
    return {
        f"{name}_{size}": charts.bar_list(
            bars,
            lang,
            title=title,
            desc=desc,
            ident=f"{name}-{size}",
            width=width,
            css=f"chart-{size}",
            font=FONTS[size],
        )
        for size, width in (("wide", WIDE), ("narrow", NARROW))
    }


def _page(
    request: Request,
    staff: Staff,
    params: dict[str, str],
    sel: Selection | None,
    problems: list[statsview.Problem],
    view: Overview | None,
    choices: statsview.Choices,
) -> Response:
    lang = staff.lang
    shown = sel or statsview.default_selection(_today(staff))
    form = shown.params() | {k: v[:100] for k, v in params.items()}
    context = {
        "form": form,
        "choices": choices,
        "problems": [gettext(lang, p.message).format(**p.values) for p in problems],
        "metric_names": METRIC_NAMES,
        "granularity": GRANULARITY,
        "view": view,
        "max_days": statsview.MAX_DAYS,
    }
    if view is not None and sel is not None:
        metric = gettext(lang, METRIC_NAMES[sel.metric])
        context |= {
            "sel": sel,
            "metric": metric,
            "per_period": gettext(lang, PER_PERIOD[sel.by]).format(metric=metric),
            "nothing": NOTHING_RECORDED[sel.metric],
            "scope_text": _scope_text(view, lang),
            "span": _span(sel, lang, "long"),
            "rows": [(period_text(p, sel.by, lang), n) for p, n in view.series],
            "key_heading": KEY_HEADINGS.get(sel.metric),
            "key_title": KEY_TITLES.get(sel.metric),
            "charts": {} if view.empty else _charts(view, lang),
            "share": lambda n: (
                format_percent(n / view.total, "#,##0.0%", locale=lang) if view.total else "–"
            ),
            "chart_bars": CHART_BARS,
        }
        if view.peak is not None:
            context["peak"] = (period_text(view.peak[0], sel.by, lang), view.peak[1])
    return render(
        request,
        "stats.html",
        lang,
        status_code=400 if problems else 200,
        staff=staff,
        title=gettext(lang, N_("Statistics")),
        **context,
    )


@router.get("/admin/stats")
def stats_page(request: Request, staff: Admin) -> Response:
    params = _params(request)
    view = None
    with staff.hub.transaction(write=False) as conn:
        choices = statsview.choices(conn)
        try:
            sel = statsview.read_selection(conn, params, _today(staff))
            problems = []
            view = statsview.overview(conn, sel, staff.hub.settings.timezone)
        except SelectionError as exc:
            sel, problems = None, exc.problems
    return _page(request, staff, params, sel, problems, view, choices)


def _download(request: Request, staff: Staff, fmt: str) -> Response:
    params = _params(request)
    with staff.hub.transaction(write=False) as conn:
        try:
            sel = statsview.read_selection(conn, params, _today(staff))
        except SelectionError as exc:
            choices = statsview.choices(conn)
            return _page(request, staff, params, None, exc.problems, None, choices)
        rows = aggregate(conn, sel.start, sel.end, sel.by, sel.kiosk, sel.group, sel.metric)
    return Response(
        export.render(rows, fmt),
        media_type=export.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{sel.filename(fmt)}"'},
    )


@router.get("/admin/stats/export.csv")
def download_csv(request: Request, staff: Admin) -> Response:
    return _download(request, staff, "csv")


@router.get("/admin/stats/export.xlsx")
def download_xlsx(request: Request, staff: Admin) -> Response:
    return _download(request, staff, "xlsx")
