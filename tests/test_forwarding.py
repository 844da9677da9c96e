"""Forwarding to the city's own Open311 system, against a second real hub on loopback acting as
the city: each report arrives there once, batch tokens are followed to an id, a city that is
down or answers badly is retried without copies, a refusal is kept for staff, and the city's
answers come back to the resident's status page.

Our hub's clock is moved instead of waiting for backoff; the outbox (`run_due`) and the pull
(`pull_status`) are driven directly, except where the worker or the CLI is what is tested."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
import uvicorn
from click.testing import CliRunner
from sqlalchemy import select, update

from hub.accounts.users import get_user
from hub.cli import main as hub_cli
from hub.db import deliveries, report_events, reports
from hub.reports.casework import InboxFilter, get_report, inbox, set_answer, set_status
from hub.sending import deliveries as outbox
from hub.sending import forward_targets as targets
from hub.sending import forwarding, open311_client, sender
from hub.settings import Smtp
from hub.times import utcnow
from kiosk_core.content.build import build_release
from tests.conftest import write_tree
from tests.faultproxy import FaultProxy
from tests.hubtools import Clock, CountingApp, HubEnv, LiveServer, bearer, free_port
from tests.open311tools import CATEGORIES

TIMEOUT = 20
CITY_PUBLIC_URL = "https://www.miasto.example"
CITY_JURISDICTION = "miasto.example"
CITY_CATEGORIES = """\
- service_code: oswietlenie
  name: {pl: Oświetlenie uliczne}
  group: {pl: Drogi}
  department: {pl: Wydział Dróg Miejskich}
  department_email: drogi@miasto.example
  attributes:
    - {code: pole, datatype: string, description: {pl: Numer słupa}}
- service_code: odpady
  name: {pl: Odpady porzucone}
  group: {pl: Czystość}
  department: {pl: Wydział Środowiska}
  department_email: srodowisko@miasto.example
  attributes:
    - code: kind
      datatype: singlevaluelist
      description: {pl: Rodzaj odpadów}
      values: [{key: tyres, name: {pl: Opony}}, {key: rubble, name: {pl: Gruz}}]
    - code: extras
      datatype: multivaluelist
      description: {pl: Dodatkowo}
      values: [{key: smell, name: {pl: Odór}}, {key: water, name: {pl: Woda}}]
- service_code: wnioski
  name: {pl: Wnioski mieszkańców}
  group: {pl: Inne}
  department: {pl: Kancelaria}
  department_email: kancelaria@miasto.example
  type: batch
