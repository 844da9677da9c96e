"""Service requests: filing one for an Open311 client, and finding requests for anyone.

A filed request is a report like one from a kiosk (source `open311`, no kiosk), with a
reference code in the kiosk's alphabet, a secret status token for the resident's status
page and an Open311 token for `tokens/{token}`. What anyone may read back is the public
part only (hub.reports.disclosure: the category decides about the description and the place): never
the e-mail, phone, names, status token or a phone's device id. The client that filed a request
reads back, with its api_key, all it sent.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, tzinfo
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Connection, select

from hub.db import reports
from hub.reports.disclosure import disclosed
from hub.reports.open311.apikey import Client
from hub.reports.open311.errors import BadRequest, NotFound
from hub.reports.open311.params import Params
from hub.times import OutOfRange, bounded, iso, parse
from kiosk_core.content.model import ReportAttribute, ReportCategory, tr
from kiosk_core.refcodes import new_ref_code
from kiosk_core.reportanswers import AnswerProblem, check_answers

MAX_DESCRIPTION = 4000
"""The spec's limit for a description."""
WINDOW = timedelta(days=90)
"""The spec's default span of a query, and the longest a query may ask for."""
MAX_RESULTS = 1000
"""The spec's default cap on requests returned; also the largest page_size."""
MAX_PAGE = 1_000_000
ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\[\]]*)\](\[\])?$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{3,32}$")
REQUEST_ID = re.compile(r"^[0-9]{1,18}$")


