"""The agent's parts that need no hub: enrolment, the client's failure rules, report delivery,
statistics, heartbeat and the loop, each against a small scripted HTTP server on 127.0.0.1
(the whole agent against the real hub is in test_sync_e2e.py)."""

from __future__ import annotations

import base64
import json
import os
import random
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kiosk.infra.store import get_state, open_store
from kiosk.sync.agent import WAKE_FILE, Agent, AgentBusy
from kiosk.sync.client import HubClient, HubError, is_permanent
from kiosk.sync.enrolment import (
    ENROLMENT_FILE,
    Enrolment,
    EnrolmentError,
    enroll,
    load_enrolment,
    save_enrolment,
)
from kiosk.sync.errors import MAX_ERRORS, pending_errors, record_error
from kiosk.sync.heartbeat import ATTENTION_SENT, send_heartbeat
from kiosk.sync.reports import deliver_reports
from kiosk.sync.stats import batches, mark_clock, pending_hours, upload_stats
from kiosk.visit.outbox import list_reports, mark_attention, save_report
from kiosk_core.reports import ReportDraft
from tests.hubtools import REPORT

NOW = datetime(2026, 11, 21, 14, 30, tzinfo=UTC)
KEY = base64.b64encode(bytes(range(32))).decode()

Reply = tuple[int, dict] | tuple[int, dict, dict[str, str]]


class ScriptedHub:
    """Answers each request with `reply(method, path, headers, body)`: (status, JSON) or
    (status, JSON, headers); records them all."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.reply: Callable[[str, str, dict, bytes], Reply] = lambda *_: (200, {})
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                call = {"method": self.command, "path": self.path, "headers": headers}
                call["json"] = json.loads(body) if body else None
                server.calls.append(call)
                status, answer, *extra = server.reply(self.command, self.path, headers, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                for name, value in (extra[0] if extra else {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def paths(self) -> list[str]:
        return [c["path"] for c in self.calls]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def hub() -> Iterator[ScriptedHub]:
    scripted = ScriptedHub()
    yield scripted
    scripted.close()


@pytest.fixture
def client(hub: ScriptedHub) -> HubClient:
    return HubClient(hub.url, "kiosk-token", timeout=(2, 2))


@pytest.fixture
def db(tmp_path: Path):
    return open_store(tmp_path / "data")


def enrolled(data: Path, hub_url: str) -> Path:
    save_enrolment(data, Enrolment(hub_url, "rynek", "kiosk-token", KEY, ["centrum"]))
    return data


# --- client ------------------------------------------------------------------------------------


def test_failures_are_permanent_only_for_4xx_but_408_and_429() -> None:
    assert [s for s in (400, 401, 403, 404, 409, 413, 422) if is_permanent(s)] == [
        400,
        401,
        403,
        404,
        409,
        413,
        422,
    ]
    assert not any(is_permanent(s) for s in (408, 429, 500, 502, 503, 504))


def test_a_stalled_hub_does_not_hang_the_client() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts connections, never answers
    try:
        client = HubClient(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=(1, 0.5))
        started = time.monotonic()
        with pytest.raises(HubError, match="did not answer in time") as failure:
            client.request("GET", "/manifest")
        assert time.monotonic() - started < 5
        assert not failure.value.permanent
    finally:
        listener.close()


def test_an_unreachable_hub_is_a_passing_failure() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(HubError, match="cannot reach the hub") as failure:
        HubClient(f"http://127.0.0.1:{port}", timeout=(1, 1)).request("GET", "/manifest")
    assert not failure.value.permanent and failure.value.status is None


def test_the_hubs_detail_is_kept_in_the_error(hub: ScriptedHub, client: HubClient) -> None:
    hub.reply = lambda *_: (422, {"detail": "unknown service_code 'x'"})
    with pytest.raises(HubError, match="422 unknown service_code") as failure:
        client.request("POST", "/reports", json_body={})
    assert failure.value.permanent and failure.value.status == 422
    assert hub.calls[0]["headers"]["authorization"] == "Bearer kiosk-token"


# --- enrolment ---------------------------------------------------------------------------------


def test_enrolment_is_stored_readable_by_the_owner_only(hub: ScriptedHub, tmp_path: Path) -> None:
    answer = {
        "kiosk_id": "rynek",
        "kiosk_token": "secret-token",
        "groups": ["centrum"],
        "public_key": KEY,
        "location": {"lat": 50.3, "long": 16.88},
    }
    hub.reply = lambda *_: (200, answer)
    enrolment = enroll(hub.url + "/", "one-time", tmp_path / "data")
    assert hub.calls[0]["path"] == "/api/v1/enroll"
    assert hub.calls[0]["json"] == {"token": "one-time"}
    path = tmp_path / "data" / ENROLMENT_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert saved == answer | {"hub_url": hub.url}
    assert load_enrolment(tmp_path / "data") == enrolment
    assert enrolment.public_key_bytes() == bytes(range(32))


def test_a_spent_token_or_a_bad_key_enrols_nothing(hub: ScriptedHub, tmp_path: Path) -> None:
    hub.reply = lambda *_: (401, {"detail": "unknown or used enrolment token"})
    with pytest.raises(EnrolmentError, match="already used"):
        enroll(hub.url, "spent", tmp_path)
    bad = {"kiosk_id": "a", "kiosk_token": "t", "public_key": base64.b64encode(b"x").decode()}
    hub.reply = lambda *_: (200, bad)
    with pytest.raises(EnrolmentError, match="not 32"):
        enroll(hub.url, "token", tmp_path)
    assert not (tmp_path / ENROLMENT_FILE).exists()
    with pytest.raises(EnrolmentError, match="not enrolled"):
        load_enrolment(tmp_path)


# --- reports -----------------------------------------------------------------------------------


def file_report(db, **changes) -> str:
    """A resident's report (tests.hubtools.REPORT), filed at NOW in an open database."""
    return save_report(db, ReportDraft(**(REPORT | changes)), "rynek", "pl", NOW).uuid