"""
"""The city's own categories: realtime services that ask questions (some with the codes of
ours) and a batch one (answers a token)."""
CITY_CLIENT = "Kioski Jodłów"


class CityServer:
    """The city's hub under uvicorn on one 127.0.0.1 port, which can be stopped (the port
    closed: connections are refused) and started again on the same port."""

    def __init__(self, app) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    def start(self) -> None:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", self.port))
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline and self._thread.is_alive(), "city did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._sock.close()
            self._server = None


@dataclass
class Pair:
    ours: HubEnv
    ours_url: str
    city: HubEnv
    city_server: CityServer
    city_key: str
    calls: CountingApp
    """Requests the city received, by (method, path)."""

    @property
    def endpoint(self) -> str:
        return f"{self.city_server.url}/open311/v2"

    @property
    def clock(self) -> Clock:
        return self.ours.hub.clock

    def later(self, hours: float = 2) -> None:
        """Move our hub's clock past any backoff (at most an hour)."""
        self.clock.now += timedelta(hours=hours)

    def forward(self, service_code: str, remote: str, endpoint: str | None = None, **kw) -> None:
        with self.ours.hub.transaction() as conn:
            targets.add_target(
                conn,
                self.ours.hub.blobs,
                service_code,
                endpoint or self.endpoint,
                kw.get("api_key", self.city_key),
                remote,
                kw.get("jurisdiction", CITY_JURISDICTION),
                self.ours.hub.now(),
            )

    def report(self, **changes) -> dict:
        """A report filed at kiosk `rynek`, delivered to our hub over HTTP as the kiosk does;
        the body sent, with our `id`."""
        body = {
            "uuid": str(uuid.uuid4()),
            "ref_code": "7KQ-4XM",
            "status_token": uuid.uuid4().hex,
            "created": utcnow().isoformat(),
            "lang": "pl",
            "service_code": "lampa",
            "description": "Nie świeci latarnia przy ul. Polnej 3, od tygodnia.",
            "lat": 50.3012,
            "long": 16.8834,
            "email": "jan@example.org",
            "phone": "+48600100200",
            "first_name": "Jan",
            "last_name": "Kowalski",
        } | changes
        body = {k: v for k, v in body.items() if v is not None}
        answer = requests.post(
            f"{self.ours_url}/api/v1/reports",
            json=body,
            headers=bearer(self.ours.kiosk_token("rynek")) | {"Idempotency-Key": body["uuid"]},
            timeout=TIMEOUT,
        )
        assert answer.status_code in (200, 201), answer.text
        return body | {"id": int(answer.json()["service_request_id"])}

    def delivery(self, report_id: int):
        with self.ours.hub.transaction(write=False) as conn:
            return conn.execute(
                select(deliveries).where(
                    deliveries.c.report_id == report_id, deliveries.c.channel == "open311"
                )
            ).one()

    def ours_report(self, report_id: int):
        with self.ours.hub.transaction(write=False) as conn:
            return conn.execute(select(reports).where(reports.c.id == report_id)).one()

    def events(self, report_id: int, kind: str) -> list:
        with self.ours.hub.transaction(write=False) as conn:
            return conn.execute(
                select(report_events)
                .where(report_events.c.report_id == report_id, report_events.c.kind == kind)
                .order_by(report_events.c.id)
            ).all()

    def at_city(self, report: dict | None = None) -> list:
        """The city's stored requests (those carrying this report's marker, if given)."""
        with self.city.hub.transaction(write=False) as conn:
            rows = conn.execute(select(reports).order_by(reports.c.id)).all()
        if report is None:
            return rows
        return [r for r in rows if f"[kiosk-hub {report['uuid']}]" in r.description]

    def posts(self) -> int:
        return self.calls.counts[("POST", "/open311/v2/requests.json")]


def _release(env: HubEnv, root: Path, categories: str) -> None:
    src = write_tree(root / "src")
    (src / "report_categories.yaml").write_text(categories, encoding="utf-8")
    build_release(src, root / "release")
    env.publish_release(root / "release")


@pytest.fixture
def make_pair(tmp_path: Path) -> Iterator:
    made: list = []

    def make(**ours_settings) -> Pair:
        city = HubEnv.create(tmp_path / "city", public_url=CITY_PUBLIC_URL, deliveries_interval=0)
        _release(city, tmp_path / "city-content", CITY_CATEGORIES)
        key = city.token("open311", name=CITY_CLIENT)
        calls = CountingApp(city.app)
        city_server = CityServer(calls)
        city_server.start()
        ours = HubEnv.create(tmp_path / "ours", deliveries_interval=0, **ours_settings)
        ours.hub.clock = Clock()
        _release(ours, tmp_path / "ours-content", CATEGORIES)
        live = LiveServer(ours.app).__enter__()
        made.append((city, city_server, ours, live))
        return Pair(ours, live.url, city, city_server, key, calls)

    yield make
    for city, city_server, ours, live in made:
        live.__exit__(None, None, None)
        city_server.stop()
        ours.hub.close()
        city.hub.close()


@pytest.fixture
def pair(make_pair) -> Pair:
    return make_pair()


