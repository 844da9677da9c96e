"""The hub's outbox: everything it must send somewhere about a report, sent at least once.

A delivery is one row of `deliveries`: a report, a channel (`email`, `open311`, …) and a
target (an address, an endpoint). Rows are written in the same transaction as whatever made
them necessary (a new report, a published answer), so nothing is promised that is not also
queued. `enqueue` is idempotent: the table is unique on (report, channel, target).

Sending happens outside any transaction, in three steps:

1. `claim_due` takes the due rows (pending, or waiting on an external system) and pushes
   their `next_attempt` a lease (`LEASE`) into the future, counting the attempt.
2. The channel's handler sends, with no database transaction open.
3. `record` stores the outcome: done, retry later (full-jitter exponential backoff, at most
   `MAX_BACKOFF`), waiting (an external system gave a token but no id yet), or failed for
   good (the error is kept for staff to read).

If the hub dies between 1 and 3, the row is still pending and is claimed again when its lease
runs out: a delivery may be sent twice, never lost. Channels make a repeat recognisable: an
e-mail keeps the same Message-ID (see `hub.sending.mail`), so mail systems and people can tell
it is the same message. Two senders (the server's worker and `kiosk-hub deliver`) never take
the same row: a claim is a write transaction (SQLite serialises them; PostgreSQL skips locked
rows).

Channel handlers (the interface every channel implements):

    def handler(hub: Hub, delivery: Row, report: Row) -> Outcome

`delivery` is the claimed `deliveries` row (after the claim: `attempts` already counts this
try; `external_token` is set when it is waiting), `report` the whole `reports` row. The handler
sends and returns `Done(external_id=..., event=(kind, note))`, `Retry(error)`,
`Waiting(token)` or `Failed(error)`; an exception it raises counts as `Retry` with the
exception's text (and is logged). `Done.event` becomes a `report_events` row (e.g. `emailed`,
`forwarded`) in the same transaction that marks the delivery done. A handler must bound its own
time (network timeouts well under `LEASE`).

The sending itself (which handler each channel has, the rounds, the background worker) is
`hub.sending.sender`: the channels import this module, and that one imports the channels. A
row whose channel has no handler stays pending and is not claimed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.db import deliveries, report_events
from hub.times import iso

if TYPE_CHECKING:
    from hub.context import Hub

STATES = ("pending", "waiting", "done", "failed")
DUE_STATES = ("pending", "waiting")
LEASE = timedelta(minutes=10)
"""How long a claimed row is left alone: longer than any handler may take."""
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
ERROR_LIMIT = 2000
"""Characters of an error message kept in `last_error`."""
BATCH = 50


@dataclass(frozen=True)
class Done:
    external_id: str | None = None
    event: tuple[str, str | None] | None = None
    """(kind, note) of the report_events row to record, e.g. ("emailed", "to@example.org")."""


@dataclass(frozen=True)
class Retry:
    error: str
    after: timedelta | None = None
    """None: exponential backoff with full jitter."""


@dataclass(frozen=True)
class Waiting:
    token: str
    after: timedelta | None = None


@dataclass(frozen=True)
class Failed:
    error: str


Outcome = Done | Retry | Waiting | Failed
Handler = Callable[["Hub", Row, Row], Outcome]


def _insert(conn: Connection):
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(deliveries)


def enqueue(
    conn: Connection,
    report_id: int,
    channel: str,
    target: str,
    now: datetime,
    not_before: datetime | None = None,
) -> bool:
    """Queue one delivery; False if the same (report, channel, target) was queued before.

    `not_before` holds it back (e.g. a grace period to gather several changes in one mail)."""
    stamp = iso(now)
    stmt = (
        _insert(conn)
        .values(
            report_id=report_id,
            channel=channel,
            target=target,
            state="pending",
            attempts=0,
            next_attempt=iso(not_before or now),
            created=stamp,
            updated=stamp,
        )
        .on_conflict_do_nothing(index_elements=["report_id", "channel", "target"])
        .returning(deliveries.c.id)
    )
    # RETURNING, not rowcount: psycopg reports -1 rows for INSERT … ON CONFLICT.
    return conn.execute(stmt).first() is not None


def claim_due(
    conn: Connection,
    now: datetime,
    channels: Iterable[str],
    limit: int = BATCH,
    lease: timedelta = LEASE,
) -> list[Row]:
    """Take up to `limit` due rows of these channels: each is left alone for `lease`."""
    channels = list(channels)
    if not channels:
        return []
    stmt = (
        select(deliveries)
        .where(
            deliveries.c.state.in_(DUE_STATES),
            deliveries.c.next_attempt <= iso(now),
            deliveries.c.channel.in_(channels),
        )
        .order_by(deliveries.c.next_attempt, deliveries.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = conn.execute(stmt).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    claimed = conn.execute(
        deliveries.update()
        .where(deliveries.c.id.in_(ids))
        .values(next_attempt=iso(now + lease), attempts=deliveries.c.attempts + 1, updated=iso(now))
        .returning(*deliveries.c)
    ).all()
    return sorted(claimed, key=lambda r: ids.index(r.id))


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Full jitter: a random wait up to BASE·2^(attempts-1), capped at MAX_BACKOFF, so many
    rows failing together (a mail server down) spread out instead of retrying in step."""
    ceiling = min(MAX_BACKOFF, BASE_BACKOFF * 2 ** min(max(attempts - 1, 0), 20))
    seconds = (rng or random).uniform(0, ceiling.total_seconds())
    return timedelta(seconds=max(1.0, seconds))


