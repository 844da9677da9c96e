"""The kiosk registry: which kiosks exist, where they stand, which groups they are in.

A kiosk taken out of service is retired, never deleted: its tokens stop working at once,
its enrolment tokens are voided, it leaves the active fleet (the fleet page, offline alarms,
`kiosk-hub status`), and its reports, statistics and history stay. Enrolling it again with a
new enrolment token (`kiosk-hub kiosk enrol`) brings it back once the kiosk has used it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from hub.accounts.tokens import add_enrolment, redeem_enrolment, revoke_kiosk_tokens
from hub.db import kiosks
from hub.errors import Conflict, Invalid, NotFound
from hub.times import iso, parse

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
"""The same identifiers content targeting uses (kiosk_core.content.model.Identifier)."""


@dataclass(frozen=True)
class Kiosk:
    id: str
    name: str
    lat: float
    long: float
    groups: list[str] = field(default_factory=list)
    retired: datetime | None = None

    def location(self) -> dict[str, float]:
        return {"lat": self.lat, "long": self.long}


def _check(kiosk: Kiosk) -> None:
    for ident in (kiosk.id, *kiosk.groups):
        if not ID_PATTERN.match(ident):
            raise Invalid(
                f"{ident!r} is not a valid id: lower-case letters, digits, '-' and '_', "
                "starting with a letter or digit, at most 64 characters"
            )
    if not kiosk.name.strip():
        raise Invalid("a kiosk needs a name")
    if not -90 <= kiosk.lat <= 90 or not -180 <= kiosk.long <= 180:
        raise Invalid("latitude must be within ±90 and longitude within ±180")


def add_kiosk(conn: Connection, kiosk: Kiosk, now: datetime, enrol_ttl: timedelta) -> str:
    """Register a kiosk; returns its one-time enrolment token."""
    _check(kiosk)
    existing = get_kiosk(conn, kiosk.id, missing_ok=True)
    if existing is not None and existing.retired is not None:
        raise Conflict(
            f"kiosk {kiosk.id!r} exists and is retired: `kiosk-hub kiosk enrol {kiosk.id}` "
            "brings it back"
        )
    if existing is not None:
        raise Conflict(f"kiosk {kiosk.id!r} already exists")
    conn.execute(
        kiosks.insert().values(
            id=kiosk.id,
            name=kiosk.name.strip(),
            lat=kiosk.lat,
            long=kiosk.long,
            groups=json.dumps(sorted(set(kiosk.groups))),
            created=iso(now),
        )
    )
    return add_enrolment(conn, kiosk.id, now, enrol_ttl)


def reenrol(conn: Connection, kiosk_id: str, now: datetime, enrol_ttl: timedelta) -> str:
    """A fresh one-time token for an existing kiosk (replaced hardware, lost token); its
    current bearer token stops working now."""
    get_kiosk(conn, kiosk_id)
    return add_enrolment(conn, kiosk_id, now, enrol_ttl)


def retire_kiosk(conn: Connection, kiosk_id: str, now: datetime) -> Kiosk:
    """Take a kiosk out of service: its tokens stop working, its enrolment tokens are voided,
    it leaves the active fleet; nothing it sent is deleted. Retiring it again changes
    nothing."""
    kiosk = get_kiosk(conn, kiosk_id)
    assert kiosk is not None
    revoke_kiosk_tokens(conn, kiosk.id, now)
    if kiosk.retired is None:
        conn.execute(kiosks.update().where(kiosks.c.id == kiosk.id).values(retired=iso(now)))
    retired = get_kiosk(conn, kiosk.id)
    assert retired is not None
    return retired


def _from_row(row) -> Kiosk:
    return Kiosk(row.id, row.name, row.lat, row.long, json.loads(row.groups), parse(row.retired))


def get_kiosk(conn: Connection, kiosk_id: str, missing_ok: bool = False) -> Kiosk | None:
    row = conn.execute(select(kiosks).where(kiosks.c.id == kiosk_id)).first()
    if row is None and not missing_ok:
        raise NotFound(f"no kiosk {kiosk_id!r}")
    return _from_row(row) if row else None


def list_kiosks(conn: Connection, retired: bool = True) -> list[Kiosk]:
    """Every kiosk by id; without `retired`, only those in service."""
    query = select(kiosks).order_by(kiosks.c.id)
    if not retired:
        query = query.where(kiosks.c.retired.is_(None))
    return [_from_row(r) for r in conn.execute(query)]


def enroll(conn: Connection, token: str, public_key: str, now: datetime) -> dict:
    """Exchange a one-time token for everything a kiosk stores in DATA/enrolment.json."""
    kiosk_id, bearer = redeem_enrolment(conn, token, now)
    kiosk = get_kiosk(conn, kiosk_id)
    assert kiosk is not None
    return {
        "kiosk_id": kiosk.id,
        "kiosk_token": bearer,
        "groups": kiosk.groups,
        "public_key": public_key,
        "location": kiosk.location(),
    }