def test_a_kiosk_report_reaches_the_city_once_with_the_kiosk_id(pair: Pair) -> None:
    pair.forward("lampa", "oswietlenie")
    given = pair.report()
    silent = pair.report(email=None, phone=None, first_name=None, last_name=None)
    not_forwarded = pair.report(service_code="idea")
    assert pair.at_city() == []  # sent by the outbox, never inside the kiosk's request

    assert sender.run_due(pair.ours.hub) == 2
    [city_given] = pair.at_city(given)
    [city_silent] = pair.at_city(silent)
    assert len(pair.at_city()) == 2 and pair.at_city(not_forwarded) == []
    for ours, theirs in ((given, city_given), (silent, city_silent)):
        assert theirs.service_code == "oswietlenie"
        assert theirs.device_id == "rynek"
        assert theirs.client == CITY_CLIENT
        assert theirs.source == "open311"
        assert (theirs.lat, theirs.long) == (ours["lat"], ours["long"])
        assert theirs.description == f"{ours['description']}\n\n[kiosk-hub {ours['uuid']}]"
        delivery = pair.delivery(ours["id"])
        assert (delivery.state, delivery.external_id) == ("done", str(theirs.id))
        [event] = pair.events(ours["id"], "forwarded")
        assert event.note == f"{pair.endpoint}: {theirs.id}"
    # Contact details go only where the resident gave them (with consent, at the kiosk).
    assert (city_given.email, city_given.phone) == ("jan@example.org", "+48600100200")
    assert (city_given.first_name, city_given.last_name) == ("Jan", "Kowalski")
    assert [city_silent.email, city_silent.phone, city_silent.first_name] == [None] * 3

    # The kiosk sends the report again (it never heard our answer): nothing more is sent.
    again = pair.report(**{k: v for k, v in given.items() if k != "id"})
    assert again["id"] == given["id"]
    pair.later()
    assert sender.run_due(pair.ours.hub) == 0
    assert forwarding.pull_status(pair.ours.hub).changed == 0
    assert len(pair.at_city()) == 2 and pair.posts() == 2


def test_answers_reach_the_city_as_its_attributes_or_written_into_the_description(
    pair: Pair,
) -> None:
    """The kiosk's answers, stored by our hub, go on as `attribute[CODE]` where the city's
    service asks the same question with the same choices; the others are written into the
    description, so a strict city does not refuse the report and its staff still read them."""
    pair.forward("lampa", "oswietlenie")
    pair.forward("smieci", "odpady")
    lamp = pair.report(attributes={"pole": "12/345"})
    dump = pair.report(
        service_code="smieci",
        description="Opony i worki w lesie za cmentarzem.",
        attributes={"kind": "tyres", "bags": "4", "extras": ["smell", "fire"]},
    )
    both = pair.report(service_code="smieci", attributes={"kind": "rubble", "extras": ["water"]})
    assert json.loads(pair.ours_report(lamp["id"]).attributes) == {"pole": "12/345"}
    stored = json.loads(pair.ours_report(dump["id"]).attributes)
    assert stored == {"kind": "tyres", "bags": "4", "extras": ["smell", "fire"]}

    assert sender.run_due(pair.ours.hub) == 3
    [city_lamp] = pair.at_city(lamp)
    assert json.loads(city_lamp.attributes) == {"pole": "12/345"}
    assert city_lamp.description == f"{lamp['description']}\n\n[kiosk-hub {lamp['uuid']}]"
    [city_dump] = pair.at_city(dump)
    assert json.loads(city_dump.attributes) == {"kind": "tyres"}
    assert city_dump.description == (
        "Opony i worki w lesie za cmentarzem.\n\n"
        "Ile worków?: 4\nCo jeszcze?: Odór, Dym\n\n"
        f"[kiosk-hub {dump['uuid']}]"
    )
    [city_both] = pair.at_city(both)
    assert json.loads(city_both.attributes) == {"kind": "rubble", "extras": ["water"]}
    for report in (lamp, dump, both):
        assert pair.delivery(report["id"]).state == "done"
    # The city's questions were read before each POST with answers, never otherwise.
    assert pair.calls.counts[("GET", "/open311/v2/services/odpady.json")] == 2
    assert pair.calls.counts[("GET", "/open311/v2/services/oswietlenie.json")] == 1


