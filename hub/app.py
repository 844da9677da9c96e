"""The FastAPI application: routes under /api/v1, every error as `{"detail": …}`; Open311
under /open311/v2, every error there as the GeoReport v2 error list."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub import __version__, web
from hub.content import api as content
from hub.context import Hub
from hub.errors import HubError, Invalid
from hub.fleet import api as fleet
from hub.limits import BodyLimit
from hub.reports import api as reports
from hub.reports.open311 import routes as open311
from hub.reports.open311.errors import Open311Error
from hub.sending.deliveries import DeliveryWorker
from hub.settings import Settings
from hub.statistics import api as stats
from kiosk_core.i18n import N_

API_PREFIX = "/api/v1"
DELIVERY_STOP_WAIT = 3.0
"""Seconds the delivery worker gets to finish its delivery in hand when the hub stops."""


def create_app(settings: Settings, hub: Hub | None = None) -> FastAPI:
    """The app for an initialised data directory (or an already opened `hub`)."""
    hub = hub or Hub.open(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        interval = hub.settings.deliveries_interval
        worker = DeliveryWorker(hub, interval).start() if interval > 0 else None
        _app.state.delivery_worker = worker
        yield
        if worker is not None:
            # A delivery in hand (an SMTP server that does not answer) must not hold up the
            # shutdown: the row is sent again by the next start.
            await asyncio.to_thread(worker.stop, DELIVERY_STOP_WAIT)
        hub.close()

    app = FastAPI(
        title="Kiosk hub",
        version=__version__,
        lifespan=lifespan,
        strict_content_type=False,
    )
    app.state.hub = hub
    for module in (content, reports, stats, fleet):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(open311.router, prefix=open311.PREFIX)
    app.add_middleware(
        BodyLimit, json_limit=hub.settings.json_limit, blob_limit=hub.settings.blob_limit
    )
    web.install(app)
    app.add_exception_handler(Open311Error, open311.error_answer)
    app.add_exception_handler(HubError, _hub_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _unstorable)
    app.add_exception_handler(Exception, _internal_error)
    return app


async def _hub_error(request: Request, exc: HubError) -> Response:
    if open311.is_open311(request):
        return await open311.error_answer(request, exc)
    if web.is_page(request):
        return web.error_page(request, exc.status, exc.detail)
    body: dict = {"detail": exc.detail}
    if exc.problems:
        body["problems"] = exc.problems
    headers = dict(exc.headers or {})
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=exc.status, headers=headers)


def _where(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    if open311.is_open311(request):
        return await open311.error_answer(request, exc)
    if web.is_page(request):
        return web.error_page(request, 400, N_("Some fields of this form are missing or wrong."))
    errors = exc.errors()
    content_type = request.headers.get("content-type", "application/json")
    if "json" not in content_type and any(tuple(e.get("loc", ())) == ("body",) for e in errors):
        detail = f"expected a JSON body (Content-Type: application/json), not {content_type}"
        return JSONResponse({"detail": detail}, status_code=415)
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "cannot be parsed")
            position = error["loc"][-1] if error.get("loc") else "?"
            return JSONResponse(
                {"detail": f"malformed JSON: {reason} (at character {position})"},
                status_code=400,
            )
    problems = [f"{_where(e['loc'])}: {e['msg']}" for e in errors]
    return JSONResponse({"detail": "; ".join(problems[:5]), "problems": problems}, status_code=422)


UNPARSABLE = "There was an error parsing the body"
"""What FastAPI says about a body json.loads cannot even decode (not UTF-8)."""


async def _http_error(request: Request, exc: StarletteHTTPException):
    if open311.is_open311(request):
        return await open311.error_answer(request, exc)
    if web.is_page(request):
        message = N_("This page does not exist.") if exc.status_code == 404 else str(exc.detail)
        return web.error_page(request, exc.status_code, message)
    if exc.status_code == 400 and exc.detail == UNPARSABLE:
        detail = "malformed JSON: the body is not UTF-8 text"
        return JSONResponse({"detail": detail}, status_code=400)
    return await http_exception_handler(request, exc)


async def _unstorable(request: Request, _exc: DataError) -> Response:
    """A value the database refuses (PostgreSQL: a NUL character, a number out of range)."""
    return await _hub_error(
        request, Invalid("a value cannot be stored: remove NUL characters or out-of-range numbers")
    )


async def _internal_error(request: Request, _exc: Exception) -> Response:
    # Starlette re-raises after this answer, so the server logs the traceback.
    if open311.is_open311(request):
        return await open311.error_answer(request, _exc)
    if web.is_page(request):
        return web.error_page(
            request, 500, N_("The hub could not do this. The error is in its log.")
        )
    return JSONResponse({"detail": "internal error; see the hub's log"}, status_code=500)
