"""Rate limits kept in memory: at most `limit` events per key within a sliding `window`.

One hub process serves every request (one uvicorn worker), so memory is the right place;
limits restart with the hub, which is acceptable for slowing down guessing and flooding.
Thread-safe: pages run in the threadpool.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

MAX_KEYS = 100_000
"""Beyond this many tracked keys the oldest are forgotten, so a flood cannot fill memory."""


class SlidingWindow:
    def __init__(self, limit: int, window: timedelta):
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        events = self._events.get(key)
        if events is None:
            if len(self._events) >= MAX_KEYS:
                self._events.pop(next(iter(self._events)))
            events = self._events[key] = deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def _wait(self, keys: list[str], now: datetime) -> float:
        wait = 0.0
        for key in keys:
            events = self._recent(key, now)
            if len(events) >= self.limit:
                wait = max(wait, (events[0] + self.window - now).total_seconds())
        return wait

    def retry_after(self, keys: list[str], now: datetime) -> float:
        """Seconds until every key has room again (0: allowed now). Records nothing."""
        with self._lock:
            return self._wait(keys, now)

    def hit(self, keys: list[str], now: datetime) -> float:
        """Record one event for every key if all have room; returns 0, or the seconds to wait."""
        with self._lock:
            wait = self._wait(keys, now)
            if wait == 0:
                for key in keys:
                    self._events[key].append(now)
            return wait

    def forget(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)