def test_a_batch_service_answers_a_token_and_the_id_is_asked_for_later(pair: Pair) -> None:
    pair.forward("idea", "wnioski")
    report = pair.report(service_code="idea", description="Ławki w parku przy rynku.")
    assert sender.run_due(pair.ours.hub) == 1
    [theirs] = pair.at_city(report)
    waiting = pair.delivery(report["id"])
    assert waiting.state == "waiting"
    assert waiting.external_token == theirs.open311_token and waiting.external_id is None
    assert pair.events(report["id"], "forwarded") == []
    assert pair.calls.counts[("GET", f"/open311/v2/tokens/{theirs.open311_token}.json")] == 0

    assert sender.run_due(pair.ours.hub) == 0  # not asked again before its time
    pair.later()
    assert sender.run_due(pair.ours.hub) == 1
    done = pair.delivery(report["id"])
    assert (done.state, done.external_id) == ("done", str(theirs.id))
    [event] = pair.events(report["id"], "forwarded")
    assert theirs.open311_token in event.note and str(theirs.id) in event.note
    assert pair.calls.counts[("GET", f"/open311/v2/tokens/{theirs.open311_token}.json")] == 1
    assert pair.posts() == 1 and len(pair.at_city()) == 1


def test_a_city_that_is_down_gets_the_report_once_when_it_is_back(pair: Pair) -> None:
    pair.forward("lampa", "oswietlenie")
    pair.city_server.stop()
    report = pair.report()
    start = pair.clock.now
    assert sender.run_due(pair.ours.hub) == 1
    first = pair.delivery(report["id"])
    assert (first.state, first.attempts) == ("pending", 1)
    assert "could not be reached" in first.last_error and "refused" in first.last_error
    assert start < datetime.fromisoformat(first.next_attempt) <= start + timedelta(seconds=30)
    assert sender.run_due(pair.ours.hub) == 0  # backs off: not tried again at once
    pulled = forwarding.pull_status(pair.ours.hub)
    assert (pulled.asked, pulled.errors) == (0, [])

    pair.later()
    assert sender.run_due(pair.ours.hub) == 1
    second = pair.delivery(report["id"])
    assert (second.state, second.attempts) == ("pending", 2)
    wait = datetime.fromisoformat(second.next_attempt) - pair.clock.now
    assert timedelta(0) < wait <= timedelta(seconds=60)

    pair.city_server.start()
    pair.later()
    assert sender.run_due(pair.ours.hub) == 1
    [theirs] = pair.at_city(report)
    done = pair.delivery(report["id"])
    assert (done.state, done.attempts, done.external_id) == ("done", 3, str(theirs.id))
    pair.later()
    assert sender.run_due(pair.ours.hub) == 0
    assert pair.posts() == 1 and len(pair.at_city()) == 1


def test_an_answer_lost_on_the_way_does_not_make_a_second_copy(pair: Pair, monkeypatch) -> None:
    """Each fault of a poor link, on the first POST of its own report: the city stored the
    report or not; either way it ends up there exactly once."""
    monkeypatch.setattr(open311_client, "READ_TIMEOUT", 0.5)
    with FaultProxy(pair.city_server.url, stall=1.5, lifetime=120) as proxy:
        pair.forward("lampa", "oswietlenie", endpoint=f"{proxy.url}/open311/v2")
        sent = {}
        for fault in ("reset_after", "stall", "truncate", "reset_before", "error_500"):
            proxy.faults = {fault: 1.0}
            sent[fault] = pair.report(description=f"Latarnia nie świeci ({fault}).")
            assert sender.run_due(pair.ours.hub) == 1
            delivery = pair.delivery(sent[fault]["id"])
            assert delivery.state == "pending"
            assert delivery.last_error.startswith(forwarding.UNANSWERED), delivery.last_error
        reached = {f for f, report in sent.items() if pair.at_city(report)}
        assert reached == {"reset_after", "stall", "truncate"}

        proxy.faults = {}
        proxy.reset_counters()
        pair.later()
        assert sender.run_due(pair.ours.hub) == 5
        for report in sent.values():
            [theirs] = pair.at_city(report)
            delivery = pair.delivery(report["id"])
            assert (delivery.state, delivery.external_id) == ("done", str(theirs.id))
        # Each was looked for first; only those the city never got were sent again.
        calls = [(e.method, e.path.split("?")[0]) for e in proxy.log]
        assert calls.count(("GET", "/open311/v2/requests.json")) == 5
        assert calls.count(("POST", "/open311/v2/requests.json")) == 2
    assert len(pair.at_city()) == 5 and pair.posts() == 5


