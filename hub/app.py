"""The hub's FastAPI application: three parts, each a sub-application with its own routes and
its own way of answering a failure.

- the kiosks' API under /api/v1 (`hub.api`): JSON, `{"detail": …}`;
- Open311 GeoReport v2 under /open311 (`hub.reports.open311.routes`): the spec's error list,
  in XML or JSON as the path asks;
- the web pages for people (`hub.web.pages`): HTML pages in the visitor's language.

A path none of them serves is answered as the API answers. Two middlewares wrap them all,
since they act before a part is chosen: the request body limits (`hub.limits`), and the
pages' security headers, also on a refusal the body limits make on a page's path.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from hub import __version__, api
from hub.context import Hub
from hub.limits import BodyLimit
from hub.reports.open311 import routes as open311
from hub.sending.sender import DeliveryWorker
from hub.settings import Settings
from hub.web.pages import PageHeaders, PagePaths, create_pages

TITLE = "Kiosk hub"
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

    app = FastAPI(title=TITLE, version=__version__, lifespan=lifespan, strict_content_type=False)
    app.state.hub = hub
    for prefix in (api.PREFIX, open311.MOUNT):
        # The bare prefix is no path of its part: not found, rather than redirected into it.
        app.router.routes.append(Route(prefix, _NotFound(), include_in_schema=False))
    app.mount(api.PREFIX, api.create_api(hub))
    app.mount(open311.MOUNT, open311.create_open311(hub))
    app.router.routes.append(PagePaths(create_pages(hub)))
    app.add_middleware(
        BodyLimit, json_limit=hub.settings.json_limit, blob_limit=hub.settings.blob_limit
    )
    app.add_middleware(PageHeaders)
    api.install_error_handlers(app)
    app.openapi = _documentation  # type: ignore[method-assign]
    return app


class _NotFound:
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise HTTPException(404)


def _documentation() -> dict:
    """/openapi.json (and /docs): the kiosk API's and Open311's routes at their full paths,
    as one document."""
    whole = FastAPI(title=TITLE, version=__version__, strict_content_type=False)
    whole.include_router(api.router, prefix=api.PREFIX)
    whole.include_router(open311.router, prefix=open311.PREFIX)
    return whole.openapi()
