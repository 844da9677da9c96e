"""The sync agent through a hostile network: a real agent, a real hub (`kiosk-hub serve`) and
between them `tests.faultproxy.FaultProxy`, which at random (seeded) resets connections before
or after the hub has the request, answers 500 itself, stalls past the agent's read timeout and
cuts answers short. Whatever it does, each of 1,000 reports must reach the hub exactly once, the
kiosk must know it (delivered, personal data erased) and the release must still be installed.

The agent runs in this process with small timeouts (a stall costs READ_TIMEOUT, not 30 s) and
no retry backoff (the outbox's backoff is tested in test_outbox.py; here it would only make the
test wait). It delivers in batches (POST /reports/batch) as it does in service, but small
ones, so that the batches meet every kind of fault many times over. That the same statistics
sent three times leave the hub's totals unchanged is in test_sync_e2e.py; here they only go
through the faults once more.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from kiosk.infra.store import open_store
from kiosk.sync import reports as report_delivery
from kiosk.sync.agent import Agent
from kiosk.sync.client import HubClient
from kiosk.sync.content import active_version
from kiosk.sync.enrolment import load_enrolment
from kiosk.sync.stats import pending_hours
from kiosk.visit import outbox
from kiosk.visit.outbox import list_reports, outbox_depth
from tests.conftest import png_of_size, write_tree
from tests.faultproxy import FaultProxy
from tests.hubtools import HubProcess, enroll_kiosk, file_reports

SEED = int(os.environ.get("SYNC_FAULTS_SEED", "20261121"))
"""Another seed (SYNC_FAULTS_SEED=...) plays another sequence of faults."""
REPORTS = 1000
FAULT_RATES = {
    "reset_before": 0.03,
    "reset_after": 0.04,
    "error_500": 0.03,
    "stall": 0.015,
    "truncate": 0.04,
}
BATCH_SIZE = 4
"""Reports a batch: a few hundred batch requests, so each fault hits a batch several times."""
READ_TIMEOUT = 0.5
STALL = 1.5
"""How long the proxy holds a stalled connection: past the agent's read timeout."""
DRAIN_DEADLINE = 75.0
PROXY_LIFETIME = 110.0
BLOB_SIZE = 768 * 1024
"""A media file big enough to be cut short in the middle and resumed."""


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    # One kiosk sends REPORTS reports within a minute: past the hub's hourly limit per kiosk.
    server = HubProcess(tmp_path, "reports_per_kiosk_hour = 1000000\n")
    yield server
    server.stop()


def report_changes(n: int) -> list[dict]:
    """Reports of both categories, some at a typed address, each with its own contact."""
    changes = []
    for i in range(n):
        change: dict = {
            "service_code": "lampa" if i % 2 else "idea",
            "description": f"Zgłoszenie nr {i}: nie świeci latarnia, ławka złamana",
            "email": f"mieszkaniec{i}@example.org",
        }
        if i % 5 == 0:
            change["address_string"] = f"ul. Polna {i}, Próbna"
        changes.append(change)
    return changes


def add_counters(data: Path) -> dict[tuple[str, str, str], int]:
    """Touch counters of two finished hours in the kiosk; returns what the hub should hold."""
    now = datetime.now(UTC)
    rows = [
        ((now - timedelta(hours=3)).strftime("%Y-%m-%dT%H"), "touch", "home", 40),
        ((now - timedelta(hours=3)).strftime("%Y-%m-%dT%H"), "session", "", 4),
        ((now - timedelta(hours=2)).strftime("%Y-%m-%dT%H"), "view", "service:dowod", 3),
    ]
    db = open_store(data)
    try:
        db.conn.executemany(
            "INSERT INTO counters (hour, metric, key, count) VALUES (?, ?, ?, ?)", rows
        )
    finally:
        db.close()
    return {(h, m, k): n for h, m, k, n in rows}


def drain(agent: Agent, version: int, deadline: float) -> tuple[bool, int, list[str]]:
    """Agent cycles until the outbox is empty, the statistics are sent and `version` is
    active, or the deadline passes; returns (done, cycles, the last cycle's failed steps)."""
    cycles = 0
    failed: list[str] = []
    while time.monotonic() < deadline:
        failed = [str(r) for r in agent.run_once() if not r.ok]
        cycles += 1
        idle = outbox_depth(agent.db) == 0 and not pending_hours(agent.db, agent.now())
        if idle and active_version(agent.data_dir) == version:
            return True, cycles, failed
    return False, cycles, failed