def test_a_hub_that_dies_after_posting_does_not_send_twice(pair: Pair, monkeypatch) -> None:
    pair.forward("lampa", "oswietlenie")
    report = pair.report()

    def dies(*args) -> None:
        raise SystemExit("the hub's process ends here")

    with monkeypatch.context() as patched:
        patched.setattr(outbox, "record", dies)  # the city answered; nothing is recorded
        with pytest.raises(SystemExit):
            sender.run_due(pair.ours.hub)
    [theirs] = pair.at_city(report)
    claimed = pair.delivery(report["id"])
    assert claimed.state == "pending" and claimed.last_error.startswith(forwarding.UNANSWERED)

    pair.clock.now += outbox.LEASE
    assert sender.run_due(pair.ours.hub) == 1
    done = pair.delivery(report["id"])
    assert (done.state, done.external_id) == ("done", str(theirs.id))
    assert pair.posts() == 1 and len(pair.at_city()) == 1


def test_a_long_description_is_cut_to_fit_with_its_marker(pair: Pair) -> None:
    pair.forward("lampa", "oswietlenie")
    words = "Latarnia przy Polnej nie świeci. " * 130
    report = pair.report(description=words[:4000])
    assert sender.run_due(pair.ours.hub) == 1
    [theirs] = pair.at_city(report)
    marker = f"[kiosk-hub {report['uuid']}]"
    assert len(theirs.description) <= 4000 and theirs.description.endswith(f"…\n\n{marker}")
    assert theirs.description.startswith(words[:3900].rstrip())
    assert pair.delivery(report["id"]).state == "done"


def test_a_refusal_fails_for_good_and_staff_see_why(pair: Pair) -> None:
    pair.forward("lampa", "oswietlenie", api_key="zly-klucz-0123456789")
    pair.forward("idea", "nie-ma-takiej")
    pair.forward("smieci", "oswietlenie")
    wrong_key = pair.report()
    wrong_code = pair.report(service_code="idea")
    removed = pair.report(service_code="smieci")
    with pair.ours.hub.transaction() as conn:
        assert targets.remove_target(conn, "smieci", pair.ours.hub.now()) == 1
    assert sender.run_due(pair.ours.hub) == 3
    expected = {
        wrong_key["id"]: ["(403)", "invalid api_key"],
        wrong_code["id"]: ["(404)", "service_code 'nie-ma-takiej' was not found"],
        removed["id"]: ["no longer configured", "by hand"],
    }
    with pair.ours.hub.transaction(write=False) as conn:
        for report_id, words in expected.items():
            [delivery] = get_report(conn, report_id).deliveries
            assert (delivery["channel"], delivery["state"]) == ("open311", "failed")
            assert all(w in delivery["last_error"] for w in words), delivery["last_error"]
        page = inbox(conn, InboxFilter(), pair.clock.now, 14)
    assert {r.id for r in page.rows if r.undelivered} == set(expected)
    pair.later(hours=10)
    assert sender.run_due(pair.ours.hub) == 0  # never tried again
    assert pair.at_city() == [] and pair.posts() == 2


