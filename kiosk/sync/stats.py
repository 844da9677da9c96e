"""Uploading touch statistics: whole finished hours, as totals, each sent until it stops changing.

The hub overwrites (kiosk, hour, metric, key) with the count it is sent, so sending an hour
again can never double count; what the agent remembers only saves traffic. It keeps a digest of
each hour it sent (in sync_state) and sends an hour again when its rows change (a late counter
flush, a clock mark). Hours more than a week old are settled: the digests are dropped and a
watermark says everything before it was sent.

Clock marks: while the clock is not synchronised (see `kiosk.sync.clock`), every counter row
written since boot is marked `clock_synced = 0`, and when the clock becomes synchronised, so
are the rows written under the old clock between the agent's last look and the jump.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlite_utils import Database

from kiosk.infra.store import get_state, set_state, write_transaction
from kiosk.sync.client import HubClient, HubError
from kiosk.sync.reports import KIOSK_PROBLEMS
from kiosk.visit.touchstats import hour_of

STATE_SENT = "stats_sent"
STATE_DONE_BEFORE = "stats_done_before"
STATE_UNSYNCED = "clock_unsynced"
FINISH_GRACE = timedelta(minutes=2)
"""An hour is finished this long after it ends: the UI flushes its counters once a minute."""
KEEP_SENT = timedelta(days=7)
MAX_ROWS = 2000
"""Rows per PUT /stats, far below the hub's 1 MiB limit for a JSON body."""
UNSYNCED_MARGIN = timedelta(hours=2)
"""After the clock jumps, rows up to this long after the agent's last unsynchronised look are
suspect too: the UI may have flushed them with the old clock in between."""


@dataclass
class StatsOutcome:
    hours: int = 0
    rows: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.hours} hour(s) of statistics uploaded ({self.rows} rows)"


def _hour(moment: datetime) -> str:
    return hour_of(moment.timestamp())


def hour_rows(db: Database, first: str, before: str) -> dict[str, list[dict]]:
    """Counter rows of hours `first` <= hour < `before`, grouped by hour, in a stable order."""
    rows = db.execute(
        "SELECT hour, metric, key, count, clock_synced FROM counters "
        "WHERE hour >= ? AND hour < ? ORDER BY hour, metric, key",
        [first, before],
    ).fetchall()
    hours: dict[str, list[dict]] = {}
    for hour, metric, key, count, synced in rows:
        hours.setdefault(hour, []).append(
            {
                "hour": hour,
                "metric": metric,
                "key": key,
                "count": count,
                "clock_synced": bool(synced),
            }
        )
    return hours


def hour_digest(rows: list[dict]) -> str:
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def pending_hours(db: Database, now: datetime) -> dict[str, list[dict]]:
    """Finished hours never sent, or changed since they were sent."""
    sent = json.loads(get_state(db, STATE_SENT) or "{}")
    first = get_state(db, STATE_DONE_BEFORE) or ""
    hours = hour_rows(db, first, _hour(now - FINISH_GRACE))
    return {h: rows for h, rows in hours.items() if sent.get(h) != hour_digest(rows)}


def batches(hours: dict[str, list[dict]], max_rows: int = MAX_ROWS) -> list[list[str]]:
    """Whole hours in groups of about `max_rows` rows (an hour is never split)."""
    groups: list[list[str]] = []
    size = 0
    for hour in sorted(hours):
        if not groups or size + len(hours[hour]) > max_rows:
            groups.append([])
            size = 0
        groups[-1].append(hour)
        size += len(hours[hour])
    return groups


def upload_stats(client: HubClient, db: Database, now: datetime) -> StatsOutcome:
    """PUT /stats for every pending hour; remembers each batch as soon as the hub has it."""
    outcome = StatsOutcome()
    todo = pending_hours(db, now)
    for group in batches(todo):
        rows = [row for hour in group for row in todo[hour]]
        body = {"sent_at": now.isoformat(timespec="seconds"), "hours": rows}
        try:
            client.request("PUT", "/stats", json_body=body)
        except HubError as exc:
            if not exc.permanent or exc.status in KIOSK_PROBLEMS:
                raise
            # The hub will refuse these rows however often they come: note it, move on.
            outcome.errors.append(
                f"statistics for {group[0]}..{group[-1]} refused by the hub, not sent again: {exc}"
            )
        else:
            outcome.hours += len(group)
            outcome.rows += len(rows)
        _remember(db, {hour: hour_digest(todo[hour]) for hour in group})
    _settle(db, now)
    return outcome


def _remember(db: Database, digests: dict[str, str]) -> None:
    with write_transaction(db):
        sent = json.loads(get_state(db, STATE_SENT) or "{}")
        sent.update(digests)
        set_state(db, STATE_SENT, json.dumps(sent, sort_keys=True))


def _settle(db: Database, now: datetime) -> None:
    """Move the watermark to a week ago once everything before it has been sent."""
    cutoff = _hour(now - KEEP_SENT)
    with write_transaction(db):
        first = get_state(db, STATE_DONE_BEFORE) or ""
        if cutoff <= first:
            return
        sent = json.loads(get_state(db, STATE_SENT) or "{}")
        old = hour_rows(db, first, cutoff)
        if any(sent.get(h) != hour_digest(rows) for h, rows in old.items()):
            return
        set_state(db, STATE_SENT, json.dumps({h: d for h, d in sent.items() if h >= cutoff}))
        set_state(db, STATE_DONE_BEFORE, cutoff)


def mark_clock(db: Database, now: datetime, synced: bool, uptime: float) -> int:
    """Mark counter rows written under an unsynchronised clock; returns the rows marked."""
    raw = get_state(db, STATE_UNSYNCED)
    episode = json.loads(raw) if raw else None
    with write_transaction(db):
        if not synced:
            first = _hour(now - timedelta(seconds=uptime))
            if episode:
                first = min(first, episode["from"])
            marked = db.execute(
                "UPDATE counters SET clock_synced = 0 WHERE hour >= ? AND clock_synced = 1",
                [first],
            ).rowcount
            set_state(db, STATE_UNSYNCED, json.dumps({"from": first, "seen": now.isoformat()}))
            return marked
        if not episode:
            return 0
        last = _hour(datetime.fromisoformat(episode["seen"]) + UNSYNCED_MARGIN)
        marked = db.execute(
            "UPDATE counters SET clock_synced = 0 "
            "WHERE hour >= ? AND hour <= ? AND clock_synced = 1",
            [episode["from"], last],
        ).rowcount
        set_state(db, STATE_UNSYNCED, "")
        return marked
