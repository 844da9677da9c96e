"""Slowing down password guessing without letting a stranger lock anybody out.

Failed sign-ins are counted per address and per user name at an address, never per user name
alone: a per-user count would let anyone lock a real person out by typing wrong passwords
for their name, and a cap that let the right password through anyway would tell a guesser
when they have found it. After `per_user` failures for one name from one address (or
`per_address` from one address, whatever the names), each further attempt from there must
wait, the wait doubling from `first_wait` (5 s) up to `max_wait` (15 minutes); an attempt
that comes too early is refused without looking at the password. The right password from
another address is always looked at. A failure is forgotten `memory` (a day) after the last
one; the right password forgets the failures of that name at that address.

The counts live in the database (`sign_in_failures`), so every hub process slows down the
same guesser. An attempt is counted as a failure before its password is checked (and taken
back when it was right), so a burst of parallel attempts cannot slip in before the first
failure is recorded: each key's row is locked while it is read and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update

from hub.db import sign_in_failures
from hub.times import iso, parse

MAX_KEY = 200


@dataclass(frozen=True)
class Limits:
    per_user: int = 5
    """Failures for one user name from one address before the waits start."""
    per_address: int = 25
    """Failures from one address, whatever the user names, before the waits start."""
    first_wait: timedelta = timedelta(seconds=5)
    """Long enough that a script cannot simply retry; short for a person who mistyped."""
    max_wait: timedelta = timedelta(minutes=15)
    memory: timedelta = timedelta(hours=24)
    """A key's failures are forgotten this long after its last one."""


def keys(username: str, address: str) -> tuple[str, str]:
    """The address's key and the user-name-at-address key."""
    return f"addr:{address}"[:MAX_KEY], f"user:{username}@{address}"[:MAX_KEY]


def wait_for(failures: int, free: int, last: datetime, now: datetime, limits: Limits) -> float:
    """Seconds before the next attempt of a key with `failures` (0: now)."""
    if failures < free:
        return 0.0
    step = limits.first_wait * 2 ** min(failures - free, 30)
    due = last + min(step, limits.max_wait)
    return max(0.0, (due - now).total_seconds())


def admit(conn: Connection, username: str, address: str, now: datetime, limits: Limits) -> float:
    """0: the attempt may check its password, and is counted as a failure until
    `succeeded` takes it back; otherwise the seconds to wait, nothing counted."""
    conn.execute(delete(sign_in_failures).where(sign_in_failures.c.last < iso(now - limits.memory)))
    addr_key, user_key = keys(username, address)
    free = {addr_key: limits.per_address, user_key: limits.per_user}
    _ensure_rows(conn, list(free), now)
    rows = conn.execute(
        select(sign_in_failures).where(sign_in_failures.c.key.in_(free)).with_for_update()
    ).all()
    wait = max(wait_for(row.failures, free[row.key], parse(row.last), now, limits) for row in rows)
    if wait > 0:
        return wait
    conn.execute(
        update(sign_in_failures)
        .where(sign_in_failures.c.key.in_(free))
        .values(failures=sign_in_failures.c.failures + 1, last=iso(now))
    )
    return 0.0


def succeeded(conn: Connection, username: str, address: str) -> None:
    """The password was right: forget this name's failures at this address, and take back
    the failure `admit` counted for the address."""
    addr_key, user_key = keys(username, address)
    conn.execute(delete(sign_in_failures).where(sign_in_failures.c.key == user_key))
    conn.execute(
        update(sign_in_failures)
        .where(sign_in_failures.c.key == addr_key, sign_in_failures.c.failures > 0)
        .values(failures=sign_in_failures.c.failures - 1)
    )


def _ensure_rows(conn: Connection, names: list[str], now: datetime) -> None:
    """A row (no failures yet) for every key that has none, so that each can be locked."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(
        insert(sign_in_failures).on_conflict_do_nothing(index_elements=["key"]),
        [{"key": name, "failures": 0, "last": iso(now)} for name in names],
    )
