"""The agent's loop: each cycle delivers reports, pulls content, uploads statistics and sends a
heartbeat, every step on its own, so one failing (a hub that refuses statistics, a blob that
will not download) never stops the others. A step's failure is recorded and travels with the
next heartbeat.

Reports go first: a resident's report should not wait behind a long panorama download.
Between cycles the agent sleeps `interval` seconds (±10 %, so a fleet started together does
not call the hub in step); touching DATA/sync-now or sending SIGUSR1 wakes it at once (the
staff screen's "sync now"). One agent per data directory: a second one is refused.
"""

from __future__ import annotations

import fcntl
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from kiosk.store import open_store
from kiosk.sync import WAKE_FILE, clock
from kiosk.sync.client import HubClient
from kiosk.sync.content import sync_content
from kiosk.sync.enrolment import load_enrolment
from kiosk.sync.errors import record_error
from kiosk.sync.heartbeat import send_heartbeat
from kiosk.sync.reports import deliver_reports
from kiosk.sync.stats import mark_clock, upload_stats

log = logging.getLogger("kiosk.sync")

LOCK_FILE = "sync.lock"
DEFAULT_INTERVAL = 60.0
WAKE_CHECK = 1.0
"""Seconds between looks for the wake file while sleeping."""


class AgentBusy(Exception):
    """Another agent already runs on this data directory."""


@dataclass(frozen=True)
class StepResult:
    step: str
    ok: bool
    message: str

    def __str__(self) -> str:
        return f"{self.step}: {'ok' if self.ok else 'FAILED'}: {self.message}"


def _lock(data_dir: Path) -> IO[bytes]:
    handle = (data_dir / LOCK_FILE).open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        raise AgentBusy(f"another `kiosk sync` is already running on {data_dir}") from exc
    return handle


class Agent:
    """The sync agent of one kiosk data directory (enrolled beforehand)."""

    def __init__(
        self,
        data_dir: Path,
        client: HubClient | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        clock_synced: Callable[[], bool] = clock.clock_synchronised,
        uptime: Callable[[], float] = clock.uptime,
        rng: random.Random | None = None,
    ):
        self.data_dir = Path(data_dir)
        self.enrolment = load_enrolment(self.data_dir)
        self._lock = _lock(self.data_dir)
        self.db = open_store(self.data_dir, durable=False)
        self.client = client or HubClient(self.enrolment.hub_url, self.enrolment.kiosk_token)
        self.now = now
        self.clock_synced = clock_synced
        self.uptime = uptime
        self.rng = rng or random.Random()
        self._stop = threading.Event()
        self._wake = threading.Event()

    # --- one cycle ---------------------------------------------------------------------------

    def steps(self) -> list[tuple[str, Callable[[], Any]]]:
        synced = self.clock_synced()
        return [
            ("reports", lambda: deliver_reports(self.client, self.db, self.now(), rng=self.rng)),
            ("content", lambda: self._content(synced)),
            ("stats", lambda: self._stats(synced)),
            ("heartbeat", self._heartbeat),
        ]

    def _content(self, synced: bool) -> Any:
        key = self.enrolment.public_key_bytes()
        trusted_now = self.now() if synced else None
        return sync_content(self.client, self.db, self.data_dir, key, trusted_now)

    def _stats(self, synced: bool) -> Any:
        mark_clock(self.db, self.now(), synced, self.uptime())
        return upload_stats(self.client, self.db, self.now())

    def _heartbeat(self) -> Any:
        return send_heartbeat(self.client, self.db, self.data_dir, self.now(), self.uptime())

    def run_once(self) -> list[StepResult]:
        """One cycle; never raises for a failing step, it is recorded instead."""
        return [self._run_step(name, step) for name, step in self.steps()]

    def _run_step(self, name: str, step: Callable[[], Any]) -> StepResult:
        try:
            outcome = step()
        except Exception as exc:
            message = str(exc) or type(exc).__name__
            log.warning("%s failed: %s", name, message)
            self._record(name, message)
            return StepResult(name, False, message)
        for problem in getattr(outcome, "errors", []):
            log.warning("%s: %s", name, problem)
            self._record(name, problem)
        log.info("%s: %s", name, outcome)
        return StepResult(name, True, str(outcome))

    def _record(self, step: str, message: str) -> None:
        try:
            record_error(self.db, step, message, self.now())
        except Exception as exc:  # a full disk or a locked database must not stop the loop
            log.error("could not record the error of %s: %s", step, exc)

    # --- the loop ----------------------------------------------------------------------------

    def run_forever(self, interval: float = DEFAULT_INTERVAL) -> None:
        """Cycle until `stop()`; sleeps between cycles unless woken."""
        while not self._stop.is_set():
            self.run_once()
            self._sleep(interval * self.rng.uniform(0.9, 1.1))

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        wake_file = self.data_dir / WAKE_FILE
        while not self._stop.is_set():
            if self._wake.is_set() or wake_file.exists():
                self._wake.clear()
                wake_file.unlink(missing_ok=True)
                log.info("woken early")
                return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._stop.wait(min(WAKE_CHECK, left))

    def stop(self) -> None:
        """Ask the loop to end after the step it is in (safe from a signal handler)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wake(self) -> None:
        """Start the next cycle now (safe from a signal handler)."""
        self._wake.set()

    def close(self) -> None:
        self.client.close()
        self.db.close()
        self._lock.close()
