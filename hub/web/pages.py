"""The hub's web pages for people as a sub-application: staff and administrators (/admin/…,
/login) and the public status page of a report (/r/<token>). Server-rendered HTML that works
without JavaScript; each group's page module has a `router`, listed in PAGES. Every failure on
a page is answered as a page in the visitor's language (`error_page`), never as JSON.

The pages share the site's root with the kiosk API and Open311, so they are not mounted under
one prefix: `PagePaths` hands the hub's router every request whose path is a page's
(PAGE_PREFIXES, and "/"), path unchanged."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.accounts import people_pages, signin_pages, tokens_pages
from hub.accounts.session import PageError, SignInRequired
from hub.content import (
    alerts_pages,
    changes_pages,
    editor_pages,
    preview_pages,
    releases_pages,
    walk_pages,
)
from hub.context import Hub
from hub.errors import HubError, unstorable
from hub.fleet import fleet_pages
from hub.reports import inbox_pages, status_page
from hub.sending import forwarding_pages
from hub.statistics import stats_pages
from hub.web.templating import PUBLIC_LANGUAGES, WEB_DIR, gettext, pick_language, render
from kiosk_core.i18n import N_

PAGES = (
    signin_pages,
    status_page,
    stats_pages,
    fleet_pages,
    inbox_pages,
    releases_pages,
    changes_pages,
    editor_pages,
    preview_pages,
    alerts_pages,
    walk_pages,
    people_pages,
    forwarding_pages,
    tokens_pages,
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


def create_pages(hub: Hub) -> FastAPI:
    """The web pages as an app of their own, for `PagePaths`."""
    pages = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, strict_content_type=False)
    pages.state.hub = hub
    pages.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    for module in PAGES:
        pages.include_router(module.router)
    pages.add_exception_handler(SignInRequired, _sign_in)
    pages.add_exception_handler(PageError, _page_error)
    pages.add_exception_handler(HubError, _hub_error)
    pages.add_exception_handler(RequestValidationError, _validation_error)
    pages.add_exception_handler(StarletteHTTPException, _http_error)
    pages.add_exception_handler(DataError, _unstorable)
    pages.add_exception_handler(Exception, _internal_error)
    return pages


def _page_path(path: str) -> bool:
    return path.startswith(PAGE_PREFIXES) or path == "/"


class PagePaths(BaseRoute):
    """A route of the hub's router taking every page path to `app` (the pages), path and
    root unchanged: a mount at several prefixes at once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and _page_path(scope["path"]):
            return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: object):
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


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


async def _hub_error(request: Request, exc: HubError) -> Response:
    return error_page(request, exc.status, exc.detail)


async def _validation_error(request: Request, _exc: RequestValidationError) -> Response:
    return error_page(request, 400, N_("Some fields of this form are missing or wrong."))


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    message = N_("This page does not exist.") if exc.status_code == 404 else str(exc.detail)
    return error_page(request, exc.status_code, message)


async def _unstorable(request: Request, _exc: DataError) -> Response:
    return await _hub_error(request, unstorable())


async def _internal_error(request: Request, _exc: Exception) -> Response:
    # Starlette re-raises after this answer, so the server logs the traceback.
    return error_page(request, 500, N_("The hub could not do this. The error is in its log."))
