"""Helpers for the hub's tests: a hub on a real data directory, and a live server for it.

The live server is real uvicorn on 127.0.0.1 (a free port), run in a thread of the test
process, so a test can look into the hub's database while talking HTTP to it.

The hub's database is SQLite in the data directory; with HUB_TEST_POSTGRES set to a server's
URL (e.g. `postgresql://hub@/postgres?host=/tmp&port=5432`), each hub gets a fresh database
there instead, to run the same tests on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from sqlalchemy import create_engine, make_url, text

from hub.app import create_app
from hub.context import Hub, init_data
from hub.kiosks import Kiosk, add_kiosk
from hub.releases import publish
from hub.settings import Settings
from hub.tokens import add_token
from kiosk.content.manifest import FileEntry


def make_client(app):
    """FastAPI's TestClient, without Starlette's notice about the httpx it still uses."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*httpx2")
        from fastapi.testclient import TestClient
    return TestClient(app)


@dataclass
class HubEnv:
    """A hub on a temporary data directory with helpers to set up callers."""

    hub: Hub
    app: object = None
    kiosk_tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, data_dir: Path, **settings) -> HubEnv:
        if os.environ.get("HUB_TEST_POSTGRES"):
            settings.setdefault("database_url", _fresh_postgres(os.environ["HUB_TEST_POSTGRES"]))
        config = Settings(data_dir, **settings)
        init_data(config)
        hub = Hub.open(config)
        return cls(hub, create_app(config, hub))

    def database_args(self) -> list[str]:
        """`--database URL` for the CLI when the hub is not on its default SQLite file."""
        url = self.hub.settings.database_url
        return ["--database", url] if url else []

    def kiosk(self, kiosk_id: str, name: str = "Rynek", lat=50.3, long=16.88, groups=()) -> str:
        """Register a kiosk; returns its one-time enrolment token."""
        with self.hub.transaction() as conn:
            return add_kiosk(
                conn,
                Kiosk(kiosk_id, name, lat, long, list(groups)),
                self.hub.now(),
                self.hub.settings.enrolment_ttl,
            )

    def kiosk_token(self, kiosk_id: str) -> str:
        """A bearer token of an enrolled kiosk (registered on first use)."""
        if kiosk_id not in self.kiosk_tokens:
            self.kiosk(kiosk_id, name=f"Kiosk {kiosk_id}")
            with self.hub.transaction() as conn:
                self.kiosk_tokens[kiosk_id] = add_token(
                    conn, "kiosk", self.hub.now(), kiosk_id=kiosk_id
                )
        return self.kiosk_tokens[kiosk_id]

    def token(self, role: str, name: str | None = None) -> str:
        with self.hub.transaction() as conn:
            return add_token(conn, role, self.hub.now(), name=name)

    def publish_release(self, release_dir: Path) -> int:
        """Publish a built release folder straight through the core (no HTTP)."""
        files = []
        for path in sorted(release_dir.rglob("*")):
            if path.is_file() and path.name != "manifest.json":
                data = path.read_bytes()
                digest = self.hub.blobs.put(data)
                rel = path.relative_to(release_dir).as_posix()
                files.append(FileEntry(path=rel, sha256=digest, size=len(data)))
        with self.hub.transaction() as conn:
            return publish(conn, self.hub.blobs, files, self.hub.now()).version


def _fresh_postgres(server_url: str) -> str:
    name = f"hub_test_{os.urandom(6).hex()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class CountingApp:
    """Wraps an ASGI app and counts requests by (method, path prefix)."""

    def __init__(self, app):
        self.app = app
        self.counts: Counter[tuple[str, str]] = Counter()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            path = scope["path"]
            prefix = "/api/v1/blobs/" if path.startswith("/api/v1/blobs/") else path
            self.counts[(scope["method"], prefix)] += 1
        await self.app(scope, receive, send)


class LiveServer:
    """uvicorn serving `app` on 127.0.0.1 in a background thread, for a `with` block."""

    def __init__(self, app):
        self.app = app
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live hub did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