def test_the_city_s_answer_reaches_the_resident(make_pair, tmp_path: Path) -> None:
    pair = make_pair(smtp=Smtp(host="127.0.0.1", port=free_port(), timeout=2))
    pair.forward("lampa", "oswietlenie")
    answered = pair.report()
    silent = pair.report(email=None, phone=None, first_name="Ola", last_name=None)
    sender.run_due(pair.ours.hub)
    city_answered = pair.at_city(answered)[0].id
    city_silent = pair.at_city(silent)[0].id
    pair.city.user("marta")
    with pair.city.hub.transaction() as conn:
        marta = get_user(conn, "marta")
        note = "Przekazaliśmy zgłoszenie ekipie oświetleniowej."
        set_answer(conn, city_answered, note, marta, pair.city.hub.now(), notify=False)

    gets = pair.calls.counts[("GET", "/open311/v2/requests.json")]
    pulled = forwarding.pull_status(pair.ours.hub, batch=1)
    assert (pulled.asked, pulled.changed, pulled.errors) == (2, 1, [])
    assert pair.calls.counts[("GET", "/open311/v2/requests.json")] == gets + 2
    ours = pair.ours_report(answered["id"])
    assert (ours.status, ours.status_notes) == ("open", note)
    [event] = pair.events(answered["id"], "remote")
    assert (event.actor, event.status, event.note) == (pair.endpoint, "open", note)
    page = requests.get(f"{pair.ours_url}/r/{answered['status_token']}", timeout=TIMEOUT)
    assert page.status_code == 200 and note in page.text
    with pair.ours.hub.transaction(write=False) as conn:
        notices = conn.execute(
            select(deliveries.c.target).where(
                deliveries.c.report_id == answered["id"], deliveries.c.channel == "email"
            )
        ).all()
    assert [n.target for n in notices if "#answer-" in n.target] == [
        f"jan@example.org#answer-{event.id}"
    ]
    assert forwarding.pull_status(pair.ours.hub).changed == 0  # nothing new: nothing recorded
    assert len(pair.events(answered["id"], "remote")) == 1

    closing = "Latarnię naprawiono 21 listopada. Dziękujemy!"
    with pair.city.hub.transaction() as conn:
        set_status(
            conn, city_answered, "closed", marta, pair.city.hub.now(), notify=False, answer=closing
        )
        # Another city system may close a request without a word: our rule is that a report
        # is closed only with an answer, so it stays open here for staff to answer.
        conn.execute(update(reports).where(reports.c.id == city_silent).values(status="closed"))
    data = ["--data", str(pair.ours.hub.settings.data_dir), *pair.ours.database_args()]
    result = CliRunner().invoke(hub_cli, ["deliver", "--once", *data])
    assert result.exit_code == 0, result.output
    assert "asked the city about 2 forwarded report(s): 2 changed" in result.output

    ours = pair.ours_report(answered["id"])
    assert (ours.status, ours.status_notes) == ("closed", closing) and ours.closed
    assert [(e.status, e.note) for e in pair.events(answered["id"], "remote")] == [
        ("open", note),
        ("closed", closing),
    ]
    page = requests.get(f"{pair.ours_url}/r/{answered['status_token']}", timeout=TIMEOUT)
    assert closing in page.text and "Zamknięte" in page.text
    quiet = pair.ours_report(silent["id"])
    assert (quiet.status, quiet.status_notes) == ("open", None)
    assert [(e.status, e.note) for e in pair.events(silent["id"], "remote")] == [("closed", None)]

    result = CliRunner().invoke(hub_cli, ["deliver", "--once", *data])
    assert "asked the city about 1 forwarded report(s): 0 changed" in result.output
    assert len(pair.events(answered["id"], "remote")) == 2
    assert len(pair.events(silent["id"], "remote")) == 1


