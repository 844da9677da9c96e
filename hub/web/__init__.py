"""The hub's web pages for people: staff and administrators (/admin/…, /login) and the
public status page of a report (/r/<token>). Server-rendered HTML that works without
JavaScript; each page module has a `router` and is listed in PAGES."""

from __future__ import annotations

import importlib
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.accounts.session import PageError, SignInRequired
from hub.web.templating import PUBLIC_LANGUAGES, WEB_DIR, gettext, pick_language, render
from kiosk_core.i18n import N_

PAGES = (
    "hub.accounts.signin_pages",
    "hub.reports.status_page",
    "hub.statistics.stats_pages",
    "hub.fleet.fleet_pages",
    "hub.reports.inbox_pages",
    "hub.content.releases_pages",
    "hub.content.alerts_pages",
    "hub.accounts.people_pages",
    "hub.sending.forwarding_pages",
    "hub.accounts.tokens_pages",
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


PAGE_HEADERS = (
    ("X-Frame-Options", "DENY"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
)
"""On every page: never inside a frame (no other page, not even one of this site, can lay
its own buttons over a staff form), no script at all (the pages have none), styles and
images only from the hub itself, forms only sent to the hub. A page's own header of the
same name wins (the status page sends no Referer at all)."""


class PageHeaders:
    """ASGI middleware adding PAGE_HEADERS to the answers of page paths."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in PAGE_HEADERS]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _page_path(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    app.add_middleware(PageHeaders)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    for name in PAGES:
        app.include_router(importlib.import_module(name).router)
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(PageError, _page_error)


def _page_path(path: str) -> bool:
    return path.startswith(PAGE_PREFIXES) or path == "/"


def is_page(request: Request) -> bool:
    return _page_path(request.url.path)


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
