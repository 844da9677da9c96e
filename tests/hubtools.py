"""Helpers for the hub's tests: a hub on a real data directory, and a live server for it.

The live server is real uvicorn on 127.0.0.1 (a free port), run in a thread of the test
process, so a test can look into the hub's database while talking HTTP to it. `HubProcess` is
the whole hub as it is deployed (`kiosk-hub serve`, one uvicorn worker, in its own process) for
the sync tests and benchmarks, with `enroll_kiosk` and `file_reports` for the kiosk's side.

The hub's database is SQLite in the data directory; with HUB_TEST_POSTGRES set to a server's
URL (e.g. `postgresql://hub@/postgres?host=/tmp&port=5432`), each hub gets a fresh database
there instead, to run the same tests on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import uvicorn
from cryptography.hazmat.primitives import serialization
from sqlalchemy import create_engine, make_url, text

from hub.accounts.tokens import add_token
from hub.app import create_app
from hub.content.releases import publish
from hub.context import Hub, init_data
from hub.fleet.kiosks import Kiosk, add_kiosk
from hub.settings import Settings
from kiosk_core.content.manifest import FileEntry
from kiosk_core.reports import ReportDraft

REPO = Path(__file__).resolve().parent.parent
HUB_CLI = [sys.executable, "-c", "import sys; from hub.cli import main; sys.exit(main())"]
KIOSK_CLI = [sys.executable, "-c", "import sys; from kiosk.cli import main; sys.exit(main())"]


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

    def user(self, username: str, role: str = "staff", password: str = "", **details) -> str:
        """Create a web account; returns its password (a fixed one unless given)."""
        from hub.accounts.users import add_user

        password = password or f"{username}-Hasło-2026!"
        with self.hub.transaction() as conn:
            add_user(conn, username, password, role, self.hub.now(), **details)
        return password

    def token(self, role: str, name: str | None = None) -> str:
        with self.hub.transaction() as conn:
            return add_token(conn, role, self.hub.now(), name=name)

    def publish_release(self, release_dir: Path) -> int:
        """Publish a built release folder straight through the core (no HTTP), as an
        administrator (who may set where reports go)."""
        files = []
        for path in sorted(release_dir.rglob("*")):
            if path.is_file() and path.name != "manifest.json":
                data = path.read_bytes()
                digest = self.hub.blobs.put(data)
                rel = path.relative_to(release_dir).as_posix()
                files.append(FileEntry(path=rel, sha256=digest, size=len(data)))
        with self.hub.transaction() as conn:
            return publish(conn, self.hub.blobs, files, self.hub.now(), may_route=True).version


def _fresh_postgres(server_url: str) -> str:
    name = f"hub_test_{os.urandom(6).hex()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def report_body(**changes) -> dict:
    """A report as a kiosk delivers it over HTTP (POST /api/v1/reports), fields changed."""
    body = {
        "uuid": str(uuid.uuid4()),
        "ref_code": "7KQ-4XM",
        "status_token": "s3cr3t-status-token",
        "created": "2026-11-21T14:00:00+00:00",
        "lang": "pl",
        "service_code": "lampa",
        "description": "Nie świeci latarnia przy ul. Rynek 5",
        "lat": 50.3,
        "long": 16.88,
        "address_string": None,
        "email": "jan@example.org",
        "phone": None,
        "first_name": "Jan",
        "last_name": None,
    }
    return body | changes


class Clock:
    """A settable clock for `Hub.clock`: tests move time instead of waiting for it."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


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
    """uvicorn serving `app` on 127.0.0.1 in a background thread, for a `with` block;
    `config` is passed on to uvicorn.Config."""

    def __init__(self, app, **config):
        self.app = app
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, **{"log_level": "warning", "access_log": False, "lifespan": "off"} | config
        )
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd: list[str], check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"{cmd[3:]} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done


