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
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from hub.db import reports
from hub.errors import BadRequest, Conflict, Invalid
from hub.times import iso
from kiosk.content.model import Language


class ReportIn(BaseModel):
    """A report as a kiosk delivers it (Open311 GeoReport v2 fields plus receipt data)."""

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
) -> Receipt:
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
            result = conn.execute(reports.insert().values(**values))
    except IntegrityError:
        # Another delivery of the same report won the race: answer as for a replay.
        row = _existing(conn, kiosk_id, uuid)
        if row is None:
            raise
        return _replay(row, fingerprint, uuid)
    return Receipt(str(result.inserted_primary_key[0]), new=True)
