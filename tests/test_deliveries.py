"""The outbox on its own, with a channel of the test's own: outcomes, backoff, a handler that
raises, two senders at once, and a worker stopped in the middle of a round."""

from __future__ import annotations

import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.db import deliveries, report_events
from hub.reports.intake import ReportIn, submit
from hub.sending import deliveries as outbox
from hub.sending import sender
from tests.hubtools import Clock, HubEnv

T0 = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)


class Channel:
    """A channel whose handler answers from a script and counts its calls per delivery."""

    def __init__(self, name: str, answers=(), pause: float = 0.0) -> None:
        self.name = name
        self.answers = list(answers)
        self.pause = pause
        self.calls: list[int] = []
        self.lock = threading.Lock()
        sender.register(name, self)

    def __call__(self, hub, delivery, report):
        with self.lock:
            self.calls.append(delivery.id)
            answer = self.answers.pop(0) if self.answers else outbox.Done()
        time.sleep(self.pause)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def env(tmp_path: Path):
    env = HubEnv.create(tmp_path / "hub", deliveries_interval=0)
    env.hub.clock = Clock(T0)
    env.kiosk("rynek")
    yield env
    env.hub.close()


def new_report(env: HubEnv) -> int:
    body = {
        "uuid": str(uuid.uuid4()),
        "ref_code": "7KQ-4XM",
        "status_token": uuid.uuid4().hex,
        "created": T0,
        "lang": "pl",
        "service_code": "lampa",
        "description": "Nie świeci latarnia",
    }
    with env.hub.transaction() as conn:
        receipt = submit(conn, "rynek", body["uuid"], ReportIn.model_validate(body), {"lampa"}, T0)
    return int(receipt.service_request_id)


def queue(env: HubEnv, channel: str, targets: list[str]) -> list[int]:
    report_id = new_report(env)
    with env.hub.transaction() as conn:
        for target in targets:
            assert outbox.enqueue(conn, report_id, channel, target, env.hub.now())
        assert not outbox.enqueue(conn, report_id, channel, targets[0], env.hub.now())
    return [d.id for d in rows(env)]


def rows(env: HubEnv):
    with env.hub.transaction(write=False) as conn:
        return conn.execute(select(deliveries).order_by(deliveries.c.id)).all()


def test_each_outcome_is_stored(env: HubEnv) -> None:
    channel = Channel(
        "t-outcomes",
        [
            outbox.Done("remote-7", event=("forwarded", "city")),
            outbox.Retry("busy"),
            outbox.Waiting("tok-1", after=timedelta(minutes=5)),
            outbox.Failed("no such endpoint"),
            RuntimeError("a bug in the handler"),
        ],
    )
    queue(env, channel.name, ["a", "b", "c", "d", "e"])
    assert sender.run_due(env.hub) == 5
    got = {d.target: d for d in rows(env)}
    assert (got["a"].state, got["a"].external_id) == ("done", "remote-7")
    assert (got["b"].state, got["b"].last_error) == ("pending", "busy")
    assert (got["c"].state, got["c"].external_token) == ("waiting", "tok-1")
    assert got["c"].next_attempt == (T0 + timedelta(minutes=5)).isoformat()
    assert (got["d"].state, got["d"].last_error) == ("failed", "no such endpoint")
    assert got["e"].state == "pending"
    assert got["e"].last_error == "RuntimeError: a bug in the handler"
    with env.hub.transaction(write=False) as conn:
        notes = conn.execute(select(report_events.c.kind, report_events.c.note)).all()
    assert notes == [("forwarded", "city")]

    env.hub.clock.now = T0 + timedelta(hours=2)
    assert sender.run_due(env.hub) == 3  # b, e retried; c polled while waiting
    assert {d.target: d.state for d in rows(env)} == {
        "a": "done",
        "b": "done",
        "c": "done",
        "d": "failed",
        "e": "done",
    }
    with env.hub.transaction(write=False) as conn:
        assert outbox.summary(conn) == {"pending": 0, "waiting": 0, "done": 4, "failed": 1}


def test_backoff_grows_with_jitter_and_stops_at_an_hour() -> None:
    rng = random.Random(7)
    for attempts, ceiling in ((1, 30), (2, 60), (5, 480), (8, 3600), (50, 3600)):
        waits = [outbox.backoff(attempts, rng).total_seconds() for _ in range(300)]
        assert min(waits) >= 1 and max(waits) <= ceiling
        assert max(waits) > 0.8 * ceiling  # spread over the whole range, not in step
        assert len({round(w) for w in waits}) > 10


def test_a_channel_without_a_handler_waits_untouched(env: HubEnv) -> None:
    queue(env, "nobody-handles", ["x"])
    assert sender.run_due(env.hub) == 0
    [row] = rows(env)
    assert (row.state, row.attempts) == ("pending", 0)


def test_two_senders_at_once_never_send_the_same_delivery(env: HubEnv, monkeypatch) -> None:
    monkeypatch.setattr(outbox, "BATCH", 3)  # small claims, so the senders interleave
    channel = Channel("t-race", pause=0.02)
    queue(env, channel.name, [f"target-{i}" for i in range(30)])
    counts = []

    def send_round():
        counts.append(sender.run_due(env.hub))

    threads = [threading.Thread(target=send_round) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 30
    assert all(counts)  # every sender took part
    assert len(channel.calls) == len(set(channel.calls)) == 30
    assert {d.state for d in rows(env)} == {"done"}


def test_a_worker_stopped_mid_round_gives_the_rest_back(env: HubEnv) -> None:
    channel = Channel("t-stop", pause=0.2)
    queue(env, channel.name, [f"t{i}" for i in range(10)])
    worker = sender.DeliveryWorker(env.hub, interval=3600).start()
    deadline = time.monotonic() + 10
    while not channel.calls and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop(timeout=10)
    sent = len(channel.calls)
    assert 1 <= sent < 10
    left = [d for d in rows(env) if d.state == "pending"]
    assert len(left) == 10 - sent
    # Not held for a lease: due again at once, and tried exactly once in all.
    assert all(d.attempts == 0 and d.next_attempt <= env.hub.now().isoformat() for d in left)
    assert sender.run_due(env.hub) == 10 - sent
    assert sorted(channel.calls) == [d.id for d in rows(env)]
