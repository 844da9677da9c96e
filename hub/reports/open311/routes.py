"""Open311 GeoReport v2 under /open311/v2: discovery, services, requests and tokens.

Thin: each route parses the call, asks `hub.reports.open311` and renders the answer in the format
the path ends with (.xml or .json). Open311 is a sub-application of the hub (`create_open311`)
whose every failure is answered with the spec's error list (`error_answer`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Connection
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.accounts.tokens import token_hash
from hub.content import releases
from hub.context import Hub
from hub.deps import CallDep
from hub.errors import HubError, unstorable
from hub.ratelimit import SlidingWindow
from hub.reports.open311 import apikey, jurisdiction, render, requests, services
from hub.reports.open311.errors import (
    BadRequest,
    NotFound,
    Open311Error,
    StatusError,
    TooManyRequests,
)
from hub.reports.open311.params import Params, locale, parse_form
from hub.reports.routing import route_new_report
from kiosk_core.content.model import tr

MOUNT = "/open311"
PREFIX = "/open311/v2"
MAX_FORM = 256 * 1024
"""Far more than a full request (4000 characters of description, a few attributes) needs."""
FORM = "application/x-www-form-urlencoded"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

router = APIRouter(tags=["open311"])


def _format(fmt: str) -> str:
    if fmt not in render.FORMATS:
        raise NotFound(f"unknown format {fmt[:20]!r}: use .xml or .json")
    return fmt


def _answer(doc: tuple[str, render.Node], fmt: str, headers: dict | None = None) -> Response:
    body, media_type = render.render(*doc, fmt)
    return Response(body, media_type=media_type, headers=headers)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _language(params: Params, hub: Hub) -> str:
    """The language asked for, once the call is checked to be for our jurisdiction."""
    jurisdiction.check(params, jurisdiction.jurisdiction_id(hub.settings.public_url))
    return locale(params)


def _query(request: Request, hub: Hub) -> tuple[Params, str]:
    """The query's fields and the language asked for (see `_language`)."""
    params = Params(list(request.query_params.multi_items()))
    return params, _language(params, hub)


@router.get("/discovery.{fmt}")
def discovery(fmt: str, call: CallDep) -> Response:
    fmt = _format(fmt)
    hub = call.hub
    with hub.transaction(write=False) as conn:
        release = releases.latest(conn)
        content = releases.latest_content(conn, hub.blobs)
    changeset = render.w3(release.created if release else EPOCH, _zone(hub.settings.timezone))
    contact = f"Kiosk hub {hub.settings.public_url}"
    if content is not None:
        c = content.settings.contact
        contact = ", ".join(filter(None, [tr(c.name, "pl"), c.email, c.phone, contact]))
    key_service = (
        "Ask the municipality (see contact) for an api_key to file requests; the hub's "
        "administrators issue one with: kiosk-hub token add --role open311 --name CLIENT"
    )
    url = hub.settings.public_url + PREFIX
    return _answer(render.discovery(changeset, contact, key_service, url), fmt)


@router.get("/services.{fmt}")
def service_list(fmt: str, request: Request, call: CallDep) -> Response:
    fmt = _format(fmt)
    _params, lang = _query(request, call.hub)
    with call.hub.transaction(write=False) as conn:
        content = releases.latest_content(conn, call.hub.blobs)
    offered = services.offered(content, call.hub.now())
    return _answer(render.services(services.service(c, lang) for c in offered), fmt)


@router.get("/services/{service_code}.{fmt}")
def service_definition(service_code: str, fmt: str, request: Request, call: CallDep) -> Response:
    fmt = _format(fmt)
    _params, lang = _query(request, call.hub)
    with call.hub.transaction(write=False) as conn:
        content = releases.latest_content(conn, call.hub.blobs)
    category = services.find(content, service_code, call.hub.now())
    if category is None:
        raise NotFound(f"service_code {service_code[:64]!r} was not found")
    return _answer(render.definition(services.definition(category, lang)), fmt)


def _limiter(request: Request, hub: Hub) -> SlidingWindow:
    """One per app: new requests per api_key and per address in any minute."""
    limiter = getattr(request.app.state, "open311_posts", None)
    if limiter is None:
        limiter = SlidingWindow(hub.settings.open311_posts_per_minute, timedelta(minutes=1))
        request.app.state.open311_posts = limiter
    return limiter


