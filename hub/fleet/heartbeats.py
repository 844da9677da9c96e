"""Fleet status: the last heartbeat of every kiosk, and which ones have gone quiet.

Only the latest heartbeat is kept per kiosk (one row, overwritten): what an administrator
needs is "is it alive, what is it showing, is anything stuck", not a history. Retired kiosks
are not part of the fleet: they are left out unless asked for, and never offline.

Among what may be stuck: reports the hub refused to store, which the kiosk keeps (contact
details and all) until a person sends them again or discards them there. Each heartbeat says
how many (`attention`) and lists the oldest (`attention_reports`: code, when filed, category,
the hub's reason); a kiosk too old to say sends neither, and is shown as not knowing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from hub.db import heartbeats, kiosks, upsert
from hub.times import ClientTime, aware, iso, parse

MAX_ERRORS = 50
MAX_ATTENTION = 10
"""Reports needing attention kept per heartbeat (the kiosk sends the oldest first)."""
REASON_LENGTH = 300


class AttentionReport(BaseModel):
    """A report the kiosk keeps because the hub refused it: no personal data, only what an
    administrator needs to find the cause (the reason is cut, not refused, when long)."""

    ref_code: Annotated[str, Field(max_length=20)]
    created: Annotated[str, Field(max_length=40)] | None = None
    service_code: Annotated[str, Field(max_length=200)] | None = None
    reason: str = ""


class Heartbeat(BaseModel):
    sent_at: ClientTime
    content_version: Annotated[int, Field(ge=0, le=2**62)] | None = None
    outbox_depth: Annotated[int, Field(ge=0, le=2**62)] | None = None
    last_touch: ClientTime | None = None
    uptime: Annotated[float, Field(ge=0, le=1e10, allow_inf_nan=False)] | None = None
    app_version: Annotated[str, Field(max_length=50)] | None = None
    errors: list[str] = []
    """Kept as sent up to MAX_ERRORS of 500 characters: a long error is cut, not refused."""
    attention: Annotated[int, Field(ge=0, le=2**62)] | None = None
    attention_reports: list[AttentionReport] = []
    """Kept up to MAX_ATTENTION."""


def record(conn: Connection, kiosk_id: str, beat: Heartbeat, now: datetime) -> float:
    """Keep this heartbeat as the kiosk's latest; returns the clock skew in seconds
    (server time − kiosk time: positive when the kiosk's clock is behind)."""
    skew = (now - aware(beat.sent_at)).total_seconds()
    upsert(
        conn,
        heartbeats,
        [
            {
                "kiosk_id": kiosk_id,
                "received": iso(now),
                "sent_at": iso(beat.sent_at),
                "skew": round(skew, 3),
                "content_version": beat.content_version,
                "outbox_depth": beat.outbox_depth,
                "last_touch": iso(beat.last_touch) if beat.last_touch else None,
                "uptime": beat.uptime,
                "app_version": beat.app_version,
                "errors": json.dumps([e[:500] for e in beat.errors[:MAX_ERRORS]]),
                "attention": beat.attention,
                "attention_reports": json.dumps(
                    [
                        r.model_dump() | {"reason": r.reason[:REASON_LENGTH]}
                        for r in beat.attention_reports[:MAX_ATTENTION]
                    ],
                    ensure_ascii=False,
                ),
            }
        ],
        ("kiosk_id",),
    )
    return skew


@dataclass(frozen=True)
class KioskStatus:
    kiosk_id: str
    name: str
    groups: list[str]
    last_seen: datetime | None
    skew: float | None
    content_version: int | None
    outbox_depth: int | None
    last_touch: datetime | None
    uptime: float | None
    app_version: str | None
    errors: list[str]
    offline: bool
    attention: int | None = None
    """Reports the kiosk keeps because the hub refused them; None: the kiosk does not say."""
    attention_reports: list[dict] = field(default_factory=list)
    retired: datetime | None = None

    def as_json(self) -> dict:
        data = asdict(self)
        for name in ("last_seen", "last_touch", "retired"):
            data[name] = iso(data[name]) if data[name] else None
        return data


def status(
    conn: Connection, now: datetime, offline_after: timedelta, retired: bool = False
) -> list[KioskStatus]:
    """Every kiosk in service, heard from or not; offline when silent for longer than
    `offline_after`. With `retired`, the retired kiosks too (never offline)."""
    query = (
        select(kiosks, heartbeats)
        .select_from(kiosks.outerjoin(heartbeats, heartbeats.c.kiosk_id == kiosks.c.id))
        .order_by(kiosks.c.id)
    )
    if not retired:
        query = query.where(kiosks.c.retired.is_(None))
    out = []
    for row in conn.execute(query):
        seen = parse(row.received)
        gone = parse(row.retired)
        out.append(
            KioskStatus(
                kiosk_id=row.id,
                name=row.name,
                groups=json.loads(row.groups),
                last_seen=seen,
                skew=row.skew,
                content_version=row.content_version,
                outbox_depth=row.outbox_depth,
                last_touch=parse(row.last_touch),
                uptime=row.uptime,
                app_version=row.app_version,
                errors=json.loads(row.errors) if row.errors else [],
                offline=gone is None and (seen is None or now - seen > offline_after),
                retired=gone,
                attention=row.attention,
                attention_reports=json.loads(row.attention_reports or "[]"),
            )
        )
    return out