def test_every_report_arrives_exactly_once_through_a_faulty_network(
    hub: HubProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "BACKOFF_BASE", 0.0)
    monkeypatch.setattr(report_delivery, "BATCH_SIZE", BATCH_SIZE)
    src = write_tree(tmp_path / "src")  # report categories: lampa, idea
    (src / "media" / "map.png").write_bytes(png_of_size(BLOB_SIZE, SEED))
    version = hub.publish(src)
    data = tmp_path / "kiosk"
    started = time.monotonic()
    with FaultProxy(hub.url, seed=SEED, stall=STALL, lifetime=PROXY_LIFETIME) as proxy:
        enroll_kiosk(proxy.url, hub.add_kiosk("faulty"), data)  # no faults yet
        uuids = file_reports(data, report_changes(REPORTS))
        expected_stats = add_counters(data)
        enrolment = load_enrolment(data)
        client = HubClient(
            enrolment.hub_url, enrolment.kiosk_token, timeout=(1.0, READ_TIMEOUT), deadline=5.0
        )
        proxy.faults = FAULT_RATES
        agent = Agent(data, client=client, clock_synced=lambda: True, rng=random.Random(SEED))
        try:
            done, cycles, failed = drain(agent, version, started + DRAIN_DEADLINE)
            depth = outbox_depth(agent.db)
        finally:
            agent.close()
    assert not proxy.running
    assert done, f"not done after {cycles} cycles: {depth} report(s) left; last: {failed}"

    # The hub: each (kiosk, uuid) once, with the body the kiosk filed.
    stored = hub.query(
        "SELECT uuid, ref_code, id, email FROM reports WHERE kiosk_id = ?", enrolment.kiosk_id
    )
    assert len(stored) == REPORTS
    twice = "SELECT kiosk_id, uuid FROM reports GROUP BY kiosk_id, uuid HAVING COUNT(*) > 1"
    assert hub.query(twice) == []
    by_uuid = {uuid: (ref, str(id_), email) for uuid, ref, id_, email in stored}
    assert set(by_uuid) == set(uuids)
    emails = {uuid: c["email"] for uuid, c in zip(uuids, report_changes(REPORTS), strict=True)}
    assert all(by_uuid[uuid][2] == email for uuid, email in emails.items())

    # The kiosk: every report delivered, with the hub's own id and ref_code, nobody's data kept.
    db = open_store(data)
    try:
        rows = list_reports(db, with_contact=True)
    finally:
        db.close()
    assert len(rows) == REPORTS
    for row in rows:
        ref, request_id, _email = by_uuid[row["uuid"]]
        assert row["state"] == "delivered", row
        assert (row["ref_code"], row["service_request_id"]) == (ref, request_id)
        assert (row["email"], row["phone"], row["first_name"], row["last_name"]) == (None,) * 4

    # The faults really happened, to the batches of reports too; most reports went in batches.
    batches = [e for e in proxy.log if e.method == "POST" and e.path == "/api/v1/reports/batch"]
    singles = [e for e in proxy.log if e.method == "POST" and e.path == "/api/v1/reports"]
    assert {e.fault for e in batches} >= set(FAULT_RATES), proxy.counts
    assert len(singles) <= cycles  # the first report of a cycle alone, the others in batches
    # Batches the hub stored whose answer was lost on the way back: their reports were sent
    # again, and since the hub holds each once and the kiosk has the hub's own ids (above), the
    # hub recognised them and answered each with its original id.
    lost = [
        e for e in batches if e.status == 200 and e.fault in ("reset_after", "stall", "truncate")
    ]
    assert lost

    # Statistics and content came through as well.
    totals = hub.query(
        "SELECT hour, metric, key, count FROM stats WHERE kiosk_id = ?", enrolment.kiosk_id
    )
    assert {(h, m, k): n for h, m, k, n in totals} == expected_stats
    assert active_version(data) == version
    assert not any((data / "blobs" / "partial").iterdir())
    print(
        f"\n{REPORTS} reports in {cycles} cycles, {len(proxy.log)} requests, "
        f"{len(batches)} batches, {len(lost)} stored batches' answers lost, "
        f"faults {dict(proxy.counts)}, "
        f"{time.monotonic() - started:.1f} s"
    )


def test_the_proxy_stops_by_itself_and_a_stall_ends_with_it(hub: HubProcess) -> None:
    proxy = FaultProxy(hub.url, faults={"stall": 1.0}, stall=60.0, lifetime=1.0)
    started = time.monotonic()
    with pytest.raises(requests.ConnectionError):  # closed without an answer, not a timeout
        requests.get(f"{proxy.url}/api/v1/health", timeout=(1.0, 30.0))
    assert time.monotonic() - started < 5.0
    deadline = time.monotonic() + 5.0
    while proxy.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not proxy.running
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{proxy.url}/api/v1/health", timeout=1.0)
    assert [(e.fault, e.status) for e in proxy.log] == [("stall", 200)]