class HubProcess:
    """A real hub in its own process (`kiosk-hub serve` on a free 127.0.0.1 port, one uvicorn
    worker, SQLite, no access log), with an editor and an admin token; `config` is written to
    its hub.toml before it starts. `prefix` runs it under another command (`prlimit
    --nofile=…`, `strace …`), `cli` is the command line that runs `kiosk-hub` (a bench's
    baseline changes a module first), `serve_args` are added to `serve`."""

    def __init__(
        self,
        root: Path,
        config: str = "",
        prefix: Sequence[str] = (),
        serve_args: Sequence[str] = (),
        cli: Sequence[str] = HUB_CLI,
    ) -> None:
        self.data = root / "hub"
        run([*HUB_CLI, "init", "--data", str(self.data)])
        if config:
            (self.data / "hub.toml").write_text(config, encoding="utf-8")
        self.editor = self._token("editor")
        self.admin = self._token("admin")
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        self.log_path = root / "hub.log"
        self.log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            [*prefix, *cli, "serve", "--data", str(self.data), "--port", port]
            + ["--no-access-log", *serve_args],
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{self.url}/api/v1/health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the hub did not start: {self.log_path.read_text()}")
            time.sleep(0.1)

    def _token(self, role: str) -> str:
        out = run([*HUB_CLI, "token", "add", "--role", role, "--data", str(self.data)]).stdout
        return out.strip().splitlines()[-1].strip()

    def add_kiosk(self, kiosk_id: str) -> str:
        out = run(
            [*HUB_CLI, "kiosk", "add", kiosk_id, "--name", kiosk_id.title(), "--lat", "50.3"]
            + ["--long", "16.88", "--group", "centrum", "--data", str(self.data)]
        ).stdout
        return out.strip().splitlines()[-1].strip()

    def add_user(self, username: str, role: str, password: str) -> None:
        """A web account, made with `kiosk-hub user add` (the password on stdin)."""
        cmd = [*HUB_CLI, "user", "add", username, "--role", role, "--password-stdin"]
        done = subprocess.run(
            [*cmd, "--data", str(self.data)],
            cwd=REPO,
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def publish(self, src: Path, token: str | None = None) -> int:
        """`kiosk-hub publish` with `token`; by default the administrator's, who may also
        change where reports go (as a first release does)."""
        token = token or self.admin
        out = run([*HUB_CLI, "publish", str(src), "--hub", self.url, "--token", token])
        return int(re.search(r"[Pp]ublished release (\d+)", out.stdout)[1])

    def query(self, sql: str, *args) -> list[tuple]:
        """Read the hub's own database (read-only) to see what it has stored."""
        with sqlite3.connect(f"file:{self.data / 'hub.db'}?mode=ro", uri=True) as conn:
            return conn.execute(sql, args).fetchall()

    def fleet(self, kiosk_id: str) -> dict:
        answer = requests.get(
            f"{self.url}/api/v1/kiosks",
            headers={"Authorization": f"Bearer {self.admin}"},
            timeout=10,
        )
        answer.raise_for_status()
        return next(k for k in answer.json()["kiosks"] if k["kiosk_id"] == kiosk_id)

    def private_key(self):
        return serialization.load_pem_private_key(
            (self.data / "signing.key").read_bytes(), password=None
        )

    def __enter__(self) -> HubProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


REPORT = dict(
    service_code="lampa",
    description="Nie świeci latarnia przy ul. Polnej 3",
    lat=50.3,
    long=16.88,
    consent=True,
    email="jan@example.org",
    phone="+48600100200",
    first_name="Jan",
    last_name="Kowalski",
)
"""A report as a resident files it at the kiosk, with contact details given."""


def enroll_kiosk(hub_url: str, token: str, data: Path) -> subprocess.CompletedProcess:
    """`kiosk enroll` (the real CLI, in its own process) into the data directory `data`."""
    return run([*KIOSK_CLI, "enroll", "--hub", hub_url, "--token", token, "--data", str(data)])


def file_reports(data: Path, changes: Iterable[dict]) -> list[str]:
    """Save one report per item of `changes` (fields differing from REPORT) in the kiosk
    database of `data`, as the report screen does; returns their uuids. (The kiosk's modules
    are imported here, not above: the hub's own tests run where only the hub is installed.)"""
    from kiosk.infra.store import open_store
    from kiosk.visit.outbox import save_report

    db = open_store(data)
    try:
        return [
            save_report(db, ReportDraft(**(REPORT | c)), None, "pl", datetime.now(UTC)).uuid
            for c in changes
        ]
    finally:
        db.close()


def file_report(data: Path, **changes) -> str:
    return file_reports(data, [changes])[0]
