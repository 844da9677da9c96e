"""Report intake: a report a kiosk was thanked for is kept, each (kiosk, uuid) once, forever.

A kiosk retries until it hears an answer, so the same report may arrive many times; the hub
answers every replay with the original service_request_id. The same key with a different body
is a bug or an attack, not a retry: 409.

What the hub refuses, and what it keeps instead. The resident holds a receipt for every
report, and a kiosk that hears "no" keeps the report for a person to look at, so the hub
refuses only what it cannot store:

- refused: a body that is not a report at all (not an object, a field missing or of the
  wrong JSON type, no valid uuid: without one a retry would be stored twice); for
  POST /reports also an Idempotency-Key that is not the uuid (400);
- kept and mended, each mend recorded in the report's `flags` for staff (`mend`): a category
  the hub does not know puts the report in the unsorted queue, at the top of the staff
  inbox, where staff choose its category (`hub.reports.casework.recategorise`); text longer than its
  column is cut; an over-long e-mail or phone (no address at all) and coordinates off the
  globe are dropped; a language the hub does not speak becomes Polish; a `created` outside
  a sane window around the hub's clock (the kiosk's clock was wrong) becomes the time the
  hub received it, the kiosk's time kept in the flags;
- too many: more than `Settings.reports_per_kiosk_hour` new reports from one kiosk within
  an hour are answered 429 with Retry-After, counted from the database (`KioskQuota`), so
  the limit holds across restarts and worker processes. A replay is never counted nor
  limited: it costs nothing, and the kiosk needs its id.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, ValidationError, field_validator
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from hub.db import reports
from hub.errors import BadRequest, Conflict, HubError, Invalid, TooManyRequests
from hub.reports.routing import route_new_report
from hub.times import OutOfRange, bounded, iso, parse
from kiosk_core.content.model import (
    ATTRIBUTE_CODE_PATTERN,
    DEFAULT_LANGUAGE,
    LANGUAGES,
    ReportCategory,
)
from kiosk_core.reportanswers import MAX_TEXT, Answer, check_answers
from kiosk_core.reports import clean_text

if TYPE_CHECKING:
    from hub.context import Hub


class ReportIn(BaseModel):
    """A report as a kiosk delivers it (Open311 GeoReport v2 fields plus receipt data).

    Only the JSON types are checked here; values the hub cannot take as they are are
    mended by `mend`, not refused. The fields and their types are those of every earlier
    hub: the fingerprint of a report stored before an upgrade stays the same, so its
    replay is still recognised."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        # NUL cannot be stored in PostgreSQL text; refusing the report would lose it for good.
        return value.replace("\x00", "") if isinstance(value, str) else value

    uuid: UUID
    ref_code: str
    status_token: str
    created: datetime
    lang: str
    service_code: str
    description: str
    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    attributes: dict[str, Any] | None = None
    """Answers to the category's questions (kiosk_core.reportanswers); checked by `mend`."""

    def fingerprint(self) -> str:
        """The same report however it was serialised (key order, spacing, float spelling).
        A report without answers has the fingerprint it had before kiosks sent answers."""
        dumped = self.model_dump(mode="json")
        if not dumped["attributes"]:
            del dumped["attributes"]
        canonical = json.dumps(dumped, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


CUT = {
    "ref_code": 20,
    "status_token": 100,
    "service_code": 64,
    "address_string": 250,
    "first_name": 100,
    "last_name": 100,
}
"""Text fields longer than their column are cut to it (the description's column has none)."""
DROPPED = {"email": 254, "phone": 32}
"""Longer than any e-mail address or phone number: not cut (a cut address could be someone
else's), dropped."""
CLOCK_PAST = timedelta(days=400)
"""A report may reach the hub long after it was written (a kiosk offline for months)..."""
CLOCK_FUTURE = timedelta(days=1)
"""...but not before: beyond these, the kiosk's clock was wrong."""
HOUR = timedelta(hours=1)
ATTRIBUTE_CODE = re.compile(ATTRIBUTE_CODE_PATTERN)


def mend(
    report: ReportIn, now: datetime, category: ReportCategory | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report's values as the hub stores them, and its flags: what was changed to store
    it (`cut`, `dropped`: field names; `lang`, `created`: what the kiosk sent; `answers`:
    the answers left out, see `_answers`). `category`: the report's, when the hub knows it."""
    values = report.model_dump(exclude={"uuid", "created"})
    flags: dict[str, Any] = {}
    values["attributes"], left_out = _answers(report.attributes, category)
    if left_out:
        flags["answers"] = left_out
    for name, limit in CUT.items():
        if values[name] is not None and len(values[name]) > limit:
            values[name] = values[name][:limit]
            flags.setdefault("cut", []).append(name)
    for name, limit in DROPPED.items():
        if values[name] is not None and len(values[name]) > limit:
            values[name] = None
            flags.setdefault("dropped", []).append(name)
    lat, long = values["lat"], values["long"]
    if (lat, long) != (None, None) and not _on_the_globe(lat, long):
        values["lat"] = values["long"] = None
        flags.setdefault("dropped", []).extend(["lat", "long"])
    if values["lang"] not in LANGUAGES:
        flags["lang"] = values["lang"][:20]
        values["lang"] = DEFAULT_LANGUAGE
    values["created"] = iso(now)
    try:
        created = bounded(report.created)
    except OutOfRange:
        created = None
    if created is not None and now - CLOCK_PAST <= created <= now + CLOCK_FUTURE:
        values["created"] = iso(created)
    else:
        flags["created"] = report.created.isoformat()[:64]
    return values, flags


MAX_ANSWERS = 50
"""Answers kept of a report in a category the hub does not know (none asks that many)."""


def _answers(
    given: dict[str, Any] | None, category: ReportCategory | None
) -> tuple[str | None, list[dict[str, Any]]]:
    """The answers as stored (JSON, or None) and those left out, each with its question's
    code, the problem (kiosk_core.reportanswers.AnswerProblem's code) and the value as sent,
    so staff still read what the resident answered. A report is never refused for its
    answers: the kiosk checked them against its own release, and a category changed since
    (a question added, a choice removed) must not lose the report. Answers to a category the
    hub does not know (an unsorted report) are kept as sent, within bounds."""
    if not given and (category is None or not category.attributes):
        return None, []
    given = given or {}
    left_out: list[dict[str, Any]] = []
    readable: dict[str, Answer] = {}
    for code, value in list(given.items())[:MAX_ANSWERS]:
        answer = _readable(value)
        if answer is None or not ATTRIBUTE_CODE.match(code):
            left_out.append({"code": code[:64], "problem": "unreadable", "value": _shown(value)})
        else:
            readable[code] = answer
    if category is None:
        kept: dict[str, Answer] = {
            code: answer[:MAX_TEXT] if isinstance(answer, str) else answer
            for code, answer in readable.items()
        }
    else:
        kept, problems = check_answers(category, readable)
        left_out += [
            {"code": p.attribute, "problem": p.code, "value": _shown(readable.get(p.attribute))}
            for p in problems
        ]
    return (json.dumps(kept, ensure_ascii=False) if kept else None), left_out


def _readable(value: Any) -> Answer | None:
    """An answer as text (what kiosks send), cleaned as a kiosk cleans typed text; a list
    of them for several choices; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value) and value:
        return [clean_text(v)[:100] for v in value[:100]]
    return None


def _shown(value: Any) -> str:
    """An answer left out, as staff read it in the report's notes."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ", ".join(value)
    else:
        text = json.dumps(value, ensure_ascii=False)
    return text.replace("\x00", "")[:MAX_TEXT]


def _on_the_globe(lat: float | None, long: float | None) -> bool:
    if lat is None or long is None:
        return False
    return math.isfinite(lat) and math.isfinite(long) and abs(lat) <= 90 and abs(long) <= 180


def flags_of(raw: str | None) -> dict[str, Any]:
    """A stored report's flags (see `mend`); {} when nothing was mended."""
    if not raw:
        return {}
    try:
        flags = json.loads(raw)
    except ValueError:
        return {}
    return flags if isinstance(flags, dict) else {}


class TooManyReports(TooManyRequests):
    """A kiosk's new reports beyond its hourly allowance (see `KioskQuota`)."""


@dataclass
class KioskQuota:
    """How many new reports one kiosk may still deliver: `per_hour` within any hour, counted
    from the reports table (received within the last hour), not from a process's memory."""

    kiosk_id: str
    per_hour: int
    now: datetime
    used: int
    _retry_after: int | None = None

    @classmethod
    def count(cls, conn: Connection, kiosk_id: str, per_hour: int, now: datetime) -> KioskQuota:
        used = conn.scalar(
            select(func.count()).select_from(reports).where(*_last_hour(kiosk_id, now))
        )
        return cls(kiosk_id, per_hour, now, used or 0)

    def take(self, conn: Connection) -> None:
        """Count one new report, or TooManyReports once the hour's allowance is used."""
        if self.used < self.per_hour:
            self.used += 1
            return
        seconds = self.retry_after(conn)
        raise TooManyReports(
            f"kiosk {self.kiosk_id} sent {self.per_hour} new reports within an hour, the most "
            f"this hub takes; send the rest in {seconds} s",
            seconds,
        )

    def retry_after(self, conn: Connection) -> int:
        """Seconds until one more report fits: when the report whose leaving the hour makes
        room was received an hour ago."""
        if self._retry_after is None:
            received = conn.scalar(
                select(reports.c.received)
                .where(*_last_hour(self.kiosk_id, self.now))
                .order_by(reports.c.received, reports.c.id)
                .offset(max(self.used - self.per_hour, 0))
                .limit(1)
            )
            wait = (parse(received) + HOUR - self.now).total_seconds() if received else 1
            self._retry_after = max(1, math.ceil(wait))
        return self._retry_after


def _last_hour(kiosk_id: str, now: datetime) -> list:
    return [reports.c.kiosk_id == kiosk_id, reports.c.received > iso(now - HOUR)]


@dataclass(frozen=True)
class Receipt:
    service_request_id: str
    new: bool
    """False for a replay: answer 200 with the original id instead of 201."""


def _existing(conn: Connection, kiosk_id: str, uuid: str):
    return conn.execute(
        select(reports.c.id, reports.c.body_sha256).where(
            reports.c.kiosk_id == kiosk_id, reports.c.uuid == uuid
        )
    ).first()


def _replay(row, fingerprint: str, uuid: str) -> Receipt:
    if row.body_sha256 != fingerprint:
        raise Conflict(f"report {uuid} was already received with a different body")
    return Receipt(str(row.id), new=False)


def submit(
    conn: Connection,
    kiosk_id: str,
    idempotency_key: str | None,
    report: ReportIn,
    categories: Collection[str],
    now: datetime,
    hub: Hub | None = None,
    quota: KioskQuota | None = None,
) -> Receipt:
    """Store a kiosk's report once, mended where it must be (see the module's docstring);
    with `hub`, a new report in a known category is also routed to its department; with
    `quota`, a new report counts against it (a replay never does). `categories`: the live
    release's report categories by service code (given as a set of codes alone, the answers
    to their questions are kept unchecked)."""
    uuid = str(report.uuid)
    if not idempotency_key:
        raise BadRequest("missing Idempotency-Key header (the report's uuid)")
    try:
        same_key = str(UUID(idempotency_key.strip())) == uuid
    except ValueError:
        same_key = False
    if not same_key:
        raise BadRequest("Idempotency-Key must equal the report's uuid")
    fingerprint = report.fingerprint()
    row = _existing(conn, kiosk_id, uuid)
    if row is not None:
        return _replay(row, fingerprint, uuid)
    if quota is not None:
        quota.take(conn)
    category = categories.get(report.service_code) if isinstance(categories, Mapping) else None
    values, flags = mend(report, now, category)
    unsorted = values["service_code"] not in categories
    values |= {
        "kiosk_id": kiosk_id,
        "uuid": uuid,
        "received": iso(now),
        "body_sha256": fingerprint,
        "status": "open",
        "unsorted": unsorted,
        "flags": json.dumps(flags, sort_keys=True) if flags else None,
    }
    try:
        with conn.begin_nested():
            # Values as parameters: one cached statement, not a new one compiled per report.
            result = conn.execute(reports.insert(), values)
    except IntegrityError:
        # Another delivery of the same report won the race: answer as for a replay.
        row = _existing(conn, kiosk_id, uuid)
        if row is None:
            raise
        return _replay(row, fingerprint, uuid)
    report_id = result.inserted_primary_key[0]
    if hub is not None and not unsorted:
        # An unsorted report goes nowhere yet: staff choose its category, and it is routed then.
        route_new_report(conn, report_id, values["service_code"], now, hub)
    return Receipt(str(report_id), new=True)


BATCH_MAX = 100
"""Reports one POST /reports/batch may carry. A kiosk's report is about 1 KB of JSON (60 KB at
the very most), so a kiosk packs a batch by size too, to stay under the body limit (1 MiB)."""


class ReportBatchIn(BaseModel):
    """Several reports in one request. The items are checked one by one in `submit_batch`, so
    one invalid report is refused on its own instead of failing the whole batch."""

    reports: list[Any]


def submit_batch(
    conn: Connection,
    kiosk_id: str,
    items: list[Any],
    categories: Collection[str],
    now: datetime,
    hub: Hub | None = None,
    quota: KioskQuota | None = None,
) -> list[dict]:
    """Store each report of a batch as `submit` does, each idempotent on its own uuid; one
    answer per item, in order: stored, replay (with the original id) or rejected (with the
    status and reason a single POST /reports would get; for 429 also `retry_after`, seconds).

    A refused item leaves nothing behind (its own savepoint) and does not stop the others.
    Anything unexpected raises, the caller's transaction rolls the whole batch back, and the
    kiosk sends it again: every item is answered, or none is. When every item is refused
    for the kiosk's hourly limit (no replay among them), the batch as a whole is: 429."""
    if not items:
        raise Invalid("an empty batch: send at least one report")
    if len(items) > BATCH_MAX:
        raise Invalid(
            f"{len(items)} reports in one batch, at most {BATCH_MAX}: send the rest in another"
        )
    results = []
    for item in items:
        results.append(_submit_item(conn, kiosk_id, item, categories, now, hub, quota))
    if quota is not None and all(r.get("status") == 429 for r in results):
        seconds = quota.retry_after(conn)
        raise TooManyReports(
            f"kiosk {kiosk_id} sent {quota.per_hour} new reports within an hour, the most "
            f"this hub takes; send these in {seconds} s",
            seconds,
        )
    return results


def _submit_item(
    conn: Connection,
    kiosk_id: str,
    item: Any,
    categories: Collection[str],
    now: datetime,
    hub: Hub | None,
    quota: KioskQuota | None,
) -> dict:
    try:
        report = ReportIn.model_validate(item)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(part) for part in e['loc']) or 'report'}: {e['msg']}"
            for e in exc.errors()
        ]
        return _refused(_item_uuid(item), 422, "; ".join(problems[:5]))
    uuid = str(report.uuid)
    try:
        with conn.begin_nested():
            receipt = submit(conn, kiosk_id, uuid, report, categories, now, hub, quota)
    except TooManyReports as exc:
        return _refused(uuid, exc.status, exc.detail) | {"retry_after": exc.retry_after}
    except HubError as exc:
        return _refused(uuid, exc.status, exc.detail)
    outcome = "stored" if receipt.new else "replay"
    return {"uuid": uuid, "outcome": outcome, "service_request_id": receipt.service_request_id}


def _refused(uuid: str | None, status: int, detail: str) -> dict:
    return {"uuid": uuid, "outcome": "rejected", "status": status, "detail": detail}


def _item_uuid(item: Any) -> str | None:
    """The uuid of an item that failed validation, when it has a readable one."""
    raw = item.get("uuid") if isinstance(item, dict) else None
    try:
        return str(UUID(raw)) if isinstance(raw, str) else None
    except ValueError:
        return None