@router.post("/requests.{fmt}")
async def post_request(fmt: str, request: Request, call: CallDep) -> Response:
    fmt = _format(fmt)
    hub = call.hub
    now = hub.now()
    limiter = _limiter(request, hub)
    address = request.client.host if request.client else "unknown"
    wait = limiter.hit([f"open311-address:{address}"], now)
    if wait:
        raise TooManyRequests(f"too many new requests from {address}", wait)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM:
        raise BadRequest(f"send the request as {FORM} (GeoReport v2), not {content_type!r}")
    body = await request.body()
    if len(body) > MAX_FORM:
        raise StatusError(413, f"the request is too large (at most {MAX_FORM // 1024} KiB)")
    params = Params(parse_form(body) + list(request.query_params.multi_items()))
    api_key = apikey.from_params(params)
    with hub.transaction(write=False) as conn:
        client = apikey.client(conn, api_key)
        content = releases.latest_content(conn, hub.blobs)
    wait = limiter.hit([f"open311-key:{token_hash(api_key)}"], now)
    if wait:
        raise TooManyRequests("too many new requests with this api_key", wait)
    lang = _language(params, hub)
    service_code = params.one("service_code", max_length=64)
    if service_code is None:
        raise BadRequest("service_code was not provided")
    category = services.find(content, service_code, now)
    if category is None:
        raise NotFound(f"service_code {service_code!r} was not found")
    new = requests.validate(params, category, lang)
    with hub.transaction() as conn:
        created = requests.create(conn, new, client, now)
        route_new_report(conn, created.report_id, new.service_code, now, hub)
    realtime, batch = category.type == "realtime", category.type == "batch"
    doc = render.created(
        created.service_request_id if realtime else None,
        created.token if batch else None,
        services.notice(category, lang, created.ref_code),
        new.account_id,
    )
    return _answer(doc, fmt)


def _reader(conn: Connection, params: Params) -> str | None:
    """The api_key a GET came with, if any (a wrong one is refused as on POST): the requests
    this client filed are shown to it whole."""
    api_key = apikey.from_params(params)
    return apikey.client(conn, api_key).key if api_key else None


@router.get("/requests.{fmt}")
def request_list(fmt: str, request: Request, call: CallDep) -> Response:
    fmt = _format(fmt)
    params, lang = _query(request, call.hub)
    zone = _zone(call.hub.settings.timezone)
    query = requests.parse_query(params, call.hub.now(), zone)
    with call.hub.transaction(write=False) as conn:
        reader = _reader(conn, params)
        rows = requests.find(conn, query)
        content = releases.latest_content(conn, call.hub.blobs)
    categories = services.by_code(content)
    found = [requests.public(row, categories, lang, reader) for row in rows]
    return _answer(render.requests(found, zone), fmt)


@router.get("/requests/{service_request_id}.{fmt}")
def one_request(service_request_id: str, fmt: str, request: Request, call: CallDep) -> Response:
    fmt = _format(fmt)
    params, lang = _query(request, call.hub)
    with call.hub.transaction(write=False) as conn:
        reader = _reader(conn, params)
        row = requests.get(conn, service_request_id)
        content = releases.latest_content(conn, call.hub.blobs)
    found = requests.public(row, services.by_code(content), lang, reader)
    return _answer(render.requests([found], _zone(call.hub.settings.timezone)), fmt)


@router.get("/tokens/{token}.{fmt}")
def token(token: str, fmt: str, request: Request, call: CallDep) -> Response:
    fmt = _format(fmt)
    _query(request, call.hub)
    with call.hub.transaction(write=False) as conn:
        service_request_id, token = requests.by_token(conn, token)
    return _answer(render.token(service_request_id, token), fmt)


def _as_open311(request: Request, exc: Exception) -> Open311Error:
    if isinstance(exc, Open311Error):
        return exc
    if isinstance(exc, StarletteHTTPException):
        described = {
            404: f"{request.url.path[:200]} does not exist; see {PREFIX}/discovery.xml",
            405: f"{request.method} is not allowed on {request.url.path[:200]}",
        }
        detail = described.get(exc.status_code, str(exc.detail))
        return StatusError(exc.status_code, detail, headers=dict(exc.headers or {}))
    if isinstance(exc, RequestValidationError):
        return BadRequest("the request is malformed")
    if isinstance(exc, HubError):
        return StatusError(exc.status, exc.detail)
    return StatusError(500, "internal error; the hub's log says more")


def create_open311(hub: Hub) -> FastAPI:
    """Open311 as an app of its own, mounted at MOUNT: every failure under it (a version this
    hub does not serve included) is answered with the spec's error list."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, strict_content_type=False)
    app.state.hub = hub
    app.include_router(router, prefix=PREFIX.removeprefix(MOUNT))
    for failure in (Open311Error, HubError, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(failure, error_answer)
    app.add_exception_handler(DataError, _unstorable)
    # Starlette re-raises after this answer, so the server logs the traceback.
    app.add_exception_handler(Exception, error_answer)
    return app


async def _unstorable(request: Request, _exc: DataError) -> Response:
    return await error_answer(request, unstorable())


async def error_answer(request: Request, exc: Exception) -> Response:
    """Any failure under the prefix as the spec's error list, in the format asked for."""
    error = _as_open311(request, exc)
    fmt = "json" if request.url.path.endswith(".json") else "xml"
    body, media_type = render.render(*render.errors(error.errors), fmt)
    return Response(body, status_code=error.status, media_type=media_type, headers=error.headers)
