"""What a route needs from the request: the hub, and one transaction as a known caller.

The whole transaction, authentication included, runs inside the route and commits before
the response leaves. It never spans several threadpool hops: under load, a request holding
SQLite's write lock while it waits for a free thread, with every thread waiting for that
lock, is a deadlock.

Where the transaction runs: the frequent, small kiosk calls (heartbeat, reports, stats,
manifest) are `async def` routes whose transaction runs right on the event loop: it takes a
fraction of a millisecond, and in a worker thread every SQLite call would have to win the
GIL back from the busy event loop. Measured with bench/hub_heartbeats.py on 2 CPUs: about
0.42 ms of hub CPU per heartbeat on the loop against 0.55-0.75 ms in threads, and a third
more heartbeats per second. A write's commit also waits there for SQLite to sync the WAL
(synchronous=FULL: the answer comes after the data is on disk), about a millisecond on an
SSD; bench/hub_reports.py measures what that costs. Slow or rare calls (publishing,
exports, fleet status) are plain `def` routes in the threadpool, so they never hold up the
loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from hub.accounts.tokens import Principal, authenticate, authorize
from hub.context import Hub

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Call:
    hub: Hub
    write: bool
    """GET and HEAD only read: they take no write lock."""
    authorization: str | None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction for an anonymous call (enrolment)."""
        with self.hub.transaction(self.write) as conn:
            yield conn

    @contextmanager
    def as_caller(self, *roles: str) -> Iterator[tuple[Connection, Principal]]:
        """One transaction, the caller checked first: 401 unknown, 403 wrong role."""
        with self.hub.transaction(self.write) as conn:
            yield conn, authorize(authenticate(conn, self.authorization), *roles)

    def check_caller(self, *roles: str) -> Principal:
        """The caller, checked in a short read of its own (long uploads hold no transaction)."""
        with self.hub.transaction(write=False) as conn:
            return authorize(authenticate(conn, self.authorization), *roles)


async def _call(request: Request) -> Call:
    return Call(
        request.app.state.hub,
        request.method not in READ_METHODS,
        request.headers.get("authorization"),
    )


CallDep = Annotated[Call, Depends(_call)]
