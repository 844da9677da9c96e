"""Every acknowledgement the hub gives comes after a durable commit (issue 15, item 2).

A kiosk erases a report's contact details once the hub has answered 2xx and never sends it
again, so the hub may answer only once the report would survive a power cut. SQLite in WAL
mode with `synchronous=FULL` syncs the WAL at every commit; with NORMAL it syncs only at
checkpoints and a crash of the machine loses the last commits.

A kill -9 of the hub would not show the difference (the page cache survives a killed
process, only a power cut loses it), so the real hub runs under strace instead and the test
reads the order of its system calls: each request is read, the WAL is synced, then the answer
is sent.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, make_url, text

from hub.db import make_engine
from tests.conftest import write_tree
from tests.hubtools import (
    HubEnv,
    HubProcess,
    LiveServer,
    _fresh_postgres,
    bearer,
    report_body,
)

API = "/api/v1"


ON_POSTGRES = bool(os.environ.get("HUB_TEST_POSTGRES"))


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's pragmas (PostgreSQL: the test below)")
def test_every_connection_the_hub_opens_syncs_each_commit(tmp_path: Path) -> None:
    env = HubEnv.create(tmp_path / "hub")
    token = env.kiosk_token("rynek")
    beat = {"sent_at": datetime.now(UTC).isoformat(), "uptime": 5, "errors": []}
    with LiveServer(env.app) as live:

        def call(_i: int) -> int:
            answer = requests.post(
                f"{live.url}{API}/heartbeat", json=beat, headers=bearer(token), timeout=10
            )
            fleet = requests.get(f"{live.url}{API}/kiosks", headers=bearer(token), timeout=10)
            return answer.status_code + fleet.status_code  # the second is a 403, in a thread

        with ThreadPoolExecutor(16) as pool:
            assert set(pool.map(call, range(64))) == {200 + 403}
    engine = env.hub.engine
    pooled = engine.pool.checkedin()
    assert pooled >= 2  # the requests needed several connections at once
    connections = [engine.connect() for _ in range(pooled + 2)]  # the pooled ones and new
    try:
        for conn in connections:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        for conn in connections:
            conn.close()
        env.hub.close()


@pytest.mark.skipif(not ON_POSTGRES, reason="set HUB_TEST_POSTGRES to a server's URL")
def test_postgres_commits_are_durable_even_where_the_server_says_otherwise() -> None:
    url = _fresh_postgres(os.environ["HUB_TEST_POSTGRES"])
    name = make_url(url).database
    admin = create_engine(os.environ["HUB_TEST_POSTGRES"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"ALTER DATABASE {name} SET synchronous_commit = off"))
        conn.execute(text(f"ALTER DATABASE {name} SET statement_timeout = 60000"))
    admin.dispose()
    plain = create_engine(url)
    with plain.connect() as conn:  # what the hub's sessions would have had
        assert conn.execute(text("SHOW synchronous_commit")).scalar() == "off"
    plain.dispose()
    engine = make_engine(url)
    try:
        connections = [engine.connect() for _ in range(3)]
        for conn in connections:
            assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "1min"  # kept
        for conn in connections:
            conn.close()
        with engine.connect() as conn:  # from the pool again
            assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
    finally:
        engine.dispose()


def _child(pid: int) -> int:
    """The process strace started (its only child)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


@pytest.mark.skipif(shutil.which("strace") is None, reason="apt-get install strace")
def test_reports_stats_and_heartbeats_are_answered_after_the_wal_is_synced(
    tmp_path: Path,
) -> None:
    trace = tmp_path / "hub.strace"
    strace = ["strace", "-f", "-qq", "-yy", "-s", "48", "-o", str(trace)]
    strace += ["-e", "trace=recvfrom,sendto,fsync,fdatasync"]
    hub = HubProcess(tmp_path, prefix=strace)
    try:
        hub.publish(write_tree(tmp_path / "src"))
        token = bearer(hub.admin)
        kiosk = bearer(_kiosk_token(hub))
        body = report_body()
        answers = {
            "POST /api/v1/reports": requests.post(
                f"{hub.url}{API}/reports",
                json=body,
                headers=kiosk | {"Idempotency-Key": body["uuid"]},
                timeout=30,
            ),
            "PUT /api/v1/stats": requests.put(
                f"{hub.url}{API}/stats",
                json={"hours": [{"hour": "2026-11-21T13", "metric": "touch", "count": 4}]},
                headers=kiosk,
                timeout=30,
            ),
            "POST /api/v1/heartbeat": requests.post(
                f"{hub.url}{API}/heartbeat",
                json={"sent_at": datetime.now(UTC).isoformat(), "uptime": 5, "errors": []},
                headers=kiosk,
                timeout=30,
            ),
        }
        assert [a.status_code for a in answers.values()] == [201, 200, 200]
        assert requests.get(f"{hub.url}{API}/kiosks", headers=token, timeout=30).ok
    finally:
        server = _child(hub.proc.pid)
        subprocess.run(["kill", "-TERM", str(server)], check=True)
        hub.proc.wait(timeout=30)  # strace ends with the hub, its log complete
        hub.log.close()
    lines = trace.read_text().splitlines()
    for request, answer in answers.items():
        asked = next(i for i, line in enumerate(lines) if f'"{request} HTTP/1.1' in line)
        status = f'"HTTP/1.1 {answer.status_code} '
        answered = next(i for i in range(asked, len(lines)) if status in lines[i])
        synced = [
            line
            for line in lines[asked:answered]
            if re.search(r"\b(fsync|fdatasync)\(\d+<[^>]*hub\.db-wal>\) = 0", line)
        ]
        assert synced, f"{request} was answered before the WAL was synced:\n" + "\n".join(
            lines[asked : answered + 1]
        )
    # Reading needs no sync: the fleet list is answered without one.
    asked = next(i for i, line in enumerate(lines) if '"GET /api/v1/kiosks HTTP/1.1' in line)
    answered = next(i for i in range(asked, len(lines)) if '"HTTP/1.1 200 ' in lines[i])
    assert not any("hub.db-wal" in line for line in lines[asked:answered])


def _kiosk_token(hub: HubProcess) -> str:
    """Enrol a kiosk over HTTP with the one-time token `kiosk-hub kiosk add` prints."""
    once = hub.add_kiosk(f"k{uuid.uuid4().hex[:6]}")
    answer = requests.post(f"{hub.url}{API}/enroll", json={"token": once}, timeout=30)
    answer.raise_for_status()
    return answer.json()["kiosk_token"]