def test_a_delivered_report_loses_its_personal_data(
    hub: ScriptedHub, client: HubClient, db
) -> None:
    uuid = file_report(db, answers={"pole": "12/345"})
    hub.reply = lambda *_: (201, {"service_request_id": "r-17"})
    outcome = deliver_reports(client, db, NOW)
    assert (outcome.delivered, outcome.errors) == (1, [])
    (call,) = hub.calls
    assert call["headers"]["idempotency-key"] == uuid == call["json"]["uuid"]
    assert call["json"]["email"] == "jan@example.org"
    assert call["json"]["attributes"] == {"pole": "12/345"}, "the answers go with it"
    (row,) = list_reports(db, with_contact=True)
    assert row["state"] == "delivered" and row["service_request_id"] == "r-17"
    assert row["email"] is None and row["first_name"] is None
    assert deliver_reports(client, db, NOW + timedelta(days=1)).delivered == 0


@pytest.mark.parametrize("status", [400, 409, 413, 422])
def test_a_refused_report_is_kept_for_attention_with_its_contact(
    hub: ScriptedHub, client: HubClient, db, status: int
) -> None:
    file_report(db, service_code="nieznana")
    hub.reply = lambda *_: (status, {"detail": "cannot store this"})
    outcome = deliver_reports(client, db, NOW)
    assert outcome.attention == 1 and "kept for attention" in outcome.errors[0]
    assert "1 refused (need attention)" in str(outcome)
    (row,) = list_reports(db, with_contact=True)
    assert row["state"] == "attention" and f"{status} cannot store this" in row["last_error"]
    assert (row["email"], row["phone"], row["first_name"]) == (
        "jan@example.org",
        "+48600100200",
        "Jan",
    )
    # Never sent again by the agent itself.
    assert deliver_reports(client, db, NOW + timedelta(days=7)).attention == 0
    assert len(hub.calls) == 1


@pytest.mark.parametrize("status", [503, 429, 401, 404])
def test_a_failure_not_about_the_report_is_retried_later(
    hub: ScriptedHub, client: HubClient, db, status: int
) -> None:
    file_report(db)
    file_report(db, description="Druga latarnia")
    hub.reply = lambda *_: (status, {"detail": "not now"})
    outcome = deliver_reports(client, db, NOW, rng=random.Random(1))
    assert outcome.retried == 1 and len(hub.calls) == 1  # the round stops at the first
    rows = list_reports(db, with_contact=True)
    assert {r["state"] for r in rows} == {"pending"}
    assert all(r["email"] == "jan@example.org" for r in rows)
    retried = [r for r in rows if r["attempts"] == 1]
    assert len(retried) == 1 and retried[0]["next_attempt"] >= NOW.isoformat(timespec="seconds")


