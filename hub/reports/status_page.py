"""The public status page of a report, `/r/<status token>`: where the receipt's QR code leads.

Anyone holding the receipt may read it, so it shows only what anyone may read of the report
through Open311, by the same rule (`hub.reports.disclosure`): the category, the status, the
dates and the public answer; the place as its category allows (by default roughly); the
description only once staff have marked it public. Never anything about the person. The token
is 128 random bits made by the kiosk, so the address cannot be guessed; the page is kept out of
caches, search engines and Referer headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection, select

from hub.content.releases import municipality, report_categories
from hub.context import Hub
from hub.db import reports
from hub.reports.disclosure import ROUGH_DECIMALS, Disclosed, disclosed
from hub.sending.mail import STATUS_NAMES
from hub.times import local, parse
from hub.web.templating import PUBLIC_LANGUAGES, gettext, pick_language, render
from kiosk_core.content.model import ReportCategory, tr
from kiosk_core.i18n import N_

router = APIRouter(include_in_schema=False)

TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,100}$")
"""What a kiosk's status token looks like; anything else is not looked up at all."""
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}
STATUS_BADGES = {"open": "", "in_progress": "warn", "closed": "ok"}
UNSORTED = N_("Being passed to the right department")


@dataclass(frozen=True)
class PublicStatus:
    """Everything the page shows: nothing personal; of the resident's words and place, only
    what is public."""

    ref_code: str
    category: str
    status: str
    status_name: str
    received: str
    updated: str | None
    closed: str | None
    answer: list[list[str]]
    """The public answer as paragraphs of lines."""
    lang: str
    description: list[list[str]] = field(default_factory=list)
    """The resident's description, once public, as paragraphs of lines."""
    address: str | None = None
    coordinates: str | None = None
    """`50.301, 16.883`: as precisely as they are public."""
    rough: bool = False


def _place(shown: Disclosed) -> str | None:
    if shown.lat is None or shown.long is None:
        return None
    decimals = ROUGH_DECIMALS if shown.rough else 5
    return f"{shown.lat:.{decimals}f}, {shown.long:.{decimals}f}"


def long_when(moment: datetime, lang: str, tz: ZoneInfo) -> str:
    """ "21 listopada 2026, 15:00": the long date and the short time, joined as `lang` does."""
    moment = local(moment, tz)
    pattern = Locale.parse(lang).datetime_formats["medium"]
    pattern = getattr(pattern, "pattern", pattern)
    date = format_date(moment, "long", locale=lang)
    time = format_time(moment, "short", locale=lang, tzinfo=moment.tzinfo)
    return pattern.replace("{1}", date).replace("{0}", time)


def paragraphs(text: str | None) -> list[list[str]]:
    if not text:
        return []
    return [block.split("\n") for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]


def public_status(
    conn: Connection, hub: Hub, token: str, asked_lang: str | None
) -> PublicStatus | None:
    """The report with this token as the public may see it, or None."""
    if not TOKEN.match(token):
        return None
    row = conn.execute(
        select(
            reports.c.ref_code,
            reports.c.service_code,
            reports.c.status,
            reports.c.status_notes,
            reports.c.received,
            reports.c.updated,
            reports.c.closed,
            reports.c.lang,
            reports.c.description,
            reports.c.description_public,
            reports.c.address_string,
            reports.c.lat,
            reports.c.long,
            reports.c.media_url,
            reports.c.unsorted,
        )
        .where(reports.c.status_token == token)
        .order_by(reports.c.id)  # a token sent twice (a faulty kiosk): the first report keeps it
        .limit(1)
    ).first()
    if row is None:
        return None
    category = report_categories(conn, hub.blobs).get(row.service_code)
    lang = asked_lang if asked_lang in PUBLIC_LANGUAGES else row.lang
    if lang not in PUBLIC_LANGUAGES:
        lang = "pl"
    tz = ZoneInfo(hub.settings.timezone)

    def moment(text: str | None) -> str | None:
        value = parse(text)
        return long_when(value, lang, tz) if value else None

    shown = disclosed(row, category)

    return PublicStatus(
        ref_code=row.ref_code,
        category=_category(row, category, lang),
        status=row.status,
        status_name=gettext(lang, STATUS_NAMES.get(row.status, row.status)),
        received=moment(row.received),
        updated=moment(row.updated),
        closed=moment(row.closed) if row.status == "closed" else None,
        answer=paragraphs(row.status_notes),
        lang=lang,
        description=paragraphs(shown.description),
        address=shown.address,
        coordinates=_place(shown),
        rough=shown.rough,
    )


def _category(row, category: ReportCategory | None, lang: str) -> str:
    """The category's name; for a report still waiting for staff to choose one, that it is
    being sorted (the code a kiosk sent means nothing to a resident)."""
    if row.unsorted:
        return gettext(lang, UNSORTED)
    return tr(category.name, lang) if category else row.service_code


@router.get("/r/{token:path}")
def status_page(request: Request, token: str) -> Response:
    hub: Hub = request.app.state.hub
    with hub.transaction(write=False) as conn:
        report = public_status(conn, hub, token, request.query_params.get("lang"))
        lang = report.lang if report else pick_language(request, PUBLIC_LANGUAGES)
        town = tr(municipality(conn, hub.blobs), lang) or None
    return render(
        request,
        "status.html",
        lang,
        status_code=200 if report else 404,
        headers=HEADERS,
        site_name=town,
        report=report,
        badge=STATUS_BADGES.get(report.status, "") if report else "",
        languages=PUBLIC_LANGUAGES,
    )
