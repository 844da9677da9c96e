"""Server-rendered pages: one Jinja2 environment, the hub's gettext catalogs, Babel dates.

Templates call `_("English message")` (and `ngettext`), bound per request to the page's
language, so one environment serves every language at once without shared state. Message ids
are English; translations live in `hub/locale/<lang>.po` (`scripts/update-catalogs`).

Each group keeps its pages' templates beside its code (`hub/<group>/templates/`); the layouts
every page extends (`base.html`, `staff.html`, `error.html`) are in `hub/web/templates/`. One
loader searches them all, so a template's name must be unique across the folders.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from hub.accounts.users import LANGS
from hub.times import local
from hub.translations import translator
from kiosk_core.i18n import LANGUAGE_NAMES

WEB_DIR = Path(__file__).parent
HUB_DIR = WEB_DIR.parent
GROUPS = ("content", "reports", "sending", "fleet", "statistics", "accounts")
"""The groups with pages, each with a `templates/` folder of its own."""
TEMPLATE_DIRS = (WEB_DIR / "templates", *(HUB_DIR / group / "templates" for group in GROUPS))
STAFF_LANGUAGES = LANGS
"""The staff pages' languages, those an account may choose: the towns are Polish and
Ukrainian."""
PUBLIC_LANGUAGES = ("pl", "en", "de", "cs", "uk")
"""The public status page speaks every language a kiosk does."""

environment = Environment(
    loader=FileSystemLoader(TEMPLATE_DIRS),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def gettext(lang: str, message: str) -> str:
    return translator.gettext(message, lang)


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    return translator.ngettext(singular, plural, n, lang).replace("%(num)d", str(n))


def when(moment: datetime | None, lang: str, tz: ZoneInfo, fmt: str = "medium") -> str:
    """A stored UTC time as people of `lang` write it, in the municipality's zone."""
    if moment is None:
        return "–"
    moment = local(moment, tz)
    return format_datetime(moment, format=fmt, locale=lang, tzinfo=moment.tzinfo)


def day(moment: datetime | None, lang: str, tz: ZoneInfo, fmt: str = "medium") -> str:
    if moment is None:
        return "–"
    return format_date(local(moment, tz), format=fmt, locale=lang)


def number(value: float | int, lang: str) -> str:
    return format_decimal(value, locale=lang)


def render(
    request: Request,
    template: str,
    lang: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page in `lang`; every template gets `_`, `ngettext`, `when`, `day`, `number`,
    `lang`, `request`, the hub's time zone `tz` and `languages` (code → own name)."""
    hub = request.app.state.hub
    tz = ZoneInfo(hub.settings.timezone)
    values = {
        "request": request,
        "lang": lang,
        "tz": tz,
        "_": partial(gettext, lang),
        "ngettext": partial(ngettext, lang),
        "when": partial(when, lang=lang, tz=tz),
        "day": partial(day, lang=lang, tz=tz),
        "number": partial(number, lang=lang),
        "language_names": LANGUAGE_NAMES,
        "public_url": hub.settings.public_url,
    } | context
    html = environment.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers=headers)


def pick_language(request: Request, allowed: tuple[str, ...], preferred: str | None = None) -> str:
    """?lang= if allowed, else `preferred`, else the browser's Accept-Language, else Polish."""
    asked = request.query_params.get("lang")
    if asked in allowed:
        return asked
    if preferred in allowed:
        return preferred
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in allowed:
            return code
    return "pl"
