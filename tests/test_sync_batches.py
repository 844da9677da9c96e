"""The agent's report delivery in batches, against the real hub (uvicorn on 127.0.0.1 in a
thread): the first report of a round alone, the rest in POST /reports/batch, each report's
own verdict kept; one by one with a hub that does not offer batches or refuses one whole; a
failing batch retried later with backoff. The hub is sometimes wrapped to play an older hub,
a proxy in front of it, or a broken one; everything else is the hub as deployed."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from kiosk.infra.store import open_store
from kiosk.sync.client import HubClient
from kiosk.sync.reports import BATCH_HEADER, ROUND_LIMIT, deliver_reports, report_body
from kiosk.visit.outbox import list_reports
from kiosk_core.content.build import build_release
from tests.conftest import write_tree
from tests.hubtools import CountingApp, HubEnv, LiveServer, file_reports

REPORTS = "/api/v1/reports"
BATCH = "/api/v1/reports/batch"


class Wrapped:
    """The real hub behind a stand-in for what may sit in front of it. On POST /reports/batch
    it answers `batch` (status, JSON) itself instead of the hub, when given; with
    `advertise=False` the hub's offer of batches (its header) is taken out of every answer."""

    def __init__(self, app, batch: tuple[int, object] | None = None, advertise: bool = True):
        self.app = app
        self.batch = batch
        self.advertise = advertise

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] == BATCH and self.batch is not None:
            status, answer = self.batch
            body = json.dumps(answer).encode()
            headers = [(b"content-type", b"application/json")]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return

        async def without_offer(message):
            if message["type"] == "http.response.start" and not self.advertise:
                offer = BATCH_HEADER.lower().encode()
                headers = [(k, v) for k, v in message["headers"] if k.lower() != offer]
                message = message | {"headers": headers}
            await send(message)

        await self.app(scope, receive, without_offer)


NO_LIMIT = 1_000_000
"""Reports a kiosk may deliver within an hour: these tests send hundreds at once (the hub's
limit, 120 by default, has its own tests in test_hub_intake.py)."""


@pytest.fixture
def env(tmp_path: Path) -> Iterator[HubEnv]:
    env = HubEnv.create(tmp_path / "hub", deliveries_interval=0, reports_per_kiosk_hour=NO_LIMIT)
    out = tmp_path / "release"
    build_release(write_tree(tmp_path / "src"), out)  # report categories lampa and idea
    env.publish_release(out)
    yield env
    env.hub.close()


def serve(env: HubEnv, **wrapping) -> tuple[LiveServer, CountingApp]:
    counting = CountingApp(Wrapped(env.app, **wrapping))
    return LiveServer(counting), counting


def changes(n: int, **extra) -> list[dict]:
    return [
        {"description": f"Zgłoszenie nr {i}: nie świeci latarnia", "email": f"m{i}@example.org"}
        | extra
        for i in range(n)
    ]


def deliver(env: HubEnv, url: str, data: Path, now: datetime | None = None, **kwargs):
    db = open_store(data)
    client = HubClient(url, env.kiosk_token("rynek"), timeout=(2, 10))
    try:
        outcome = deliver_reports(client, db, now or datetime.now(UTC), **kwargs)
        return outcome, {r["uuid"]: r for r in list_reports(db, with_contact=True)}
    finally:
        client.close()
        db.close()


def hub_ids(env: HubEnv) -> dict[str, str]:
    with env.hub.transaction(write=False) as conn:
        rows = conn.exec_driver_sql("SELECT uuid, id FROM reports WHERE kiosk_id = 'rynek'")
        return {uuid: str(id_) for uuid, id_ in rows}


def test_the_first_report_goes_alone_and_the_rest_in_batches(env: HubEnv, tmp_path: Path):
    data = tmp_path / "kiosk"
    uuids = file_reports(data, changes(230))
    unknown = file_reports(data, changes(1, service_code="ufo"))[0]  # kept, unsorted
    # A report the hub already holds with another body (a kiosk bug, or worse): 409.
    clash = file_reports(data, changes(1, description="Ławka złamana w parku"))[0]
    db = open_store(data)
    (row,) = [r for r in list_reports(db, with_contact=True) if r["uuid"] == clash]
    db.close()
    server, counting = serve(env)
    with server:
        other = report_body(row) | {"description": "Zupełnie inna treść"}
        first = requests.post(
            server.url + REPORTS,
            json=other,
            headers={"Authorization": f"Bearer {env.kiosk_token('rynek')}"}
            | {"Idempotency-Key": clash},
            timeout=10,
        )
        assert first.status_code == 201
        outcome, rows = deliver(env, server.url, data)

    assert (outcome.delivered, outcome.attention, outcome.retried) == (231, 1, 0)
    assert counting.counts[("POST", REPORTS)] == 2  # the one above, and the probe
    assert counting.counts[("POST", BATCH)] == 3  # 231 more: 100, 100, 31
    held = hub_ids(env)
    assert set(held) == {*uuids, unknown, clash}
    for uuid in [*uuids, unknown]:
        assert rows[uuid]["state"] == "delivered"
        assert rows[uuid]["service_request_id"] == held[uuid]
        assert (rows[uuid]["email"], rows[uuid]["first_name"]) == (None, None)
    # What the hub refused is kept for attention, contact details and all.
    assert rows[clash]["state"] == "attention"
    assert "409" in rows[clash]["last_error"] and "different body" in rows[clash]["last_error"]
    assert rows[clash]["email"] == "m0@example.org"
    assert len([e for e in outcome.errors if "refused by the hub" in e]) == 1


