"""Sending what the outbox holds: each channel's handler, the rounds that send every due
delivery, and the background worker that runs them.

The outbox itself (the `deliveries` rows, claiming, outcomes, backoff) is `hub.sending.deliveries`;
the channels (`hub.sending.mail`, `hub.sending.forwarding`) write to it and implement its
handler interface. This module is the one that knows them all, so that none of them has to
import it back: the server (`hub.app`) and `kiosk-hub deliver` start the sending from here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Row, select

from hub.db import reports
from hub.sending import deliveries, forwarding, mail
from hub.sending.deliveries import (
    Done,
    Failed,
    Handler,
    Outcome,
    Retry,
    Waiting,
)

if TYPE_CHECKING:
    from hub.context import Hub

log = logging.getLogger(__name__)

BUILT_IN: dict[str, Handler] = {"email": mail.deliver, "open311": forwarding.deliver}
"""The hub's own channels and their handlers."""
PULLS: tuple[Callable[[Hub], object], ...] = (forwarding.pull_status,)
"""Functions `f(hub)` bringing back what external systems did with what was sent (the city's
answers); the worker runs them every PULL_INTERVAL."""
PULL_INTERVAL = timedelta(minutes=5)

_handlers: dict[str, Handler] = {}
_lock = threading.Lock()


def register(channel: str, handler: Handler) -> None:
    """Send this channel's deliveries with `handler` (replacing any earlier one, a built-in
    channel's too)."""
    with _lock:
        _handlers[channel] = handler


def handlers() -> dict[str, Handler]:
    """Every channel that can be sent now."""
    with _lock:
        return {**BUILT_IN, **_handlers}


def run_due(hub: Hub, limit: int | None = None, stop: threading.Event | None = None) -> int:
    """Send every delivery due now (each at most once); returns how many were attempted.

    `stop`, once set, ends the round after the delivery in hand."""
    available = handlers()
    start = hub.now()
    done = 0
    while (limit is None or done < limit) and not (stop and stop.is_set()):
        batch = deliveries.BATCH if limit is None else min(deliveries.BATCH, limit - done)
        with hub.transaction() as conn:
            claimed = deliveries.claim_due(conn, start, available, batch)
        if not claimed:
            break
        for i, delivery in enumerate(claimed):
            if stop is not None and stop.is_set():
                with hub.transaction() as conn:
                    deliveries.release(conn, claimed[i:], hub.now())
                return done
            outcome = _attempt(hub, available[delivery.channel], delivery)
            with hub.transaction() as conn:
                deliveries.record(conn, delivery, outcome, hub.now())
            done += 1
    return done


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


def run_pulls(hub: Hub) -> None:
    """Run every function of PULLS once; one that fails is logged, not raised."""
    for pull in PULLS:
        try:
            pull(hub)
        except Exception:
            log.exception("%s:%s failed; trying again later", pull.__module__, pull.__name__)


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
