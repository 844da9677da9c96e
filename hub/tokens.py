"""Bearer tokens and one-time enrolment tokens; the hub keeps only their SHA-256.

A leaked database therefore gives no working token. Roles: `kiosk` (bound to one kiosk),
`staff` (publish content), `admin` (everything staff may, plus export and manage) and
`open311` (the api_key of Open311 clients).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, select, update

from hub.db import enrolments, kiosks, tokens
from hub.errors import Forbidden, Invalid, Unauthorized
from hub.times import iso, parse

ROLES = ("kiosk", "staff", "admin", "open311")
PERSON_ROLES = ("staff", "admin", "open311")
IMPLIED = {"admin": {"staff"}}
"""An admin may do whatever staff may."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role, and for a kiosk token the kiosk it speaks for."""

    role: str
    kiosk_id: str | None = None
    name: str | None = None

    def has(self, *roles: str) -> bool:
        mine = {self.role} | IMPLIED.get(self.role, set())
        return bool(mine & set(roles))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_token(
    conn: Connection, role: str, now: datetime, name: str | None = None, kiosk_id: str | None = None
) -> str:
    """Store a new token and return it: the only time it is ever seen in clear."""
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    if (role == "kiosk") != (kiosk_id is not None):
        raise Invalid("a kiosk token belongs to exactly one kiosk; other roles to none")
    token = new_token()
    conn.execute(
        tokens.insert().values(
            hash=token_hash(token), role=role, kiosk_id=kiosk_id, name=name, created=iso(now)
        )
    )
    return token


_LOOKUP = (
    select(tokens.c.role, tokens.c.kiosk_id, tokens.c.name, kiosks.c.id.label("known"))
    .select_from(tokens.outerjoin(kiosks, kiosks.c.id == tokens.c.kiosk_id))
    .where(tokens.c.hash == bindparam("digest"), tokens.c.revoked.is_(None))
)
"""Built once: every request runs it."""


def authenticate(conn: Connection, authorization: str | None) -> Principal:
    """The caller behind an `Authorization: Bearer …` header; 401 if there is none."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token (Authorization: Bearer <token>)")
    row = conn.execute(_LOOKUP, {"digest": token_hash(token.strip())}).first()
    if row is None or (row.role == "kiosk" and row.known is None):
        raise Unauthorized("unknown or revoked token")
    return Principal(row.role, row.kiosk_id, row.name)


def authorize(principal: Principal, *roles: str) -> Principal:
    if not principal.has(*roles):
        raise Forbidden(f"a {principal.role} token may not do this (needs {' or '.join(roles)})")
    return principal


def add_enrolment(conn: Connection, kiosk_id: str, now: datetime, ttl: timedelta) -> str:
    """A one-time token a kiosk exchanges for its bearer token within `ttl`."""
    token = new_token()
    conn.execute(
        enrolments.insert().values(
            hash=token_hash(token), kiosk_id=kiosk_id, created=iso(now), expires=iso(now + ttl)
        )
    )
    return token


def redeem_enrolment(conn: Connection, token: str, now: datetime) -> tuple[str, str]:
    """Spend a one-time token: (kiosk id, new kiosk bearer token). Earlier kiosk tokens of
    that kiosk are revoked: the hardware they were given to has been replaced."""
    digest = token_hash(token)
    row = conn.execute(select(enrolments).where(enrolments.c.hash == digest)).first()
    if row is None:
        raise Unauthorized("unknown enrolment token")
    if row.used is not None:
        raise Unauthorized("this enrolment token has already been used")
    if parse(row.expires) <= now:
        raise Unauthorized("this enrolment token has expired; issue a new one")
    spent = conn.execute(
        update(enrolments)
        .where(enrolments.c.hash == digest, enrolments.c.used.is_(None))
        .values(used=iso(now))
    )
    if spent.rowcount != 1:
        raise Unauthorized("this enrolment token has already been used")
    conn.execute(
        update(tokens)
        .where(tokens.c.kiosk_id == row.kiosk_id, tokens.c.revoked.is_(None))
        .values(revoked=iso(now))
    )
    bearer = add_token(conn, "kiosk", now, name=f"kiosk {row.kiosk_id}", kiosk_id=row.kiosk_id)
    return row.kiosk_id, bearer
