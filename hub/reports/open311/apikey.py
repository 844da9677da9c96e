"""The api_key of an Open311 client: a hub token of role `open311`.

Issued with `kiosk-hub token add --role open311 --name "…"`; the name is recorded as the client
of every request it files, and the key's SHA-256 too: with the key, `GET requests` shows the
client all it sent of its own requests (see hub.reports.disclosure). Only the SHA-256 is
stored, as for every token.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from hub.accounts.tokens import token_hash
from hub.db import tokens
from hub.reports.open311.errors import Forbidden
from hub.reports.open311.params import Params

MAX_KEY = 200


def from_params(params: Params) -> str | None:
    """The api_key sent (form or query); every problem with it is a 403, as the spec says."""
    keys = list(dict.fromkeys(params.values("api_key")))
    if len(keys) > 1:
        raise Forbidden("api_key was given more than once, with different values")
    return keys[0] if keys else None


@dataclass(frozen=True)
class Client:
    name: str
    """Recorded as the client of every request it files."""
    key: str
    """The key's hash (tokens.hash): the requests it filed are read back whole with it."""


def client(conn: Connection, api_key: str | None) -> Client:
    """The client holding this key; 403 (as the spec says) if it is not valid."""
    if not api_key:
        raise Forbidden("api_key was not provided; ask the municipality for one")
    if len(api_key) > MAX_KEY:
        raise Forbidden("invalid api_key")
    key = token_hash(api_key)
    row = conn.execute(
        select(tokens.c.name).where(
            tokens.c.hash == key,
            tokens.c.role == "open311",
            tokens.c.revoked.is_(None),
        )
    ).first()
    if row is None:
        raise Forbidden("invalid api_key (unknown, revoked, or not an Open311 key)")
    return Client(row.name or "open311", key)
