"""The agent's loop: each cycle delivers reports, pulls content, uploads statistics and sends a
heartbeat, every step on its own, so one failing (a hub that refuses statistics, a blob that
will not download) never stops the others. A step's failure is recorded and travels with the
next heartbeat.

Reports go first: a resident's report should not wait behind a long panorama download. In the
loop (`run_forever`) content is pulled in a thread of its own, with its own database
connection and HTTP session, one pull at a time: a download that takes an hour on a poor link
(or drips until its deadline) never holds back report delivery or heartbeats, which keep
their cadence. A cycle that finds a pull still running leaves it be. `run_once` (`kiosk sync
--once`) does the four steps in turn.

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
from functools import partial
from pathlib import Path
from typing import IO, Any

from sqlite_utils import Database

from kiosk.infra.store import open_store
from kiosk.sync import WAKE_FILE, clock
from kiosk.sync.client import HubClient
from kiosk.sync.content import Cancelled, sync_content
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
STOP_GRACE = 5.0
"""Seconds the loop waits, once asked to stop, for a content pull to leave off; one reading
from a silent hub is abandoned (the thread is a daemon): a partial download is resumed later."""


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
        self._content_thread: threading.Thread | None = None

    # --- one cycle ---------------------------------------------------------------------------

    def steps(self, background_content: bool = False) -> list[tuple[str, Callable[[], Any]]]:
        synced = self.clock_synced()
        pull = self._content_in_background if background_content else self._content
        return [
            ("reports", lambda: deliver_reports(self.client, self.db, self.now(), rng=self.rng)),
            ("content", partial(pull, synced)),
            ("stats", lambda: self._stats(synced)),
            ("heartbeat", self._heartbeat),
        ]

    def _content(
        self, synced: bool, client: HubClient | None = None, db: Database | None = None
    ) -> Any:
        key = self.enrolment.public_key_bytes()
        trusted_now = self.now() if synced else None
        return sync_content(
            client or self.client,
            db or self.db,
            self.data_dir,
            key,
            trusted_now,
            cancelled=self._stop.is_set,
        )

    def _content_in_background(self, synced: bool) -> str:
        """Start a content pull in its own thread, unless one is still running."""
        thread = self._content_thread
        if thread is not None and thread.is_alive():
            return "a content pull is still running"
        self._content_thread = threading.Thread(
            target=self._pull_content, args=(synced,), name="content", daemon=True
        )
        self._content_thread.start()
        return "pulling in the background"

    def _pull_content(self, synced: bool) -> None:
        """The content thread: its own connection and session, its errors recorded as usual."""
        try:
            db = open_store(self.data_dir, durable=False)
        except Exception as exc:
            log.error("content: cannot open the database: %s", exc)
            return
        client = self.client.clone()
        try:
            self._run_step("content", lambda: self._content(synced, client, db), db)
        finally:
            client.close()
            db.close()

    def wait_for_content(self, timeout: float | None = None) -> bool:
        """Wait for a content pull running in the background; True when none is left."""
        thread = self._content_thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _stats(self, synced: bool) -> Any:
        mark_clock(self.db, self.now(), synced, self.uptime())
        return upload_stats(self.client, self.db, self.now())

    def _heartbeat(self) -> Any:
        return send_heartbeat(self.client, self.db, self.data_dir, self.now(), self.uptime())

    def run_once(self, background_content: bool = False) -> list[StepResult]:
        """One cycle; never raises for a failing step, it is recorded instead. With
        `background_content` the content step only starts a pull in its own thread."""
        return [self._run_step(name, step) for name, step in self.steps(background_content)]

    def _run_step(
        self, name: str, step: Callable[[], Any], db: Database | None = None
    ) -> StepResult:
        try:
            outcome = step()
        except Cancelled as exc:
            log.info("%s: %s", name, exc)
            return StepResult(name, True, str(exc))
        except Exception as exc:
            message = str(exc) or type(exc).__name__
            log.warning("%s failed: %s", name, message)
            self._record(name, message, db)
            return StepResult(name, False, message)
        for problem in getattr(outcome, "errors", []):
            log.warning("%s: %s", name, problem)
            self._record(name, problem, db)
        log.info("%s: %s", name, outcome)
        return StepResult(name, True, str(outcome))

    def _record(self, step: str, message: str, db: Database | None = None) -> None:
        try:
            record_error(db or self.db, step, message, self.now())
        except Exception as exc:  # a full disk or a locked database must not stop the loop
            log.error("could not record the error of %s: %s", step, exc)

    # --- the loop ----------------------------------------------------------------------------

    def run_forever(self, interval: float = DEFAULT_INTERVAL) -> None:
        """Cycle until `stop()`, content in the background; sleeps between cycles unless
        woken. Once stopped, waits up to STOP_GRACE for a content pull to leave off."""
        while not self._stop.is_set():
            self.run_once(background_content=True)
            self._sleep(interval * self.rng.uniform(0.9, 1.1))
        if not self.wait_for_content(STOP_GRACE):
            log.warning("stopping with a content download still waiting for the hub")

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
        """Stop a content pull (waiting up to STOP_GRACE), then let go of everything."""
        self._stop.set()
        self.wait_for_content(STOP_GRACE)
        self.client.close()
        self.db.close()
        self._lock.close()
