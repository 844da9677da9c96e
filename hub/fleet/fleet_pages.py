"""The fleet pages for administrators: is every kiosk alive, up to date, keeping time?

`/admin/fleet` lists each kiosk's latest heartbeat (from `hub.fleet.heartbeats.status`), silent
kiosks first under a red alarm, and another for reports kiosks keep because the hub refused
them; `/admin/fleet/{id}` shows one kiosk with all its errors, those reports, and where it
stands. What counts as worth a warning is decided here in plain functions (`assess`), since it
is about what an administrator should look at, not about what the kiosk reported.

A kiosk's own page offers to retire it (`hub.fleet.kiosks.retire_kiosk`), after a confirmation
page: its token stops working, it leaves the list and its alarms, and is listed under the
fleet as retired, its page and reports kept. The fleet page, where administrators start, also says
when where reports go was changed recently (`hub.reports.routingchanges`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from babel.dates import format_timedelta
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from hub.accounts.session import PageError, Staff, read_form, staff_page
from hub.content.releases import latest
from hub.errors import NotFound
from hub.fleet import heartbeats
from hub.fleet.kiosks import Kiosk, get_kiosk, list_kiosks, retire_kiosk
from hub.reports import routingchanges
from hub.sending.mail import map_url
from hub.times import parse
from hub.web.templating import gettext, render
from kiosk_core.i18n import N_

router = APIRouter(include_in_schema=False)
Admin = Annotated[Staff, Depends(staff_page("admin"))]

SKEW_LIMIT = 120.0
"""Seconds a kiosk's clock may be off before the page warns: beyond it, opening hours, event
times and statistics hours shown or counted by the kiosk are visibly wrong."""
OUTBOX_LARGE = 5
"""Reports (and other items) waiting on a kiosk from which the page warns even when the kiosk
is online: one heartbeat cannot tell how long they have waited, but this many means delivery
is failing, not merely about to happen."""
ERRORS_SHOWN = 3
"""Errors listed per kiosk in the table; the kiosk's own page lists them all."""


@dataclass(frozen=True)
class KioskView:
    """One kiosk's status with what deserves a warning."""

    status: heartbeats.KioskStatus
    never_seen: bool
    behind: bool
    """Showing older content than the latest published release."""
    skew_warn: bool
    outbox_warn: bool

    @property
    def offline(self) -> bool:
        return self.status.offline

    @property
    def attention(self) -> int:
        """Reports the kiosk keeps because the hub refused them: a person must decide."""
        return self.status.attention or 0

    @property
    def warnings(self) -> int:
        flags = self.behind + self.skew_warn + self.outbox_warn + bool(self.attention)
        return flags + bool(self.status.errors)


def assess(kiosk: heartbeats.KioskStatus, latest_version: int | None) -> KioskView:
    """What to flag for one kiosk, given the latest published release."""
    behind = (
        latest_version is not None
        and kiosk.content_version is not None
        and kiosk.content_version < latest_version
    )
    depth = kiosk.outbox_depth or 0
    return KioskView(
        status=kiosk,
        never_seen=kiosk.last_seen is None,
        behind=behind,
        skew_warn=kiosk.skew is not None and abs(kiosk.skew) > SKEW_LIMIT,
        outbox_warn=depth >= OUTBOX_LARGE or (depth > 0 and kiosk.offline),
    )


def in_order(views: list[KioskView]) -> list[KioskView]:
    """Silent kiosks first (longest silence first), then never-seen ones, then those with
    warnings, then the rest; by name within each."""

    def key(view: KioskView) -> tuple:
        seen = view.status.last_seen
        if view.offline and not view.never_seen:
            group = 0
        elif view.never_seen:
            group = 1
        elif view.warnings:
            group = 2
        else:
            group = 3
        return (group, seen.timestamp() if group == 0 and seen else 0, view.status.name.lower())

    return sorted(views, key=key)


class Clock:
    """Durations and distances in time as the page's reader says them."""

    def __init__(self, now: datetime, lang: str):
        self.now = now
        self.lang = lang

    def ago(self, moment: datetime | None) -> str:
        if moment is None:
            return "–"
        return format_timedelta(moment - self.now, add_direction=True, locale=self.lang)

    def duration(self, seconds: float | None) -> str:
        if seconds is None:
            return "–"
        return format_timedelta(timedelta(seconds=seconds), threshold=1.5, locale=self.lang)

    def skew(self, seconds: float | None) -> str:
        """How far the kiosk's clock is off: exact seconds while small, else roughly."""
        if seconds is None:
            return "–"
        size = abs(seconds)
        return f"{size:.0f} s" if size < 600 else self.duration(size)


