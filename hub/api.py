"""The kiosks' API under /api/v1, a sub-application of the hub: the routes of every group
(content, reports, statistics, fleet), and every failure answered as JSON `{"detail": …}`
(with `problems` where there are several, and `WWW-Authenticate: Bearer` on a 401)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.content import api as content
from hub.context import Hub
from hub.errors import HubError
from hub.errors import unstorable as unstorable_value
from hub.fleet import api as fleet
from hub.reports import api as reports
from hub.statistics import api as stats

PREFIX = "/api/v1"
UNPARSABLE = "There was an error parsing the body"
"""What FastAPI says about a body json.loads cannot even decode (not UTF-8)."""

router = APIRouter()
for _group in (content, reports, stats, fleet):
    router.include_router(_group.router)


def create_api(hub: Hub) -> FastAPI:
    """The kiosk API as an app of its own, to be mounted at PREFIX."""
    api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, strict_content_type=False)
    api.state.hub = hub
    api.include_router(router)
    install_error_handlers(api)
    return api


def install_error_handlers(app: FastAPI) -> None:
    """The API's answers to failures, also those of a path no part of the hub serves."""
    app.add_exception_handler(HubError, hub_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(DataError, unstorable)
    app.add_exception_handler(Exception, internal_error)


async def hub_error(_request: Request, exc: HubError) -> Response:
    body: dict = {"detail": exc.detail}
    if exc.problems:
        body["problems"] = exc.problems
    headers = dict(exc.headers or {})
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=exc.status, headers=headers)


def _where(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
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


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code == 400 and exc.detail == UNPARSABLE:
        detail = "malformed JSON: the body is not UTF-8 text"
        return JSONResponse({"detail": detail}, status_code=400)
    return await http_exception_handler(request, exc)


async def unstorable(request: Request, _exc: DataError) -> Response:
    return await hub_error(request, unstorable_value())


async def internal_error(_request: Request, _exc: Exception) -> Response:
    # Starlette re-raises after this answer, so the server logs the traceback.
    return JSONResponse({"detail": "internal error; see the hub's log"}, status_code=500)