def test_too_many_reports_wait_for_retry_after_with_their_contact_kept(
    hub: ScriptedHub, client: HubClient, db
) -> None:
    uuids = [file_report(db, description=f"Latarnia nr {i}") for i in range(3)]
    hub.reply = lambda *_: (429, {"detail": "too many reports"}, {"Retry-After": "120"})
    outcome = deliver_reports(client, db, NOW, rng=random.Random(1))
    assert (outcome.retried, len(hub.calls)) == (1, 1)  # the round stops at once
    assert outcome.held_until == NOW + timedelta(seconds=120)
    assert "429 too many reports" in outcome.errors[0]
    rows = {r["uuid"]: r for r in list_reports(db, with_contact=True)}
    assert {r["state"] for r in rows.values()} == {"pending"}
    assert all(r["email"] == "jan@example.org" for r in rows.values())
    assert rows[uuids[0]]["next_attempt"] == (NOW + timedelta(seconds=120)).isoformat()
    # Not one report goes before the time the hub gave, not even those not tried yet.
    for later in (NOW + timedelta(seconds=1), NOW + timedelta(seconds=119)):
        assert deliver_reports(client, db, later).held_until is not None
    assert len(hub.calls) == 1
    hub.reply = lambda *_: (201, {"service_request_id": "r-1"})
    outcome = deliver_reports(client, db, NOW + timedelta(seconds=120))
    assert (outcome.delivered, outcome.held_until) == (3, None)


@pytest.mark.parametrize(
    ("header", "held"),
    [
        ("999999999", 3600),  # capped at an hour
        ("0", None),
        ("soon", None),
        ("-5", None),
        ("1.5e9", None),
        ("Wed, 21 Oct 2026 07:28:00 GMT", None),  # a date: not heeded (the clock may be off)
        ("", None),
    ],
)
def test_retry_after_is_capped_and_garbage_ignored(
    hub: ScriptedHub, client: HubClient, db, header: str, held: int | None
) -> None:
    file_report(db)
    hub.reply = lambda *_: (429, {"detail": "slow down"}, {"Retry-After": header})
    outcome = deliver_reports(client, db, NOW, rng=random.Random(1))
    (row,) = list_reports(db, with_contact=True)
    assert row["state"] == "pending" and row["email"] == "jan@example.org"
    due = datetime.fromisoformat(row["next_attempt"])
    if held is None:
        assert outcome.held_until is None
        assert NOW <= due <= NOW + timedelta(seconds=30)  # the usual backoff
    else:
        assert outcome.held_until == due == NOW + timedelta(seconds=held)


def test_batch_items_over_the_limit_wait_and_the_round_stops(
    hub: ScriptedHub, client: HubClient, db
) -> None:
    uuids = [file_report(db, description=f"Latarnia nr {i}") for i in range(8)]

    def reply(_method: str, path: str, _headers: dict, body: bytes) -> Reply:
        if path.endswith("/reports"):
            return 201, {"service_request_id": "r-0"}, {"Kiosk-Report-Batch": "3"}
        items = json.loads(body)["reports"]
        results = [{"uuid": items[0]["uuid"], "outcome": "stored", "service_request_id": "r-1"}]
        for item in items[1:]:
            results.append(
                {"uuid": item["uuid"], "outcome": "rejected", "status": 429, "retry_after": 300}
            )
        return 200, {"results": results}, {"Kiosk-Report-Batch": "3"}

    hub.reply = reply
    outcome = deliver_reports(client, db, NOW, in_flight=1)
    # The probe, then two batches of three in flight; each stores one, the others wait.
    assert [c["path"] for c in hub.calls] == ["/api/v1/reports"] + ["/api/v1/reports/batch"] * 2
    assert (outcome.delivered, outcome.retried) == (3, 4)
    assert outcome.held_until == NOW + timedelta(seconds=300)
    rows = {r["uuid"]: r for r in list_reports(db, with_contact=True)}
    waiting = [u for u in uuids if rows[u]["state"] == "pending"]
    assert len(waiting) == 5 and all(rows[u]["email"] for u in waiting)
    assert deliver_reports(client, db, NOW + timedelta(seconds=299)).delivered == 0
    assert len(hub.calls) == 3


# --- statistics --------------------------------------------------------------------------------


def add_counts(db, rows: list[tuple[str, str, str, int]]) -> None:
    db.conn.executemany(
        "INSERT INTO counters (hour, metric, key, count) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (hour, metric, key) DO UPDATE SET count = count + excluded.count",
        rows,
    )


