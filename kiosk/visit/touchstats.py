"""Touch statistics: counted in memory in microseconds, flushed to SQLite once a minute.

What is counted, per UTC hour (no personal data):
- `touch`        every touch-down, keyed by the screen it landed on
- `session`      the first touch after the kiosk was idle
- `view`         an opened item, keyed `service:<id>`, `event:<id>`, ...
- `search_miss`  a search that found nothing, keyed by the folded query (letters only)
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kiosk_core.folding import fold

if TYPE_CHECKING:
    from sqlite_utils import Database

METRICS = ("touch", "session", "view", "search_miss")
MAX_QUERY = 40
_NOT_WORD = re.compile(r"[^\w ]+")


def hour_of(timestamp: float) -> str:
    """The UTC hour a moment falls in, as stored: `2026-11-21T14`."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H")


class TouchCounter:
    """In-memory counters; `flush` adds them to the database and starts afresh."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self.pending: Counter[tuple[str, str, str]] = Counter()

    def _add(self, metric: str, key: str) -> None:
        self.pending[(hour_of(self.clock()), metric, key)] += 1

    def touch(self, screen: str) -> None:
        self._add("touch", screen)

    def session(self) -> None:
        self._add("session", "")

    def view(self, kind: str, item_id: str) -> None:
        self._add("view", f"{kind}:{item_id}")

    def search_miss(self, query: str) -> None:
        cleaned = " ".join(_NOT_WORD.sub(" ", fold(query)).split())[:MAX_QUERY]
        if cleaned:
            self._add("search_miss", cleaned)

    def flush(self, db: Database) -> int:
        """Add pending counts to the database in one transaction; returns rows touched."""
        if not self.pending:
            return 0
        from kiosk.infra.store import write_transaction

        batch, self.pending = self.pending, Counter()
        try:
            with write_transaction(db):
                db.conn.executemany(
                    "INSERT INTO counters (hour, metric, key, count) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (hour, metric, key) DO UPDATE SET count = count + excluded.count",
                    [(h, m, k, n) for (h, m, k), n in batch.items()],
                )
        except Exception:
            self.pending.update(batch)  # kept for the next flush, never lost
            raise
        return len(batch)


def summary(db: Database, top: int = 10) -> dict:
    """What `kiosk stats` shows: touches per screen and hour, sessions, top items, misses."""

    def rows(sql: str, *args) -> list:
        return db.execute(sql, args).fetchall()

    return {
        "touches": [
            {"hour": h, "screen": k, "count": n}
            for h, k, n in rows(
                "SELECT hour, key, count FROM counters WHERE metric = 'touch' ORDER BY hour, key"
            )
        ],
        "touches_per_screen": dict(
            rows(
                "SELECT key, SUM(count) FROM counters WHERE metric = 'touch' "
                "GROUP BY key ORDER BY SUM(count) DESC"
            )
        ),
        "sessions": dict(
            rows("SELECT hour, count FROM counters WHERE metric = 'session' ORDER BY hour")
        ),
        "top_items": [
            {"item": k, "views": n}
            for k, n in rows(
                "SELECT key, SUM(count) FROM counters WHERE metric = 'view' "
                "GROUP BY key ORDER BY SUM(count) DESC, key LIMIT ?",
                top,
            )
        ],
        "failed_searches": [
            {"query": k, "count": n}
            for k, n in rows(
                "SELECT key, SUM(count) FROM counters WHERE metric = 'search_miss' "
                "GROUP BY key ORDER BY SUM(count) DESC, key LIMIT ?",
                top,
            )
        ],
    }