@dataclass(frozen=True)
class NewRequest:
    """A validated POST: what is stored, nothing else."""

    service_code: str
    lang: str
    description: str
    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    media_url: str | None = None
    attributes: dict[str, str | list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Created:
    report_id: int
    ref_code: str
    token: str

    @property
    def service_request_id(self) -> str:
        return str(self.report_id)


class _Problems:
    """Collects every problem of a form, so the client hears about all of them at once."""

    def __init__(self, params: Params):
        self.params = params
        self.found: list[str] = []

    def one(self, name: str, max_length: int = 100, multiline: bool = False) -> str | None:
        try:
            return self.params.one(name, max_length, multiline)
        except BadRequest as exc:
            self.found += exc.descriptions
            return None


def validate(params: Params, category: ReportCategory, lang: str) -> NewRequest:
    """The POST fields for `category` checked; 400 listing every problem found."""
    p = _Problems(params)
    lat, long = _location(p)
    address_string = p.one("address_string", 250)
    address_id = p.one("address_id", 100)
    if lat is None and not address_string and not address_id and not p.found:
        p.found.append("a location is required: lat and long, address_string or address_id")
    if address_id:
        # We keep no address register: the id is kept for people to read.
        address_string = "; ".join(filter(None, [address_string, f"address_id {address_id}"]))
    description = (p.one("description", MAX_DESCRIPTION, multiline=True) or "").replace(
        "\r\n", "\n"
    )
    new = NewRequest(
        service_code=category.service_code,
        lang=lang,
        description=description,
        lat=lat,
        long=long,
        address_string=address_string,
        email=_email(p),
        phone=_phone(p),
        first_name=p.one("first_name"),
        last_name=p.one("last_name"),
        device_id=p.one("device_id"),
        account_id=p.one("account_id"),
        media_url=_media_url(p),
        attributes=_attributes(p, category, lang),
    )
    if p.found:
        raise BadRequest(*p.found)
    return new


def _location(p: _Problems) -> tuple[float | None, float | None]:
    lat, long = p.one("lat", 40), p.one("long", 40)
    if (lat is None) != (long is None):
        p.found.append("lat and long must be sent together")
        return None, None
    if lat is None:
        return None, None
    return _coordinate(p, "lat", lat, 90), _coordinate(p, "long", long, 180)


def _coordinate(p: _Problems, name: str, text: str, limit: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > limit:
        p.found.append(f"{name} must be a number from -{limit} to {limit} (WGS84 degrees)")
        return None
    return value


def _email(p: _Problems) -> str | None:
    email = p.one("email", 254)
    if email is None:
        return None
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        p.found.append(f"email is not a valid e-mail address: {exc}")
        return None


def _phone(p: _Problems) -> str | None:
    phone = p.one("phone", 32)
    if phone is not None and (not PHONE.match(phone) or sum(c.isdigit() for c in phone) < 3):
        p.found.append("phone must be a phone number (digits, spaces, + - ( ) . /)")
        return None
    return phone


def _media_url(p: _Problems) -> str | None:
    url = p.one("media_url", 500)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        p.found.append("media_url must be an http or https URL")
        return None
    return url


def _attributes(p: _Problems, category: ReportCategory, lang: str) -> dict[str, str | list[str]]:
    """attribute[CODE]=value (and attribute[CODE][]=value for a multivaluelist), checked
    against the category's service definition (kiosk_core.reportanswers, as a kiosk's
    answers are)."""
    given: dict[str, list[str]] = {}
    for name, value in p.params.items:
        if not name.startswith("attribute["):
            continue
        match = ATTRIBUTE_FIELD.match(name)
        if not match or not match[1]:
            p.found.append(f"malformed field name {name[:80]!r}: use attribute[CODE]=value")
        else:
            given.setdefault(match[1], []).append(value)
    answers, problems = check_answers(category, given)
    asked = {a.code: a for a in category.attributes}
    unknown = 0
    for problem in problems:
        if problem.code == "not_asked":
            unknown += 1
            if unknown > 20 or not any(v.strip() for v in given[problem.attribute]):
                continue
        p.found.append(_problem_text(problem, asked.get(problem.attribute), category, lang))
    return answers


def _problem_text(
    problem: AnswerProblem, attribute: ReportAttribute | None, category: ReportCategory, lang: str
) -> str:
    """An answer's problem in the words an Open311 client's developer reads."""
    name = f"attribute[{problem.attribute}]"
    if problem.code == "not_asked" or attribute is None:
        return f"{name} is not asked by service {category.service_code}"
    keys = ", ".join(v.key for v in attribute.values)
    kind = "a number" if problem.code == "not_a_number" else "an ISO 8601 date and time"
    return {
        "required": f"{name} is required ({tr(attribute.description, lang)})",
        "informs_only": f"{name} only informs and takes no answer",
        "not_a_choice": f"{name}: {problem.value!r} is not one of {keys}",
        "one_value": f"{name} takes one value, not {problem.limit}",
        "too_long": f"{name} is too long (at most {problem.limit} characters)",
        "line_break": f"{name} contains control characters or line breaks",
        "control": f"{name} contains control characters or line breaks",
        "not_a_number": f"{name} must be {kind}",
        "not_a_datetime": f"{name} must be {kind}",
    }.get(problem.code, f"{name} cannot be taken ({problem.code})")


def create(conn: Connection, new: NewRequest, client: Client, now: datetime) -> Created:
    """Store the request as a report; the caller's transaction commits it."""
    ref_code = _free_ref_code(conn)
    token = secrets.token_urlsafe(16)
    fields = asdict(new)
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    values = fields | {
        "attributes": json.dumps(new.attributes, ensure_ascii=False) if new.attributes else None,
        "kiosk_id": None,
        "uuid": str(uuid.uuid4()),
        "body_sha256": hashlib.sha256(canonical.encode()).hexdigest(),
        "received": iso(now),
        "created": iso(now),
        "ref_code": ref_code,
        "status_token": secrets.token_urlsafe(16),
        "status": "open",
        "source": "open311",
        "client": client.name,
        "client_key": client.key,
        "open311_token": token,
    }
    result = conn.execute(reports.insert().values(**values))
    return Created(int(result.inserted_primary_key[0]), ref_code, token)


def _free_ref_code(conn: Connection) -> str:
    for _attempt in range(20):
        code = new_ref_code()
        if conn.scalar(select(reports.c.id).where(reports.c.ref_code == code).limit(1)) is None:
            return code
    raise RuntimeError("could not find a free reference code")


# --- finding requests ---------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    ids: tuple[int, ...] | None
    """Asked for by id: every other filter is ignored, as the spec says."""
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    """Stored statuses: Open311's `open` is our open and in_progress."""
    start: datetime | None = None
    end: datetime | None = None
    page: int = 1
    page_size: int = MAX_RESULTS


def parse_query(params: Params, now: datetime, zone: tzinfo) -> Query:
    """GET requests' filters; 400 for what cannot be understood."""
    ids = params.listed("service_request_id", max_items=MAX_RESULTS, max_length=40)
    if ids:
        bad = [i for i in ids if not REQUEST_ID.match(i)]
        if bad:
            raise BadRequest(f"service_request_id {bad[0]!r} is not a request id of this endpoint")
        return Query(ids=tuple(int(i) for i in ids))
    statuses: list[str] = []
    for status in params.listed("status", max_items=10, max_length=40):
        if status.lower() not in ("open", "closed"):
            raise BadRequest(f"status {status!r} is not open or closed")
        statuses += ["open", "in_progress"] if status.lower() == "open" else ["closed"]
    start = _date(params, "start_date", zone)
    end = _date(params, "end_date", zone)
    if start is None and end is None:
        start, end = now - WINDOW, now
    elif end is None:
        end = start + WINDOW
    elif start is None:
        start = end - WINDOW
    if end < start:
        raise BadRequest("end_date is earlier than start_date")
    if end - start > WINDOW:
        raise BadRequest("start_date and end_date may not span more than 90 days")
    return Query(
        ids=None,
        service_codes=tuple(params.listed("service_code", max_items=100, max_length=64)),
        statuses=tuple(dict.fromkeys(statuses)),
        start=start,
        end=end,
        page=_whole(params, "page", 1, MAX_PAGE, 1),
        page_size=_whole(params, "page_size", 1, MAX_RESULTS, MAX_RESULTS),
    )


def _date(params: Params, name: str, zone: tzinfo) -> datetime | None:
    text = params.one(name, max_length=40)
    if text is None:
        return None
    # An unencoded "+01:00" in a query string arrives as " 01:00".
    text = re.sub(r" (\d\d:?\d\d)$", r"+\1", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(
            f"{name} {text!r} is not a W3C date and time, e.g. 2010-01-01T00:00:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        return bounded(moment, name)
    except OutOfRange as exc:
        raise BadRequest(exc.detail) from None


def _whole(params: Params, name: str, low: int, high: int, default: int) -> int:
    text = params.one(name, max_length=20)
    if text is None:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise BadRequest(f"{name} must be a whole number from {low} to {high}")
    return int(text)


PUBLIC_COLUMNS = (
    reports.c.id,
    reports.c.kiosk_id,
    reports.c.source,
    reports.c.service_code,
    reports.c.description,
    reports.c.status,
    reports.c.status_notes,
    reports.c.created,
    reports.c.received,
    reports.c.updated,
    reports.c.address_string,
    reports.c.lat,
    reports.c.long,
    reports.c.media_url,
    reports.c.description_public,
    reports.c.client_key,
    reports.c.unsorted,
)
"""The only columns read for anyone: no contact details, names or secrets can leak."""


@dataclass(frozen=True)
class PublicRequest:
    service_request_id: str
    status: str
    status_notes: str | None
    service_name: str
    service_code: str
    description: str
    agency_responsible: str | None
    requested: datetime
    updated: datetime
    address: str | None
    lat: float | None
    long: float | None
    media_url: str | None
    device_id: str | None
    """Our extension: the kiosk a report was filed at."""


def find(conn: Connection, query: Query) -> list:
    """Rows of the requests asked for, newest first (by id: in the order asked)."""
    stmt = select(*PUBLIC_COLUMNS)
    if query.ids is not None:
        rows = conn.execute(stmt.where(reports.c.id.in_(query.ids))).all()
        order = {rid: i for i, rid in enumerate(query.ids)}
        return sorted(rows, key=lambda r: order[r.id])
    stmt = stmt.where(
        reports.c.created >= iso(query.start), reports.c.created <= iso(query.end)
    ).order_by(reports.c.created.desc(), reports.c.id.desc())
    if query.service_codes:
        stmt = stmt.where(reports.c.service_code.in_(query.service_codes))
    if query.statuses:
        stmt = stmt.where(reports.c.status.in_(query.statuses))
    offset = (query.page - 1) * query.page_size
    return conn.execute(stmt.limit(query.page_size).offset(offset)).all()


def get(conn: Connection, service_request_id: str):
    """One request's row; 404 if there is none with this id."""
    row = None
    if REQUEST_ID.match(service_request_id):
        row = conn.execute(
            select(*PUBLIC_COLUMNS).where(reports.c.id == int(service_request_id))
        ).first()
    if row is None:
        raise NotFound(f"service_request_id {service_request_id[:64]!r} was not found")
    return row


def by_token(conn: Connection, token: str) -> tuple[str, str]:
    """(service_request_id, token) for a token a POST answered with; 404 if unknown."""
    row = None
    if 0 < len(token) <= 64:
        row = conn.execute(select(reports.c.id).where(reports.c.open311_token == token)).first()
    if row is None:
        raise NotFound(f"token {token[:64]!r} was not found")
    return str(row.id), token


def public(
    row, categories: dict[str, ReportCategory], lang: str, reader_key: str | None = None
) -> PublicRequest:
    """What everyone may know about a request; all it sent for the client that filed it
    (`reader_key`: the hash of the api_key the request for it came with)."""
    category = categories.get(row.service_code)
    shown = disclosed(
        row, category, filed_by_reader=bool(reader_key) and row.client_key == reader_key
    )
    return PublicRequest(
        service_request_id=str(row.id),
        status="closed" if row.status == "closed" else "open",
        status_notes=row.status_notes,
        service_name=tr(category.name, lang) if category else row.service_code,
        service_code=row.service_code,
        # An unsorted report has no category whose rules could make its description public.
        description="" if row.unsorted else shown.description or "",
        agency_responsible=tr(category.department, lang) if category else None,
        requested=parse(row.created),
        updated=parse(row.updated or row.received),
        address=shown.address,
        lat=shown.lat,
        long=shown.long,
        media_url=shown.media_url,
        device_id=row.kiosk_id if row.source == "kiosk" else None,
    )
