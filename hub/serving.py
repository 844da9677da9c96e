"""How `kiosk-hub serve` runs uvicorn so that slow or hostile clients cannot take it down.

Measured before: 1,100 connections sending a byte every 10 s used up the 1,024 open files
systemd gives a service by default; the hub then answered no health check for a minute, and
asyncio logged its "socket.accept() out of system resource" error up to 2,048 times a second
(Python 3.11 retries accept() once per backlog slot), 98 MB of log in a minute. So:

- The soft limit on open files is raised to the hard one at start (the unit sets
  LimitNOFILE), and the hub keeps at most `connection_cap` connections open: a share of the
  files left once the database, blobs and logs have theirs, so accept() never runs out.
- A connection must deliver its request's head (request line and headers) within
  HEAD_TIMEOUT seconds of opening, or of the previous answer; uvicorn has no such deadline
  and would wait for ever on a client that dribbles its headers. Bodies have a deadline of
  their own (hub.limits.BodyLimit), since only the app knows when it waits for one.
- When every allowed connection is taken, a new one displaces the slowest connection that
  still owes the hub data (its head, or a body the app is waiting for): a newcomer with a
  whole request in one packet, such as a kiosk, a health check or a browser, is served while
  the slow clients take turns being cut off. Only when none owes data is the newcomer turned
  away (503, Retry-After). (A flood of new connections from one address, faster than they
  can be read, is for nginx's per-address limit: deploy/nginx/kiosk-hub.conf.)
- A log line that repeats is written a few times a minute, then counted (RepeatLimit).
- SIGTERM ends the process within EXIT_DEADLINE seconds whatever it is doing: requests get
  GRACE seconds to finish, and work that cannot be interrupted (a publish cutting
  panoramas in a thread) is abandoned; what it left in the scratch folder goes at the next
  start (hub.scratch), and its database transaction was never committed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any, ClassVar

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from hub.settings import Settings

log = logging.getLogger("hub.serving")

HEAD_TIMEOUT = 10.0
"""Seconds a connection has for its request's head; a request fits in one packet."""
KEEP_ALIVE = 5
"""Seconds an idle connection is kept between requests (uvicorn's default)."""
GRACE = 5
"""Seconds requests in progress get to finish after SIGTERM."""
EXIT_DEADLINE = 10.0
"""Seconds after SIGTERM by which the process has ended, finished or not."""
RESERVED_FILES = 200
"""Open files kept for everything but client connections: up to 56 database connections
of two files each, blobs being written and served, logs (a quarter of the open files where
there are fewer than 800)."""
ACCEPT_BATCH = 128
CREDIT = 1024
"""Bytes a connection is credited with when ranking the slow ones (about a request's head):
one that has just opened ranks as fast, one that sent a byte every few seconds as slow."""
UNHEARD = 1.0
"""Seconds a new connection is never displaced before the hub has read from it: a request
sent with the connection waits in its socket until then."""
BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 10\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 31\r\nConnection: close\r\n\r\nThe hub is busy; try again soon."
)


def raise_open_files_limit() -> int:
    """Raise the soft limit on open files to the hard one; returns the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
    return soft


def accept_batch(open_files_limit: int) -> int:
    """The listen backlog, which is also how many connections asyncio accepts at once before
    the hub sees any of them: small enough that a burst cannot use up the open files."""
    return max(8, min(ACCEPT_BATCH, open_files_limit // 8))


def connection_cap(open_files_limit: int, open_now: int, configured: int) -> int:
    """How many client connections the hub keeps open (above it, the slowest one goes):
    `configured`, unless the open files allow fewer. Kept aside: files for the database and
    blobs, a batch of connections over the cap (a newcomer not yet read from is never the
    one to go), and two batches just accepted or just closed that asyncio still holds."""
    reserved = min(RESERVED_FILES, open_files_limit // 4)
    batch = accept_batch(open_files_limit)
    spare = open_files_limit - open_now - reserved - 3 * batch
    return max(8, min(configured, spare))


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 connection with a deadline for request heads and a cap on open
    connections (`cap`, set on a subclass by `guarded_protocol`)."""

    cap: ClassVar[int] = 1000
    """Above this many connections, the slowest one owing data is closed."""
    room: ClassVar[int] = 1128
    """Above this many, a newcomer is turned away if none of the others may be closed."""
    head_timeout: ClassVar[float] = HEAD_TIMEOUT

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        self._since = self.loop.time()
        self._received = 0
        self._awaiting: object = None
        self._head_timer: Any = None
        self._heard = False
        super().connection_made(transport)
        open_now = len(self.connections)
        if open_now > self.cap and not self._make_room() and open_now > self.room:
            log.warning("%d connections open, none of them slow: turned a new one away", open_now)
            transport.write(BUSY)
            transport.close()
            return
        self._await_head()

    def data_received(self, data: bytes) -> None:
        self._heard = True
        self._received += len(data)
        super().data_received(data)

    def on_response_complete(self) -> None:
        # Armed before uvicorn looks at pipelined data, which may start the next request.
        if not self.transport.is_closing():
            self._await_head()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)

    def _await_head(self) -> None:
        """Start the deadline for the next request's head: while `self.cycle` is still the
        one it was (none, or the request just answered), no new head has arrived."""
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._since = self.loop.time()
        self._received = 0
        self._awaiting = self.cycle
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_overdue)

    def _head_overdue(self) -> None:
        if self.cycle is self._awaiting and not self.transport.is_closing():
            log.info(
                "closed a connection whose request did not come within %.0f s (%s, %d bytes)",
                self.head_timeout,
                self.client[0] if self.client else "?",
                self._received,
            )
            self.transport.abort()

    def _owes_data(self) -> bool:
        """Whether the client is what this connection waits for: its request's head, or a
        body the app is ready to read (reading is paused when the app is the slow one)."""
        if self.cycle is self._awaiting:
            return True
        cycle = self.cycle
        return bool(cycle and cycle.more_body and not self.flow.read_paused)

    def _make_room(self) -> bool:
        """Close the connection that sends slowest of those owing data; False if none may
        go (every other one is being answered, or just opened)."""
        now = self.loop.time()
        slow = [
            c
            for c in self.connections
            if isinstance(c, GuardedH11Protocol)
            and c is not self
            and not c.transport.is_closing()
            and (c._heard or now - c._since >= UNHEARD)
            and c._owes_data()
        ]
        if not slow:
            return False
        victim = min(slow, key=lambda c: (c._received + CREDIT) / max(now - c._since, 1e-3))
        log.warning(
            "%d connections open: closed the slowest (%s sent %d bytes in %.0f s)",
            self.cap,
            victim.client[0] if victim.client else "?",
            victim._received,
            now - victim._since,
        )
        victim.transport.abort()
        return True


