"""A hub that says "too many reports, come back later": a real `kiosk sync` agent process, a
real hub (`kiosk-hub serve`), and between them `tests.faultproxy.FaultProxy` answering the
agent's reports with 429 and `Retry-After` (as a hub with a limit of reports per kiosk and
hour does). The agent keeps every report (pending, contact details kept), sends none before the
time it was given, goes on with its heartbeats meanwhile, and delivers them all afterwards.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.infra.store import open_store
from kiosk.visit.outbox import list_reports
from tests.conftest import write_tree
from tests.faultproxy import FaultProxy
from tests.hubtools import KIOSK_CLI, REPO, HubProcess, enroll_kiosk, file_reports

RETRY_AFTER = 4


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    server = HubProcess(tmp_path)
    yield server
    server.stop()


def wait_for(what: str, check: Callable[[], object], timeout: float) -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if result := check():
            return result
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout} s: {what}")


def kiosk_reports(data: Path) -> list[dict]:
    db = open_store(data)
    try:
        return list_reports(db, with_contact=True)
    finally:
        db.close()


def test_reports_refused_with_429_wait_for_retry_after_and_are_kept(
    hub: HubProcess, tmp_path: Path
) -> None:
    hub.publish(write_tree(tmp_path / "src"))  # report categories lampa, idea
    data = tmp_path / "kiosk"
    with FaultProxy(
        hub.url, retry_after=str(RETRY_AFTER), fault_paths=("/api/v1/reports",), lifetime=90
    ) as proxy:
        enroll_kiosk(proxy.url, hub.add_kiosk("limit"), data)
        uuids = file_reports(data, [{"description": f"Latarnia nr {i}"} for i in range(3)])
        proxy.faults = {"too_many": 1.0}
        agent = subprocess.Popen(
            [*KIOSK_CLI, "sync", "--interval", "1", "--data", str(data)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:

            def report_posts() -> list:
                return [e for e in proxy.log if e.path.startswith("/api/v1/reports")]

            refused = wait_for("a report answered 429", lambda: report_posts(), 20)[0]
            proxy.faults = {}
            assert refused.status == 429
            # Meanwhile the kiosk keeps them all, contact details too.
            rows = kiosk_reports(data)
            assert {r["state"] for r in rows} <= {"pending", "sending"}
            assert all(r["email"] == "jan@example.org" for r in rows)

            query = "SELECT COUNT(*) FROM reports WHERE kiosk_id = 'limit'"
            wait_for("all reports at the hub", lambda: hub.query(query) == [(3,)], 20)
        finally:
            agent.terminate()
            agent.wait(timeout=10)
        posts = report_posts()
        again = posts[1]
        assert again.at - refused.at >= RETRY_AFTER - 0.05, [(p.path, p.at) for p in posts]
        assert again.at - refused.at < RETRY_AFTER + 3
        beats = [e for e in proxy.log if e.path == "/api/v1/heartbeat" and refused.at < e.at]
        assert len([b for b in beats if b.at < again.at]) >= 2  # the agent kept its cadence
    rows = {r["uuid"]: r for r in kiosk_reports(data)}
    assert [rows[u]["state"] for u in uuids] == ["delivered"] * 3
    stored = hub.query("SELECT email FROM reports WHERE kiosk_id = 'limit'")
    assert stored == [("jan@example.org",)] * 3


def test_a_hub_over_its_hourly_limit_keeps_the_rest_waiting_on_the_kiosk(tmp_path: Path) -> None:
    """The real limit, no proxy faults: a hub that takes 2 reports an hour from a kiosk (a
    probe alone, then a batch whose last two items come back 429 with `retry_after`); the
    agent delivers 2, keeps the other 2 (contact details too) and sends no report before the
    hub's Retry-After, while its heartbeats go on."""
    hub = HubProcess(tmp_path, "reports_per_kiosk_hour = 2\n")
    try:
        hub.publish(write_tree(tmp_path / "src"))
        data = tmp_path / "kiosk"
        with FaultProxy(hub.url, lifetime=90) as proxy:
            enroll_kiosk(proxy.url, hub.add_kiosk("busy"), data)
            file_reports(data, [{"description": f"Latarnia nr {i}"} for i in range(4)])
            agent = subprocess.Popen(
                [*KIOSK_CLI, "sync", "--interval", "1", "--data", str(data)],
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:

                def report_posts() -> list:
                    return [e for e in proxy.log if e.path.startswith("/api/v1/reports")]

                def held_back() -> bool:
                    states = sorted(r["state"] for r in kiosk_reports(data))
                    return states == ["delivered", "delivered", "pending", "pending"]

                wait_for("two delivered, two held back", held_back, 20)
                refused = report_posts()[-1]
                beats = lambda: [  # noqa: E731
                    e for e in proxy.log if e.path == "/api/v1/heartbeat" and e.at > refused.at
                ]
                wait_for("three heartbeats after the refusal", lambda: len(beats()) >= 3, 20)
            finally:
                agent.terminate()
                agent.wait(timeout=10)
            assert [e for e in report_posts() if e.at > refused.at] == []
        query = "SELECT COUNT(*) FROM reports WHERE kiosk_id = 'busy'"
        assert hub.query(query) == [(2,)]
        rows = kiosk_reports(data)
        assert sorted(r["state"] for r in rows) == ["delivered", "delivered", "pending", "pending"]
        waiting = [r for r in rows if r["state"] == "pending"]
        assert all(r["email"] == "jan@example.org" for r in waiting)
    finally:
        hub.stop()