def test_the_delivery_worker_forwards_and_pulls_on_its_own(pair: Pair) -> None:
    pair.forward("lampa", "oswietlenie")
    report = pair.report()
    worker = sender.DeliveryWorker(pair.ours.hub, interval=3600).start()
    try:
        deadline = time.monotonic() + 10
        while pair.delivery(report["id"]).state != "done":
            assert time.monotonic() < deadline, "the worker did not forward the report"
            time.sleep(0.05)
        [theirs] = pair.at_city(report)
        pair.city.user("marta")
        with pair.city.hub.transaction() as conn:
            marta = get_user(conn, "marta")
            answer = "Naprawione."
            set_status(
                conn, theirs.id, "closed", marta, pair.city.hub.now(), notify=False, answer=answer
            )
        pair.clock.now += sender.PULL_INTERVAL
        worker.wake()
        deadline = time.monotonic() + 10
        while pair.ours_report(report["id"]).status != "closed":
            assert time.monotonic() < deadline, "the worker did not bring the city's answer"
            time.sleep(0.05)
    finally:
        worker.stop(timeout=20)
    assert pair.ours_report(report["id"]).status_notes == answer


def test_forward_commands_check_what_they_store(pair: Pair) -> None:
    data = ["--data", str(pair.ours.hub.settings.data_dir), *pair.ours.database_args()]
    key = "sekretny-klucz-miasta-0123456789"
    runner = CliRunner()

    def cli(*args: str):
        return runner.invoke(hub_cli, ["forward", *args, *data])

    added = cli(
        "add",
        "lampa",
        "--endpoint",
        "https://miasto.example/open311/v2/",
        "--api-key",
        key,
        "--remote-code",
        "oswietlenie",
        "--jurisdiction",
        "miasto.example",
    )
    assert added.exit_code == 0, added.output
    assert "Added: new reports of lampa go to https://miasto.example/open311/v2" in added.stdout
    unknown = cli(
        "add",
        "nie-ma",
        "--endpoint",
        "http://city.example/o311",
        "--api-key",
        "k2",
        "--remote-code",
        "001",
    )
    assert unknown.exit_code == 0, unknown.output
    assert "'nie-ma' is not a report category of the latest release" in unknown.stderr
    assert "plain http" in unknown.stderr
    for endpoint, problem in (
        ("ftp://miasto.example/open311", "http or https"),
        ("https://jan:haslo@miasto.example/open311", "user or password"),
        ("https://miasto.example/open311?x=1", "base URL"),
        ("miasto.example/open311", "http or https"),
    ):
        refused = cli("add", "idea", "--endpoint", endpoint, "--api-key", "k", "--remote-code", "1")
        assert refused.exit_code != 0 and problem in refused.output, refused.output
    for api_key, code in ((" ", "1"), ("k", " "), ("a key", "1")):
        refused = cli(
            "add",
            "idea",
            "--endpoint",
            "https://miasto.example/o",
            "--api-key",
            api_key,
            "--remote-code",
            code,
        )
        assert refused.exit_code != 0, refused.output

    listed = cli("list")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("lampa\thttps://miasto.example/open311/v2\t")
    assert "oswietlenie\tmiasto.example\tkey …6789\tenabled" in lines[0]
    assert key not in listed.output and "k2" not in lines[1].split("\t")[4]

    replaced = cli(
        "add",
        "lampa",
        "--endpoint",
        pair.endpoint,
        "--api-key",
        pair.city_key,
        "--remote-code",
        "oswietlenie",
    )
    assert replaced.exit_code == 0 and "Replaced" in replaced.stdout
    report = pair.report()
    assert sender.run_due(pair.ours.hub) == 1 and pair.at_city(report)  # the CLI's target works

    assert cli("remove", "nie-ma").exit_code == 0
    gone = cli("remove", "nie-ma")
    assert gone.exit_code != 0 and "'nie-ma' is not forwarded" in gone.output
    assert [line.split("\t")[0] for line in cli("list").stdout.splitlines()] == ["lampa"]