def test_only_finished_hours_are_sent_and_only_once(
    hub: ScriptedHub, client: HubClient, db
) -> None:
    add_counts(
        db,
        [
            ("2026-11-21T12", "touch", "home", 5),
            ("2026-11-21T13", "touch", "home", 7),
            ("2026-11-21T13", "session", "", 2),
            ("2026-11-21T14", "touch", "home", 1),  # the current hour: not yet
        ],
    )
    hub.reply = lambda *_: (200, {"stored": 3})
    assert upload_stats(client, db, NOW).hours == 2
    (call,) = hub.calls
    assert call["method"] == "PUT" and call["path"] == "/api/v1/stats"
    assert call["json"]["sent_at"] == NOW.isoformat()
    assert {(r["hour"], r["metric"], r["key"], r["count"]) for r in call["json"]["hours"]} == {
        ("2026-11-21T12", "touch", "home", 5),
        ("2026-11-21T13", "touch", "home", 7),
        ("2026-11-21T13", "session", "", 2),
    }
    assert all(r["clock_synced"] is True for r in call["json"]["hours"])
    assert upload_stats(client, db, NOW).hours == 0 and len(hub.calls) == 1
    # a late flush into 13:00 sends that whole hour again, as totals
    add_counts(db, [("2026-11-21T13", "touch", "home", 1)])
    assert upload_stats(client, db, NOW + timedelta(minutes=5)).hours == 1
    sent = {(r["metric"], r["count"]) for r in hub.calls[-1]["json"]["hours"]}
    assert sent == {("touch", 8), ("session", 2)}


def test_an_hour_is_finished_only_after_the_flush_grace(db) -> None:
    add_counts(db, [("2026-11-21T13", "touch", "home", 5)])
    assert pending_hours(db, datetime(2026, 11, 21, 14, 1, tzinfo=UTC)) == {}
    assert list(pending_hours(db, datetime(2026, 11, 21, 14, 3, tzinfo=UTC))) == ["2026-11-21T13"]


def test_a_failed_upload_is_sent_again(hub: ScriptedHub, client: HubClient, db) -> None:
    add_counts(db, [("2026-11-21T12", "touch", "home", 5)])
    hub.reply = lambda *_: (503, {"detail": "busy"})
    with pytest.raises(HubError):
        upload_stats(client, db, NOW)
    hub.reply = lambda *_: (200, {"stored": 1})
    assert upload_stats(client, db, NOW).hours == 1


def test_refused_statistics_are_not_sent_for_ever(hub: ScriptedHub, client: HubClient, db) -> None:
    add_counts(db, [("2026-11-21T12", "touch", "home", 5)])
    hub.reply = lambda *_: (422, {"detail": "bad metric"})
    outcome = upload_stats(client, db, NOW)
    assert outcome.hours == 0 and "bad metric" in outcome.errors[0]
    assert upload_stats(client, db, NOW).errors == [] and len(hub.calls) == 1


def test_batches_never_split_an_hour() -> None:
    hours = {f"2026-11-21T{h:02}": [{}] * n for h, n in [(1, 3), (2, 3), (3, 1), (4, 5)]}
    assert batches(hours, max_rows=4) == [
        ["2026-11-21T01"],
        ["2026-11-21T02", "2026-11-21T03"],
        ["2026-11-21T04"],
    ]


def test_hours_counted_before_the_clock_was_synchronised_are_marked(db) -> None:
    boot = datetime(2026, 11, 20, 8, 10, tzinfo=UTC)  # the old clock after a power cut
    add_counts(
        db,
        [
            ("2026-11-19T10", "touch", "home", 4),  # a day before this boot: fine
            ("2026-11-20T08", "touch", "home", 3),  # since boot, unsynchronised
        ],
    )
    assert mark_clock(db, boot + timedelta(minutes=20), False, uptime=30 * 60) == 1
    add_counts(db, [("2026-11-20T09", "touch", "home", 2)])  # flushed before the jump
    assert mark_clock(db, NOW, True, uptime=3600) == 1  # NTP set the clock: 09 marked too
    add_counts(db, [("2026-11-21T14", "touch", "home", 1)])
    assert mark_clock(db, NOW + timedelta(minutes=1), True, uptime=3700) == 0
    marks = dict(db.execute("SELECT hour, clock_synced FROM counters").fetchall())
    assert marks == {
        "2026-11-19T10": 1,
        "2026-11-20T08": 0,
        "2026-11-20T09": 0,
        "2026-11-21T14": 1,
    }


# --- heartbeat, errors, the loop ---------------------------------------------------------------


def test_heartbeat_carries_the_errors_then_forgets_them(
    hub: ScriptedHub, client: HubClient, db, tmp_path: Path
) -> None:
    file_report(db)
    add_counts(db, [("2026-11-21T13", "touch", "home", 1)])
    entry = record_error(db, "content", "the hub did not answer in time", NOW)
    hub.reply = lambda *_: (200, {"server_time": (NOW + timedelta(seconds=3)).isoformat()})
    outcome = send_heartbeat(client, db, tmp_path / "data", NOW, uptime=3600.4)
    body = hub.calls[0]["json"]
    assert body == {
        "sent_at": NOW.isoformat(),
        "content_version": None,
        "outbox_depth": 1,
        "last_touch": "2026-11-21T13:00:00+00:00",
        "uptime": 3600,
        "app_version": "0.1.0",
        "errors": [entry],
        "attention": 0,
        "attention_reports": [],
    }
    assert outcome.skew == 3.0 and get_state(db, "clock_skew") == "3.0"
    assert pending_errors(db) == []


