"""The hub's web pages for people: staff and administrators (/admin/…, /login) and the
public status page of a report (/r/<token>). Server-rendered HTML that works without
JavaScript; each page module has a `router` and is listed in PAGES."""

from __future__ import annotations

import importlib
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from hub.ratelimit import SlidingWindow
from hub.web.session import PageError, SignInRequired
from hub.web.templating import PUBLIC_LANGUAGES, WEB_DIR, gettext, pick_language, render
from kiosk.i18n import N_

PAGES = (
    "hub.web.signin",
    "hub.web.status",
    "hub.web.stats",
    "hub.web.fleet",
    "hub.web.reports",
    "hub.web.releases",
    "hub.web.alerts",
    "hub.web.people",
    "hub.web.forwarding",
)
"""Page modules, each with an APIRouter `router`; add a new page here."""

PAGE_PREFIXES = ("/admin", "/login", "/logout", "/r/", "/static/")

HEADINGS = {
    400: N_("This cannot be done"),
    401: N_("Please sign in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    409: N_("This cannot be done"),
    413: N_("Too large"),
    422: N_("This cannot be done"),
    429: N_("Too many requests"),
    500: N_("Something went wrong"),
}


def install(app: FastAPI) -> None:
    hub = app.state.hub
    app.state.sign_in_limit = SlidingWindow(
        hub.settings.sign_in_attempts, hub.settings.sign_in_window
    )
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    for name in PAGES:
        app.include_router(importlib.import_module(name).router)
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(PageError, _page_error)


def is_page(request: Request) -> bool:
    return request.url.path.startswith(PAGE_PREFIXES) or request.url.path == "/"


def error_page(request: Request, status: int, message: str, lang: str | None = None) -> Response:
    """A refusal as a page: the message translated where the catalog knows it."""
    lang = lang or pick_language(request, PUBLIC_LANGUAGES)
    heading = HEADINGS.get(status, HEADINGS[400] if status < 500 else HEADINGS[500])
    return render(
        request,
        "error.html",
        lang,
        status_code=status,
        heading=gettext(lang, heading),
        message=gettext(lang, message),
        staff=None,
    )


async def _sign_in(_request: Request, exc: SignInRequired) -> Response:
    return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)


async def _page_error(request: Request, exc: PageError) -> Response:
    return error_page(request, exc.status, exc.message, exc.lang)
