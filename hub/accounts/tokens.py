"""Bearer tokens and one-time enrolment tokens; the hub keeps only their SHA-256.

A leaked database therefore gives no working token. Roles: `kiosk` (bound to one kiosk),
`editor` (publish content, but not change where reports go), `admin` (everything, routing
included) and `open311` (the api_key of Open311 clients). Tokens of the `staff` role made
before editors existed could only publish: the schema migration made them editor tokens.

A token is named in lists and for revoking by its public id: the first hex digits of its
hash, which tell nothing about the token itself. Issuing a kiosk a new enrolment token
revokes the kiosk's bearer tokens at once (and voids its older enrolment tokens): whoever
holds the old hardware or a leaked token is out before the new one is even used.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, select, update

from hub.db import enrolments, kiosks, tokens
from hub.errors import Forbidden, Invalid, NotFound, Unauthorized
from hub.times import iso, parse

ROLES = ("kiosk", "editor", "admin", "open311")
PERSON_ROLES = ("editor", "admin", "open311")
IMPLIED = {"admin": {"editor", "staff"}}
"""An admin may do whatever editors (and department staff) may."""
ID_LENGTH = 12
"""Hex digits of the hash that name a token: 48 bits, unique among any hub's tokens."""


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
    select(
        tokens.c.role,
        tokens.c.kiosk_id,
        tokens.c.name,
        kiosks.c.id.label("known"),
        kiosks.c.retired,
    )
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
    if row is None or (row.role == "kiosk" and (row.known is None or row.retired is not None)):
        raise Unauthorized("unknown or revoked token")
    return Principal(row.role, row.kiosk_id, row.name)


def authorize(principal: Principal, *roles: str) -> Principal:
    if not principal.has(*roles):
        raise Forbidden(f"a {principal.role} token may not do this (needs {' or '.join(roles)})")
    return principal


def public_id(digest: str) -> str:
    """How a token is named in lists and for revoking."""
    return digest[:ID_LENGTH]


@dataclass(frozen=True)
class TokenInfo:
    """A bearer token as an administrator sees it: never the token itself."""

    id: str
    role: str
    name: str | None
    kiosk_id: str | None
    created: datetime
    revoked: datetime | None


def list_tokens(conn: Connection, revoked: bool = False) -> list[TokenInfo]:
    """Tokens in use, oldest first; with `revoked`, the revoked ones too."""
    query = select(tokens).order_by(tokens.c.created, tokens.c.hash)
    if not revoked:
        query = query.where(tokens.c.revoked.is_(None))
    return [
        TokenInfo(public_id(r.hash), r.role, r.name, r.kiosk_id, parse(r.created), parse(r.revoked))
        for r in conn.execute(query)
    ]


def revoke_token(conn: Connection, token_id: str, now: datetime) -> TokenInfo:
    """Revoke the token named `token_id` (its public id): it stops working at once. Revoking
    a revoked token again changes nothing."""
    wanted = (token_id or "").strip().lower()
    if len(wanted) != ID_LENGTH or any(c not in "0123456789abcdef" for c in wanted):
        raise Invalid(f"a token id is {ID_LENGTH} hex digits, as `kiosk-hub token list` shows it")
    found = [t for t in list_tokens(conn, revoked=True) if t.id == wanted]
    if not found:
        raise NotFound(f"no token {wanted} (kiosk-hub token list --all)")
    if len(found) > 1:  # 48 bits: never seen, but never revoke the wrong one either
        raise Invalid(f"{wanted} names {len(found)} tokens: revoke them by kiosk or by hand")
    conn.execute(
        update(tokens)
        .where(tokens.c.hash.startswith(wanted, autoescape=True), tokens.c.revoked.is_(None))
        .values(revoked=iso(now))
    )
    return next(t for t in list_tokens(conn, revoked=True) if t.id == wanted)


def revoke_kiosk_tokens(conn: Connection, kiosk_id: str, now: datetime) -> int:
    """Revoke every bearer token of a kiosk and void its unused enrolment tokens; returns
    how many bearer tokens stopped working."""
    done = conn.execute(
        update(tokens)
        .where(tokens.c.kiosk_id == kiosk_id, tokens.c.revoked.is_(None))
        .values(revoked=iso(now))
    )
    conn.execute(
        update(enrolments)
        .where(
            enrolments.c.kiosk_id == kiosk_id,
            enrolments.c.used.is_(None),
            enrolments.c.voided.is_(None),
        )
        .values(voided=iso(now))
    )
    return done.rowcount


def add_enrolment(conn: Connection, kiosk_id: str, now: datetime, ttl: timedelta) -> str:
    """A one-time token a kiosk exchanges for its bearer token within `ttl`. The kiosk's
    current bearer tokens and earlier enrolment tokens stop working now: a new enrolment
    token means the kiosk (or its token) is being replaced."""
    revoke_kiosk_tokens(conn, kiosk_id, now)
    token = new_token()
    conn.execute(
        enrolments.insert().values(
            hash=token_hash(token), kiosk_id=kiosk_id, created=iso(now), expires=iso(now + ttl)
        )
    )
    return token


def redeem_enrolment(conn: Connection, token: str, now: datetime) -> tuple[str, str]:
    """Spend a one-time token: (kiosk id, new kiosk bearer token). Earlier kiosk tokens of
    that kiosk are revoked: the hardware they were given to has been replaced. A retired
    kiosk that enrols is back in the fleet."""
    digest = token_hash(token)
    row = conn.execute(select(enrolments).where(enrolments.c.hash == digest)).first()
    if row is None:
        raise Unauthorized("unknown enrolment token")
    if row.used is not None:
        raise Unauthorized("this enrolment token has already been used")
    if row.voided is not None:
        raise Unauthorized(
            "this enrolment token was replaced by a newer one or its kiosk was retired"
        )
    if parse(row.expires) <= now:
        raise Unauthorized("this enrolment token has expired; issue a new one")
    spent = conn.execute(
        update(enrolments)
        .where(
            enrolments.c.hash == digest,
            enrolments.c.used.is_(None),
            enrolments.c.voided.is_(None),
        )
        .values(used=iso(now))
    )
    if spent.rowcount != 1:
        raise Unauthorized("this enrolment token has already been used")
    conn.execute(
        update(tokens)
        .where(tokens.c.kiosk_id == row.kiosk_id, tokens.c.revoked.is_(None))
        .values(revoked=iso(now))
    )
    conn.execute(update(kiosks).where(kiosks.c.id == row.kiosk_id).values(retired=None))
    bearer = add_token(conn, "kiosk", now, name=f"kiosk {row.kiosk_id}", kiosk_id=row.kiosk_id)
    return row.kiosk_id, bearer