def test_heartbeat_says_which_reports_need_attention_oldest_first(
    hub: ScriptedHub, client: HubClient, db, tmp_path: Path
) -> None:
    uuids = [
        save_report(
            db, ReportDraft(**(REPORT | {"description": f"nr {i}"})), "rynek", "pl",
            NOW + timedelta(minutes=i),
        ).uuid
        for i in range(ATTENTION_SENT + 2)
    ]  # fmt: skip
    for uuid in reversed(uuids):
        mark_attention(db, uuid, "POST /reports: 409 " + "x" * 1000)
    hub.reply = lambda *_: (200, {"server_time": NOW.isoformat()})
    send_heartbeat(client, db, tmp_path / "data", NOW, uptime=1)
    body = hub.calls[0]["json"]
    assert body["attention"] == ATTENTION_SENT + 2 and body["outbox_depth"] == 0
    sent = body["attention_reports"]
    rows = {r["ref_code"]: r for r in list_reports(db)}
    assert [r["created"] for r in sent] == sorted(r["created"] for r in rows.values())[:10]
    assert all(r["service_code"] == "lampa" and len(r["reason"]) == 300 for r in sent)
    assert "jan@example.org" not in json.dumps(body)  # no personal data


def test_the_error_list_is_bounded(db) -> None:
    for n in range(MAX_ERRORS + 5):
        record_error(db, "stats", f"failure {n} " + "x" * 1000, NOW)
    errors = pending_errors(db)
    assert len(errors) == MAX_ERRORS and "failure 5 " in errors[0]
    assert all(len(e) <= 300 for e in errors)


def test_one_failing_step_does_not_stop_the_others(hub: ScriptedHub, tmp_path: Path) -> None:
    data = enrolled(tmp_path / "data", hub.url)

    def reply(method: str, path: str, _headers: dict, _body: bytes) -> Reply:
        if path == "/api/v1/manifest":
            return 500, {"detail": "disk on fire"}
        return 200, {"server_time": NOW.isoformat(), "stored": 0}

    hub.reply = reply
    agent = Agent(data, now=lambda: NOW, clock_synced=lambda: True, uptime=lambda: 60)
    try:
        file_report(agent.db)
        results = {r.step: r for r in agent.run_once()}
        assert [r.ok for r in results.values()] == [True, False, True, True]
        assert "500 disk on fire" in results["content"].message
        assert "/api/v1/reports" in hub.paths() and "/api/v1/heartbeat" in hub.paths()
        beat = next(c for c in hub.calls if c["path"] == "/api/v1/heartbeat")
        assert "content: GET /manifest: 500 disk on fire" in beat["json"]["errors"][0]
    finally:
        agent.close()


def test_a_second_agent_on_the_same_data_is_refused(hub: ScriptedHub, tmp_path: Path) -> None:
    data = enrolled(tmp_path / "data", hub.url)
    first = Agent(data)
    try:
        with pytest.raises(AgentBusy):
            Agent(data)
    finally:
        first.close()
    Agent(data).close()


def test_the_wake_file_starts_a_cycle_early_and_stop_ends_the_loop(
    hub: ScriptedHub, tmp_path: Path
) -> None:
    data = enrolled(tmp_path / "data", hub.url)
    hub.reply = lambda *_: (404, {"detail": "nothing has been published yet"})
    agent = Agent(data, clock_synced=lambda: True)
    cycles: list[float] = []
    original = agent.run_once

    def counted(**options):
        cycles.append(time.monotonic())
        return original(**options)

    agent.run_once = counted
    loop = threading.Thread(target=agent.run_forever, args=(3600,))
    loop.start()
    try:
        deadline = time.monotonic() + 10
        while len(cycles) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        (data / WAKE_FILE).touch()
        while len(cycles) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(cycles) == 2 and not (data / WAKE_FILE).exists()
        agent.wake()
        while len(cycles) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(cycles) == 3
    finally:
        agent.stop()
        loop.join(timeout=10)
        agent.close()
    assert not loop.is_alive()


def test_enrolment_file_is_private_even_with_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = save_enrolment(tmp_path, Enrolment("http://h", "k", "t", KEY))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
