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

Handlers are found by channel name: `register(channel, handler)`, or an entry in `BUILT_IN`
("module:function", imported on first use). A row whose channel has no handler stays pending
and is not claimed.
"""

from __future__ import annotations

import importlib
import logging
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.db import deliveries, report_events, reports
from hub.times import iso

if TYPE_CHECKING:
    from hub.context import Hub

log = logging.getLogger(__name__)

STATES = ("pending", "waiting", "done", "failed")
DUE_STATES = ("pending", "waiting")
LEASE = timedelta(minutes=10)
"""How long a claimed row is left alone: longer than any handler may take."""
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
ERROR_LIMIT = 2000
"""Characters of an error message kept in `last_error`."""
BATCH = 50

BUILT_IN: dict[str, str] = {
    "email": "hub.sending.mail:deliver",
    "open311": "hub.sending.forwarding:deliver",
}
"""Channels whose handler lives in a module of the hub, imported on first use."""
PULLS: tuple[str, ...] = ("hub.sending.forwarding:pull_status",)
"""Functions `f(hub)` bringing back what external systems did with what was sent (the city's
answers), imported on first use; the worker runs them every PULL_INTERVAL."""
PULL_INTERVAL = timedelta(minutes=5)


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

_handlers: dict[str, Handler] = {}
_lock = threading.Lock()


def register(channel: str, handler: Handler) -> None:
    """Send this channel's deliveries with `handler` (replacing any earlier one)."""
    with _lock:
        _handlers[channel] = handler


def handlers() -> dict[str, Handler]:
    """Every channel that can be sent now, the built-in ones imported on first use."""
    with _lock:
        for channel, where in BUILT_IN.items():
            if channel not in _handlers:
                _handlers[channel] = _load(where)
        return dict(_handlers)


def _load(where: str) -> Callable:
    """The function a "module:function" entry names, its module imported on first use."""
    module, name = where.split(":")
    return getattr(importlib.import_module(module), name)


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


def run_due(hub: Hub, limit: int | None = None, stop: threading.Event | None = None) -> int:
    """Send every delivery due now (each at most once); returns how many were attempted.

    `stop`, once set, ends the round after the delivery in hand."""
    available = handlers()
    start = hub.now()
    done = 0
    while (limit is None or done < limit) and not (stop and stop.is_set()):
        batch = BATCH if limit is None else min(BATCH, limit - done)
        with hub.transaction() as conn:
            claimed = claim_due(conn, start, available, batch)
        if not claimed:
            break
        for i, delivery in enumerate(claimed):
            if stop is not None and stop.is_set():
                with hub.transaction() as conn:
                    release(conn, claimed[i:], hub.now())
                return done
            outcome = _attempt(hub, available[delivery.channel], delivery)
            with hub.transaction() as conn:
                record(conn, delivery, outcome, hub.now())
            done += 1
    return done


def release(conn: Connection, claimed: list[Row], now: datetime) -> None:
    """Give back claimed rows that were not tried (the hub is stopping): due again now."""
    for delivery in claimed:
        conn.execute(
            deliveries.update()
            .where(deliveries.c.id == delivery.id, deliveries.c.state.in_(DUE_STATES))
            .values(next_attempt=iso(now), attempts=delivery.attempts - 1, updated=iso(now))
        )


def _attempt(hub: Hub, handler: Handler, delivery: Row) -> Outcome:
    with hub.transaction(write=False) as conn:
        report = conn.execute(select(reports).where(reports.c.id == delivery.report_id)).first()
    try:
        outcome = handler(hub, delivery, report)
    except Exception as exc:  # a handler's bug must not stop the others being sent
        log.exception(
            "delivery %s (%s to %s) raised", delivery.id, delivery.channel, delivery.target
        )
        return Retry(f"{type(exc).__name__}: {exc}")
    if not isinstance(outcome, Done | Retry | Waiting | Failed):
        log.error("delivery %s: %s's handler returned %r", delivery.id, delivery.channel, outcome)
        return Retry(f"the {delivery.channel} handler returned {outcome!r}, not an outcome")
    if isinstance(outcome, Retry | Failed):
        log.warning(
            "delivery %s (%s to %s): %s",
            delivery.id,
            delivery.channel,
            delivery.target,
            outcome.error,
        )
    return outcome


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


def run_pulls(hub: Hub) -> None:
    """Run every function of PULLS once; one that fails is logged, not raised."""
    for where in PULLS:
        try:
            _load(where)(hub)
        except Exception:
            log.exception("%s failed; trying again later", where)


class DeliveryWorker:
    """A background thread sending due deliveries every `interval` seconds, so a report is
    e-mailed without anyone waiting for it in a request; every PULL_INTERVAL it also runs
    PULLS (the city's answers to forwarded reports)."""

    def __init__(self, hub: Hub, interval: float) -> None:
        self.hub = hub
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="deliveries", daemon=True)

    def start(self) -> DeliveryWorker:
        self._thread.start()
        return self

    def wake(self) -> None:
        """Run a round now instead of at the end of the interval."""
        self._wake.set()

    def stop(self, timeout: float = 60) -> None:
        """Finish the delivery in hand, then stop (a row interrupted is sent again later)."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        pulled: datetime | None = None
        while not self._stop.is_set():
            try:
                run_due(self.hub, stop=self._stop)
            except Exception:
                log.exception("a round of deliveries failed; trying again later")
            now = self.hub.now()
            if not self._stop.is_set() and (pulled is None or now - pulled >= PULL_INTERVAL):
                pulled = now
                run_pulls(self.hub)
            self._wake.wait(self.interval)
            self._wake.clear()