def test_a_round_delivers_at_most_its_limit(env: HubEnv, tmp_path: Path) -> None:
    data = tmp_path / "kiosk"
    file_reports(data, changes(ROUND_LIMIT + 20))
    server, _counting = serve(env)
    with server:
        first, _rows = deliver(env, server.url, data)
        second, _rows = deliver(env, server.url, data)
    assert (first.delivered, second.delivered) == (ROUND_LIMIT, 20)


def test_large_reports_are_packed_under_the_hubs_body_limit(env: HubEnv, tmp_path: Path):
    # The largest description there is, every character a 12-byte JSON escape: 48 KB a report.
    data = tmp_path / "kiosk"
    file_reports(data, changes(41, description="😀" * 4000))
    server, counting = serve(env)
    with server:
        outcome, rows = deliver(env, server.url, data)
    assert (outcome.delivered, outcome.errors) == (41, [])
    assert counting.counts[("POST", BATCH)] == 4  # 40 after the probe, 10 a batch
    assert len(hub_ids(env)) == 41


@pytest.mark.parametrize(
    "wrapping",
    [
        {"batch": (404, {"detail": "Not Found"}), "advertise": False},  # an older hub
        {"batch": (404, {"detail": "Not Found"})},  # a proxy that does not forward batches
    ],
    ids=["older-hub", "proxy-without-batches"],
)
def test_a_hub_without_batches_gets_the_reports_one_by_one(
    env: HubEnv, tmp_path: Path, wrapping: dict
) -> None:
    data = tmp_path / "kiosk"
    uuids = file_reports(data, changes(9))
    server, counting = serve(env, **wrapping)
    with server:
        outcome, rows = deliver(env, server.url, data)
    assert (outcome.delivered, outcome.attention, outcome.retried) == (9, 0, 0)
    assert counting.counts[("POST", REPORTS)] == 9
    batches = counting.counts[("POST", BATCH)]
    assert batches == (0 if wrapping.get("advertise") is False else 1)
    held = hub_ids(env)
    assert all(rows[u]["service_request_id"] == held[u] for u in uuids)


def test_a_batch_over_a_smaller_body_limit_is_sent_again_one_by_one(tmp_path: Path) -> None:
    env = HubEnv.create(
        tmp_path / "hub", json_limit=2048, deliveries_interval=0, reports_per_kiosk_hour=NO_LIMIT
    )
    out = tmp_path / "release"
    build_release(write_tree(tmp_path / "src"), out)
    env.publish_release(out)
    data = tmp_path / "kiosk"
    uuids = file_reports(data, changes(8))
    unknown = file_reports(data, changes(1, service_code="ufo"))[0]  # kept, unsorted
    server, counting = serve(env)
    try:
        with server:
            outcome, rows = deliver(env, server.url, data)
    finally:
        env.hub.close()
    assert (outcome.delivered, outcome.attention, outcome.retried) == (9, 0, 0)
    assert counting.counts[("POST", BATCH)] == 1  # refused whole: 413
    assert counting.counts[("POST", REPORTS)] == 9
    assert any("413" in e and "sent one by one" in e for e in outcome.errors)
    assert all(rows[u]["state"] == "delivered" for u in [*uuids, unknown])
    assert max(r["attempts"] for r in rows.values()) == 1


@pytest.mark.parametrize(
    "batch",
    [
        (503, {"detail": "the hub is restarting"}),
        (200, {"results": []}),  # an answer that does not account for the reports
    ],
    ids=["503", "garbled"],
)
def test_a_failed_batch_is_retried_later_with_backoff(
    env: HubEnv, tmp_path: Path, batch: tuple[int, object]
) -> None:
    data = tmp_path / "kiosk"
    file_reports(data, changes(250))
    now = datetime.now(UTC)
    server, counting = serve(env, batch=batch)
    with server:
        outcome, rows = deliver(env, server.url, data, now, rng=random.Random(7))
    # The probe got through; the first two batches (in flight together) failed; then it stopped.
    assert (outcome.delivered, outcome.attention, outcome.retried) == (1, 0, 200)
    assert counting.counts[("POST", BATCH)] == 2
    assert len(hub_ids(env)) == 1
    waiting = [r for r in rows.values() if r["state"] == "pending"]
    assert len(waiting) == 249 and all(r["email"] for r in waiting)
    retried = [r for r in waiting if r["attempts"] == 1]
    assert len(retried) == 200
    due = {datetime.fromisoformat(r["next_attempt"]) for r in retried}
    assert len(due) > 10  # full jitter: each its own time
    assert all(now - timedelta(seconds=1) <= d <= now + timedelta(seconds=31) for d in due)
    # One error for the batch, not one per report.
    assert len([e for e in outcome.errors if "reports not delivered" in e]) == 2
    assert len(outcome.errors) == 2