def filed(report: dict) -> datetime | None:
    """When a report needing attention was filed, as its kiosk says (None if unreadable)."""
    try:
        return parse(report.get("created"))
    except (TypeError, ValueError):
        return None


def _latest_version(conn) -> tuple[int | None, datetime | None]:
    release = latest(conn)
    return (release.version, release.created) if release else (None, None)


RETIRED_DONE = N_("{name} is retired: its token no longer works. Its reports stay.")


@router.get("/admin/fleet")
def fleet_page(request: Request, staff: Admin) -> Response:
    hub = staff.hub
    now = hub.now()
    with hub.transaction(write=False) as conn:
        statuses = heartbeats.status(conn, now, hub.settings.offline_after)
        version, published = _latest_version(conn)
        retired = [k for k in list_kiosks(conn) if k.retired is not None]
        routing = routingchanges.count_since(conn, now - routingchanges.RECENT)
    views = in_order([assess(k, version) for k in statuses])
    flash = None
    gone = request.query_params.get("retired", "")
    if gone:
        name = next((k.name for k in retired if k.id == gone), None)
        flash = gettext(staff.lang, RETIRED_DONE).format(name=name) if name else None
    return render(
        request,
        "fleet.html",
        staff.lang,
        staff=staff,
        flash=flash,
        flash_kind="ok",
        retired=sorted(retired, key=lambda k: k.retired, reverse=True),
        routing_changes=routing,
        routing_days=routingchanges.RECENT.days,
        kiosks=views,
        offline=sum(v.offline for v in views),
        never_seen=sum(v.never_seen for v in views),
        attention=sum(v.attention for v in views),
        attention_kiosks=sum(bool(v.attention) for v in views),
        latest_version=version,
        published=published,
        offline_minutes=int(hub.settings.offline_after.total_seconds() // 60),
        skew_limit=int(SKEW_LIMIT),
        errors_shown=ERRORS_SHOWN,
        now=now,
        clock=Clock(now, staff.lang),
    )


def _kiosk(staff: Staff, kiosk_id: str) -> Kiosk:
    with staff.hub.transaction(write=False) as conn:
        try:
            kiosk = get_kiosk(conn, kiosk_id)
        except NotFound:
            raise PageError(404, N_("There is no such kiosk."), staff.lang) from None
    assert kiosk is not None
    return kiosk


@router.get("/admin/fleet/{kiosk_id}")
def kiosk_page(request: Request, kiosk_id: str, staff: Admin) -> Response:
    hub = staff.hub
    now = hub.now()
    kiosk = _kiosk(staff, kiosk_id)
    with hub.transaction(write=False) as conn:
        statuses = heartbeats.status(conn, now, hub.settings.offline_after, retired=True)
        version, published = _latest_version(conn)
    status = next(s for s in statuses if s.kiosk_id == kiosk.id)
    return render(
        request,
        "kiosk.html",
        staff.lang,
        staff=staff,
        kiosk=kiosk,
        view=assess(status, version),
        filed=filed,
        map_link=map_url(kiosk.lat, kiosk.long),
        latest_version=version,
        published=published,
        offline_minutes=int(hub.settings.offline_after.total_seconds() // 60),
        skew_limit=int(SKEW_LIMIT),
        now=now,
        clock=Clock(now, staff.lang),
    )


@router.get("/admin/fleet/{kiosk_id}/retire")
def confirm_retire(request: Request, kiosk_id: str, staff: Admin) -> Response:
    kiosk = _kiosk(staff, kiosk_id)
    if kiosk.retired is not None:
        return RedirectResponse(f"/admin/fleet/{quote(kiosk.id)}", status_code=303)
    return render(request, "kiosk_retire.html", staff.lang, staff=staff, kiosk=kiosk)


@router.post("/admin/fleet/{kiosk_id}/retire")
async def retire(request: Request, kiosk_id: str, staff: Admin) -> Response:
    await read_form(request, staff)
    kiosk = _kiosk(staff, kiosk_id)
    with staff.hub.transaction() as conn:
        retire_kiosk(conn, kiosk.id, staff.hub.now())
    return RedirectResponse(f"/admin/fleet?retired={quote(kiosk.id)}", status_code=303)