def record(conn: Connection, delivery: Row, outcome: Outcome, now: datetime) -> None:
    """Store a handler's outcome; a row already done or failed is left as it is."""
    values: dict[str, Any] = {"updated": iso(now)}
    if isinstance(outcome, Done):
        values |= {"state": "done", "last_error": None, "external_id": outcome.external_id}
    elif isinstance(outcome, Retry):
        wait = outcome.after or backoff(delivery.attempts)
        values |= {"next_attempt": iso(now + wait), "last_error": _clip(outcome.error)}
    elif isinstance(outcome, Waiting):
        wait = outcome.after or backoff(delivery.attempts)
        values |= {
            "state": "waiting",
            "external_token": outcome.token,
            "next_attempt": iso(now + wait),
            "last_error": None,
        }
    elif isinstance(outcome, Failed):
        values |= {"state": "failed", "last_error": _clip(outcome.error)}
    else:
        raise TypeError(f"not a delivery outcome: {outcome!r}")
    changed = conn.execute(
        deliveries.update()
        .where(deliveries.c.id == delivery.id, deliveries.c.state.in_(DUE_STATES))
        .values(**values)
    ).rowcount
    if changed and isinstance(outcome, Done) and outcome.event is not None:
        kind, note = outcome.event
        conn.execute(
            report_events.insert().values(
                report_id=delivery.report_id, at=iso(now), actor=None, kind=kind, note=note
            )
        )


def _clip(error: str) -> str:
    error = error.strip() or "unknown error"
    return error if len(error) <= ERROR_LIMIT else error[: ERROR_LIMIT - 1] + "…"


def release(conn: Connection, claimed: list[Row], now: datetime) -> None:
    """Give back claimed rows that were not tried (the hub is stopping): due again now."""
    for delivery in claimed:
        conn.execute(
            deliveries.update()
            .where(deliveries.c.id == delivery.id, deliveries.c.state.in_(DUE_STATES))
            .values(next_attempt=iso(now), attempts=delivery.attempts - 1, updated=iso(now))
        )


def list_deliveries(
    conn: Connection, report_id: int | None = None, state: str | None = None
) -> list[Row]:
    """Deliveries, oldest first: of one report, or in one state (e.g. failed, for staff)."""
    stmt = select(deliveries).order_by(deliveries.c.id)
    if report_id is not None:
        stmt = stmt.where(deliveries.c.report_id == report_id)
    if state is not None:
        stmt = stmt.where(deliveries.c.state == state)
    return conn.execute(stmt).all()


def summary(conn: Connection) -> dict[str, int]:
    """How many deliveries are in each state."""
    counts = dict.fromkeys(STATES, 0)
    rows = conn.execute(select(deliveries.c.state, func.count()).group_by(deliveries.c.state))
    for state, count in rows:
        counts[state] = count
    return counts