def guarded_protocol(
    cap: int, room: int, head_timeout: float = HEAD_TIMEOUT
) -> type[GuardedH11Protocol]:
    """The protocol class for uvicorn's `http=`, with this process's limits."""
    limits = {"cap": cap, "room": room, "head_timeout": head_timeout}
    return type("HubH11Protocol", (GuardedH11Protocol,), limits)


class RepeatLimit(logging.Filter):
    """Lets `burst` records of the same kind (logger and message template) through in each
    `window` of seconds; the rest are counted and the count is added to the next one let
    through. A flood of one error thus costs a few lines a minute, not the disk."""

    def __init__(
        self, burst: int = 5, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ):
        super().__init__()
        self.burst = burst
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], list] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        template = record.msg if isinstance(record.msg, str) else type(record.msg).__name__
        key = (record.name, template.partition("\n")[0])
        now = self.clock()
        with self._lock:
            seen = self._seen.setdefault(key, [now, 0, 0])  # window start, shown, held back
            if now - seen[0] >= self.window:
                held = seen[2]
                seen[:] = [now, 0, 0]
                if held:
                    record.msg = f"{record.msg} [and {held} more like this before]"
            if seen[1] >= self.burst:
                seen[2] += 1
                return False
            seen[1] += 1
            if len(self._seen) > 10_000:  # messages built without a template; start over
                self._seen = {key: seen}
        return True


def install_log_limits() -> RepeatLimit:
    """Put a RepeatLimit on uvicorn's handler and on a root handler for everything else
    (asyncio's accept errors included), but not on the access log: every line there is a
    different request."""
    limit = RepeatLimit()
    for handler in logging.getLogger("uvicorn").handlers:
        handler.addFilter(limit)
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(name)s: %(message)s"))
    handler.addFilter(limit)
    root.addHandler(handler)
    return limit


class HubServer(uvicorn.Server):
    """uvicorn's server, ending the process EXIT_DEADLINE seconds after the first SIGTERM
    or SIGINT if the graceful shutdown has not ended it by then."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            timer = threading.Timer(EXIT_DEADLINE, _exit_now)
            timer.daemon = True
            timer.start()
        super().handle_exit(sig, frame)


def _exit_now() -> None:
    log.error("still busy %.0f s after being asked to stop: exiting now", EXIT_DEADLINE)
    for stream in (sys.stderr, sys.stdout):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(1)


def run(app: Any, settings: Settings, host: str, port: int, access_log: bool) -> None:
    """Serve `app` until SIGTERM, with the limits above."""
    files = raise_open_files_limit()
    try:
        open_now = len(os.listdir("/proc/self/fd"))
    except OSError:
        open_now = 64
    cap = connection_cap(files, open_now, settings.max_connections)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=access_log,
        proxy_headers=True,
        http=guarded_protocol(cap, cap + accept_batch(files)),
        backlog=accept_batch(files),
        timeout_keep_alive=KEEP_ALIVE,
        timeout_graceful_shutdown=GRACE,
    )
    install_log_limits()
    log.setLevel(logging.INFO)
    log.info("open files: %d; connections: at most %d", files, cap)
    HubServer(config).run()
