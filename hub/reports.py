"""Report intake: each (kiosk, uuid) is stored once, forever.

A kiosk retries until it hears an answer, so the same report may arrive many times; the hub
answers every replay with the original service_request_id. The same key with a different body
is a bug or an attack, not a retry: 409.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from hub.db import reports
from hub.errors import BadRequest, Conflict, HubError, Invalid
from hub.routing import route_new_report
from hub.times import iso
from kiosk.content.model import Language

if TYPE_CHECKING:
    from hub.context import Hub


class ReportIn(BaseModel):
    """A report as a kiosk delivers it (Open311 GeoReport v2 fields plus receipt data)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        # NUL cannot be stored in PostgreSQL text; refusing the report would lose it for good.
        return value.replace("\x00", "") if isinstance(value, str) else value

    uuid: UUID
    ref_code: Annotated[str, Field(min_length=1, max_length=20)]
    status_token: Annotated[str, Field(min_length=8, max_length=100)]
    created: datetime
    lang: Language
    service_code: Annotated[str, Field(min_length=1, max_length=64)]
    description: Annotated[str, Field(min_length=1, max_length=4000)]
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    long: Annotated[float, Field(ge=-180, le=180)] | None = None
    address_string: Annotated[str, Field(max_length=250)] | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    phone: Annotated[str, Field(max_length=32)] | None = None
    first_name: Annotated[str, Field(max_length=100)] | None = None
    last_name: Annotated[str, Field(max_length=100)] | None = None

    def fingerprint(self) -> str:
        """The same report however it was serialised (key order, spacing, float spelling)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


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
    known_codes: frozenset[str],
    now: datetime,
    hub: Hub | None = None,
) -> Receipt:
    """Store a kiosk's report once; with `hub`, a new one is also routed to its department."""
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
    if report.service_code not in known_codes:
        raise Invalid(f"unknown service_code {report.service_code!r}")
    values = report.model_dump(exclude={"uuid", "created"}) | {
        "kiosk_id": kiosk_id,
        "uuid": uuid,
        "created": iso(report.created),
        "received": iso(now),
        "body_sha256": fingerprint,
        "status": "open",
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
    if hub is not None:
        route_new_report(conn, report_id, report.service_code, now, hub)
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
    known_codes: frozenset[str],
    now: datetime,
    hub: Hub | None = None,
) -> list[dict]:
    """Store each report of a batch as `submit` does, each idempotent on its own uuid; one
    answer per item, in order: stored, replay (with the original id) or rejected (with the
    status and reason a single POST /reports would get).

    A refused item leaves nothing behind (its own savepoint) and does not stop the others.
    Anything unexpected raises, the caller's transaction rolls the whole batch back, and the
    kiosk sends it again: every item is answered, or none is."""
    if not items:
        raise Invalid("an empty batch: send at least one report")
    if len(items) > BATCH_MAX:
        raise Invalid(
            f"{len(items)} reports in one batch, at most {BATCH_MAX}: send the rest in another"
        )
    return [_submit_item(conn, kiosk_id, item, known_codes, now, hub) for item in items]


def _submit_item(
    conn: Connection,
    kiosk_id: str,
    item: Any,
    known_codes: frozenset[str],
    now: datetime,
    hub: Hub | None,
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
            receipt = submit(conn, kiosk_id, uuid, report, known_codes, now, hub)
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
