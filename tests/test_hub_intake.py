"""Report intake over HTTP, against a real hub under uvicorn on 127.0.0.1: what the hub keeps
that it used to refuse (a kiosk had thanked a resident for every one of them), what it still
refuses, moving an unsorted report to a category, and the hourly limit of new reports per
kiosk (429 with Retry-After, replays never limited, counted from the database so a restart
does not reset it).

The whole story of an unsorted report, with a real agent and real e-mail, is in
test_report_unsorted_e2e.py."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from hub.accounts.tokens import add_token
from hub.app import create_app
from hub.context import Hub, init_data
from hub.db import deliveries, report_events, reports
from hub.schema import current, head
from hub.settings import ConfigError, Settings, Smtp
from kiosk_core.content.build import build_release
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.conftest import write_tree
from tests.hubtools import Clock, HubEnv, LiveServer, bearer, report_body
from tests.open311tools import CATEGORIES as QUESTIONS
from tests.webtools import post_form, sign_in

API = "/api/v1"
T0 = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
TIMEOUT = 10
V2_DUMP = Path(__file__).parent / "data" / "hub_v2_replay.sql"
UNUSED_SMTP = Smtp(host="127.0.0.1", port=9, timeout=1)
"""E-mail configured, so new reports queue an e-mail; nothing sends it (no delivery worker)."""


def text_of(html: str) -> str:
    inline = re.sub(r"</?(?:strong|span|a|em)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", inline)).split())


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("release")
    build_release(write_tree(root / "src"), root / "release")  # categories lampa and idea
    return root / "release"


class Live:
    """A hub with a release and a settable clock, served by uvicorn, and a kiosk's token."""

    def __init__(self, env: HubEnv, url: str, clock: Clock, kiosk: str = "rynek"):
        self.env, self.url, self.clock = env, url, clock
        self.token = env.kiosk_token(kiosk)

    def post(self, body: dict, key: str | None = None) -> requests.Response:
        headers = bearer(self.token) | {"Idempotency-Key": key or str(body.get("uuid"))}
        return requests.post(f"{self.url}{API}/reports", json=body, headers=headers, timeout=10)

    def batch(self, items: list) -> requests.Response:
        return requests.post(
            f"{self.url}{API}/reports/batch",
            json={"reports": items},
            headers=bearer(self.token),
            timeout=TIMEOUT,
        )

    def row(self, report_id: int | str):
        with self.env.hub.transaction(write=False) as conn:
            return conn.execute(select(reports).where(reports.c.id == int(report_id))).one()

    def deliveries(self, report_id: int | str) -> list[tuple[str, str]]:
        with self.env.hub.transaction(write=False) as conn:
            rows = conn.execute(
                select(deliveries.c.channel, deliveries.c.target).where(
                    deliveries.c.report_id == int(report_id)
                )
            )
            return [tuple(r) for r in rows]


@contextmanager
def live_hub(root: Path, release: Path, **settings) -> Iterator[Live]:
    clock = Clock(T0)
    env = HubEnv.create(root / "hub", deliveries_interval=0, **settings)
    env.hub.clock = clock
    env.publish_release(release)
    try:
        with LiveServer(env.app) as server:
            yield Live(env, server.url, clock)
    finally:
        env.hub.close()


@pytest.fixture
def live(tmp_path: Path, release: Path) -> Iterator[Live]:
    with live_hub(tmp_path, release, smtp=UNUSED_SMTP) as live:
        yield live


# --- kept, mended, flagged ----------------------------------------------------------------------


def test_a_report_the_hub_cannot_take_as_sent_is_kept_mended_and_flagged(live: Live) -> None:
    sent = {
        "unsorted": report_body(service_code="ufo", description="Coś, czego nie ma w kategoriach"),
        "long": report_body(
            ref_code="R" * 30, address_string="ul. " + "Długa " * 60, first_name="J" * 150
        ),
        "contact": report_body(email="a" * 250 + "@example.org", phone="+48" + "6" * 40),
        "off_globe": report_body(lat=91.0, long=16.88),
        "half_point": report_body(lat=50.3, long=None),
        "language": report_body(lang="fr"),
        "future": report_body(created="9999-12-31T23:59:59-01:00"),
        "unset_clock": report_body(created="1970-01-01T00:00:00+00:00"),
        "offline": report_body(created=(T0 - timedelta(days=60)).isoformat()),
    }
    ids = {}
    for name, body in sent.items():
        answer = live.post(body)
        assert answer.status_code == 201, (name, answer.text)
        ids[name] = answer.json()["service_request_id"]
        replay = live.post(body)  # as after a lost answer: the same id, nothing new
        assert (replay.status_code, replay.json()) == (200, answer.json()), name

    def flags(name: str) -> dict:
        return json.loads(live.row(ids[name]).flags or "{}")

    unsorted = live.row(ids["unsorted"])
    assert (unsorted.service_code, unsorted.unsorted, unsorted.flags) == ("ufo", True, None)
    assert live.deliveries(ids["unsorted"]) == []  # no department yet: staff choose one
    assert live.deliveries(ids["long"]) == [("email", "komunalny@example.org")]
    long = live.row(ids["long"])
    assert (long.ref_code, long.first_name) == ("R" * 20, "J" * 100)
    assert long.address_string == sent["long"]["address_string"][:250]
    assert flags("long") == {"cut": ["ref_code", "address_string", "first_name"]}
    contact = live.row(ids["contact"])
    assert (contact.email, contact.phone, contact.first_name) == (None, None, "Jan")
    assert flags("contact") == {"dropped": ["email", "phone"]}
    for name in ("off_globe", "half_point"):
        assert (live.row(ids[name]).lat, live.row(ids[name]).long) == (None, None)
        assert flags(name) == {"dropped": ["lat", "long"]}
    assert (live.row(ids["language"]).lang, flags("language")) == ("pl", {"lang": "fr"})
    for name in ("future", "unset_clock"):
        assert live.row(ids[name]).created == live.row(ids[name]).received == T0.isoformat()
        assert flags(name) == {"created": sent[name]["created"]}
    assert live.row(ids["offline"]).created == sent["offline"]["created"]
    assert flags("offline") == {}

    # The same through a batch: each kept, the wrong shape alone refused.
    again = {name: body | {"uuid": str(uuid.uuid4())} for name, body in sent.items()}
    not_a_report = report_body(description=12345)
    answer = live.batch([*again.values(), not_a_report])
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["outcome"] for r in results] == ["stored"] * len(again) + ["rejected"]
    assert results[-1]["status"] == 422 and "description" in results[-1]["detail"]
    assert live.row(results[0]["service_request_id"]).unsorted


def test_answers_are_checked_on_arrival_and_a_wrong_one_is_left_out_with_a_note(
    tmp_path: Path,
) -> None:
    """A kiosk checked the answers against its own release; the hub's category may have
    changed since (a choice removed, a question added). The report is kept whatever its
    answers: the right ones stored, the others left out with a note staff read, the value
    as the resident gave it."""
    root = tmp_path / "content"
    src = write_tree(root / "src")
    (src / "report_categories.yaml").write_text(QUESTIONS, encoding="utf-8")
    build_release(src, root / "release")
    with live_hub(tmp_path, root / "release") as live:
        live.env.user("ewa", role="admin", password="Ewa-Hasło-2026-długie")
        answered = report_body(
            service_code="smieci", attributes={"kind": "tyres", "bags": 3, "extras": ["smell"]}
        )
        wrong = report_body(
            service_code="smieci",
            ref_code="ZLE-234",
            attributes={"kind": "gold", "bags": "3,5", "colour": "red", "seen": ["a", 1]},
        )
        unanswered = report_body(service_code="smieci", ref_code="BEZ-234")
        unsorted = report_body(service_code="ufo", attributes={"kind": "tyres"})
        ids = {}
        for name, body in (("answered", answered), ("wrong", wrong), ("unanswered", unanswered),
                           ("unsorted", unsorted)):  # fmt: skip
            answer = live.post(body)
            assert answer.status_code == 201, (name, answer.text)
            ids[name] = answer.json()["service_request_id"]
            assert live.post(body).json() == answer.json(), "a replay, answers and all"
        changed = live.post(answered | {"attributes": {"kind": "rubble"}})
        assert changed.status_code == 409, "the same uuid with other answers is no replay"

        def stored(name: str) -> tuple[dict, dict]:
            row = live.row(ids[name])
            return json.loads(row.attributes or "null"), json.loads(row.flags or "{}")

        assert stored("answered") == ({"kind": "tyres", "bags": "3", "extras": ["smell"]}, {})
        assert stored("wrong") == (
            None,
            {
                "answers": [
                    {"code": "seen", "problem": "unreadable", "value": '["a", 1]'},
                    {"code": "kind", "problem": "not_a_choice", "value": "gold"},
                    {"code": "bags", "problem": "not_a_number", "value": "3,5"},
                    {"code": "colour", "problem": "not_asked", "value": "red"},
                ]
            },
        )
        assert stored("unanswered") == (
            None, {"answers": [{"code": "kind", "problem": "required", "value": ""}]}
        )  # fmt: skip
        assert stored("unsorted") == ({"kind": "tyres"}, {}), "kept as sent for staff"

        staff = sign_in(live.url, "ewa", "Ewa-Hasło-2026-długie")
        page = text_of(staff.get(f"{live.url}/admin/reports/{ids['answered']}").text)
        assert "Jakie odpady? Opony" in page and "Ile worków? 3" in page
        page = text_of(staff.get(f"{live.url}/admin/reports/{ids['wrong']}").text)
        assert "Odpowiedź spoza listy wyboru: Jakie odpady?: „gold”." in page
        assert "Odpowiedź, która nie jest liczbą: Ile worków?: „3,5”." in page
        assert "Odpowiedź na pytanie, którego ta kategoria nie zadaje: colour: „red”." in page
        page = text_of(staff.get(f"{live.url}/admin/reports/{ids['unanswered']}").text)
        assert "Brak odpowiedzi na wymagane pytanie: Jakie odpady?." in page


def test_only_a_body_that_is_no_report_is_refused(live: Live) -> None:
    no_uuid = report_body()
    key = no_uuid.pop("uuid")
    assert live.post(no_uuid, key=key).status_code == 422
    assert live.post(report_body(uuid="not-a-uuid"), key=str(uuid.uuid4())).status_code == 422
    assert live.post(report_body(created="yesterday")).status_code == 422
    assert live.post(report_body(lat="north")).status_code == 422
    mismatched = live.post(report_body(), key=str(uuid.uuid4()))
    assert mismatched.status_code == 400
    with live.env.hub.transaction(write=False) as conn:
        assert conn.execute(select(reports.c.id)).all() == []


def test_staff_see_what_was_mended_and_an_unsorted_report_is_public_without_its_description(
    live: Live,
) -> None:
    live.env.user("ewa", role="admin", password="Ewa-Hasło-2026-długie")
    unsorted = live.post(
        report_body(service_code="ufo", ref_code="UFO-123", status_token="ufo-status-token")
    )
    live.clock.advance(minutes=1)
    clock = live.post(report_body(created="9999-12-31T23:59:59-01:00", ref_code="CLK-777"))
    staff = sign_in(live.url, "ewa", "Ewa-Hasło-2026-długie")
    inbox = text_of(staff.get(f"{live.url}/admin/reports", timeout=TIMEOUT).text)
    assert "UFO-123" in inbox and "Zły zegar kiosku" in inbox
    assert inbox.index("UFO-123") < inbox.index("CLK-777")  # unsorted first, though older
    page = staff.get(f"{live.url}/admin/reports/{clock.json()['service_request_id']}")
    said = "według niego zgłoszenie napisano 9999-12-31T23:59:59-01:00"
    assert f"Zegar kiosku był błędny: {said}" in text_of(page.text)

    # Open311 GET: the request is there, its category as sent, its description not public.
    rid = unsorted.json()["service_request_id"]
    one = requests.get(f"{live.url}/open311/v2/requests/{rid}.json", timeout=TIMEOUT)
    assert one.status_code == 200, one.text
    [request] = one.json()
    assert (request["service_code"], request["status"]) == ("ufo", "open")
    assert request["description"] in ("", None)
    listed = requests.get(f"{live.url}/open311/v2/requests.xml", timeout=TIMEOUT)
    assert listed.status_code == 200 and "Coś, czego" not in listed.text
    status = requests.get(f"{live.url}/r/ufo-status-token?lang=pl", timeout=TIMEOUT)
    assert status.status_code == 200
    assert "Przekazywane do właściwego wydziału" in text_of(status.text)


def test_an_unsorted_report_is_moved_by_whoever_may_act_on_it_to_a_published_category(
    live: Live,
) -> None:
    env = live.env
    passwords = {
        "ewa": env.user("ewa", role="admin"),
        "olek": env.user("olek", departments=["ufo"]),  # the old category's department
        "piotr": env.user("piotr", departments=["idea"]),
    }
    rid = live.post(report_body(service_code="ufo")).json()["service_request_id"]
    page = f"{live.url}/admin/reports/{rid}"
    piotr = sign_in(live.url, "piotr", passwords["piotr"])
    assert piotr.get(page, timeout=TIMEOUT).status_code == 403
    olek = sign_in(live.url, "olek", passwords["olek"])
    assert "1 zgłoszenie czeka na kategorię" in text_of(
        olek.get(f"{live.url}/admin/reports", timeout=TIMEOUT).text
    )
    assert post_form(olek, f"{page}/assign", {"to": "olek"}, page_url=page).status_code == 303

    refused = post_form(olek, f"{page}/category", {"service_code": "latarnie"}, page_url=page)
    assert refused.status_code == 422
    assert "Tej kategorii nie ma w opublikowanej treści" in text_of(refused.text)
    empty = post_form(olek, f"{page}/category", {"service_code": ""}, page_url=page)
    assert empty.status_code == 422
    assert live.row(rid).unsorted and live.deliveries(rid) == []

    live.clock.advance(minutes=5)
    moved = post_form(olek, f"{page}/category", {"service_code": "idea"}, page_url=page)
    assert moved.status_code == 303 and "done=category" in moved.headers["location"]
    row = live.row(rid)
    # Out of the unsorted queue, to the new department, and out of olek's hands (not his).
    assert (row.service_code, row.unsorted, row.assigned_to) == ("idea", False, None)
    assert live.deliveries(rid) == [("email", "sekretariat@example.org")]
    with env.hub.transaction(write=False) as conn:
        events = conn.execute(
            select(report_events.c.kind, report_events.c.actor, report_events.c.note)
            .where(report_events.c.report_id == int(rid))
            .order_by(report_events.c.id)
        ).all()
    assert [tuple(e) for e in events] == [
        ("assign", "olek", "olek"),
        ("category", "olek", json.dumps({"from": "ufo", "to": "idea"})),
        ("assign", "olek", None),
    ]
    assert olek.get(page, timeout=TIMEOUT).status_code == 403
    assert piotr.get(page, timeout=TIMEOUT).status_code == 200
    history = text_of(piotr.get(page, timeout=TIMEOUT).text)
    assert "Kategoria zmieniona: ufo → Pomysł lub opinia o przyszłości miasta" in history

    # Moved again, by an administrator: to another department, each sent to once.
    ewa = sign_in(live.url, "ewa", passwords["ewa"])
    post_form(ewa, f"{page}/category", {"service_code": "lampa"}, page_url=page)
    post_form(ewa, f"{page}/category", {"service_code": "idea"}, page_url=page)
    assert sorted(live.deliveries(rid)) == [
        ("email", "komunalny@example.org"),
        ("email", "sekretariat@example.org"),
    ]


# --- the hourly limit per kiosk -----------------------------------------------------------------


def test_a_kiosk_past_its_hourly_limit_hears_when_to_come_back_and_replays_always_pass(
    tmp_path: Path, release: Path
) -> None:
    with live_hub(tmp_path, release, reports_per_kiosk_hour=3) as live:
        first = [report_body(description=f"Zgłoszenie {i}") for i in range(3)]
        for i, body in enumerate(first):
            live.clock.now = T0 + timedelta(minutes=10 * i)
            assert live.post(body).status_code == 201
        live.clock.now = T0 + timedelta(minutes=30)
        more = [report_body(description=f"Kolejne {i}") for i in range(2)]
        refused = live.post(more[0])
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "1800"  # when the first leaves the hour
        assert "3 new reports within an hour" in refused.json()["detail"]
        assert live.post(first[0]).status_code == 200  # a replay is never limited

        mixed = live.batch([first[1], *more]).json()["results"]
        assert [(r["outcome"], r.get("status"), r.get("retry_after")) for r in mixed] == [
            ("replay", None, None),
            ("rejected", 429, 1800),
            ("rejected", 429, 1800),
        ]
        whole = live.batch(more)
        assert (whole.status_code, whole.headers["Retry-After"]) == (429, "1800")
        other = Live(live.env, live.url, live.clock, kiosk="dworzec")
        assert other.post(report_body()).status_code == 201  # each kiosk has its own hour
        tokens, clock = live.env.kiosk_tokens, live.clock
        data = live.env.hub.settings.data_dir

    # Counted from the database: a restarted hub, its limit now from hub.toml, still knows.
    (data / "hub.toml").write_text("reports_per_kiosk_hour = 3\n", encoding="utf-8")
    settings = Settings.load(data, deliveries_interval=0)
    assert settings.reports_per_kiosk_hour == 3
    restarted = Hub.open(settings)
    restarted.clock = clock
    try:
        with LiveServer(create_app(settings, restarted)) as server:
            live = Live(HubEnv(restarted, kiosk_tokens=tokens), server.url, clock)
            assert live.post(more[0]).status_code == 429
            clock.now = T0 + timedelta(hours=1, seconds=1)
            assert live.post(more[0]).status_code == 201
            late = live.post(more[1])
            assert (late.status_code, late.headers["Retry-After"]) == (429, "599")
    finally:
        restarted.close()
    (data / "hub.toml").write_text("reports_per_kiosk_hour = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="reports_per_kiosk_hour"):
        Settings.load(data)


# --- an upgraded hub --------------------------------------------------------------------------


def test_a_hub_database_of_schema_2_upgrades_and_still_recognises_its_reports(
    tmp_path: Path,
) -> None:
    data = tmp_path / "hub"
    data.mkdir()
    with sqlite3.connect(data / "hub.db") as db:
        db.executescript(V2_DUMP.read_text(encoding="utf-8"))
    settings = Settings(data, deliveries_interval=0)
    init_data(settings)
    hub = Hub.open(settings)
    try:
        with hub.transaction(write=False) as conn:
            assert current(conn) == head()
            row = conn.execute(select(reports)).one()
        assert (row.ref_code, row.status, row.unsorted, row.flags) == (
            "7KQ-4XM",
            "in_progress",
            False,
            None,
        )
        with hub.transaction() as conn:
            token = add_token(conn, "kiosk", hub.now(), kiosk_id="jod-rynek")
        # The kiosk never heard the answer and sends the report again after the upgrade.
        body = {
            "uuid": "3b0c4f6e-9f1e-4d7a-8c55-2a1f0e9d8c7b",
            "ref_code": "7KQ-4XM",
            "status_token": "Zm9vYmFyYmF6cXV4cXV1eA",
            "created": "2026-11-21T13:58:00+00:00",
            "lang": "pl",
            "service_code": "lampa",
            "description": "Nie świeci latarnia przy ul. Młyńskiej 4",
            "lat": 50.3012,
            "long": 16.8834,
            "email": "jan@example.org",
            "first_name": "Jan",
        }
        with LiveServer(create_app(settings, hub)) as server:
            replay = requests.post(
                f"{server.url}{API}/reports",
                json=body,
                headers=bearer(token) | {"Idempotency-Key": body["uuid"]},
                timeout=TIMEOUT,
            )
        assert (replay.status_code, replay.json()) == (200, {"service_request_id": "1"})
    finally:
        hub.close()


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=lambda d: d.name)
def test_the_unsorted_queue_and_what_was_mended_in_a_browser(live: Live, device) -> None:
    live.env.user("ewa", role="admin", password="Ewa-Hasło-2026-długie")
    live.post(report_body(service_code="ufo", ref_code="UFO-123", status_token="ufo-status-token"))
    live.clock.advance(minutes=1)
    mended = report_body(
        ref_code="CLK-777", created="1970-01-01T00:00:00+00:00", lang="fr", lat=95.0
    )
    rid = live.post(mended).json()["service_request_id"]
    with launch() as browser, open_page(browser, device) as page:
        page.goto(f"{live.url}/r/ufo-status-token?lang=en")
        assert "Being passed to the right department" in page.inner_text("main")
        screenshot(page, f"status-unsorted-{device.name}")
        page.goto(f"{live.url}/admin/reports")
        page.fill("#username", "ewa")
        page.fill("#password", "Ewa-Hasło-2026-długie")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live.url}/admin/reports")
        assert "1 zgłoszenie czeka na kategorię" in page.locator(".alarm").first.inner_text()
        screenshot(page, f"reports-mended-{device.name}")
        page.goto(f"{live.url}/admin/reports/{rid}")
        assert len(page.locator("#flags li").all()) == 3
        screenshot(page, f"report-mended-{device.name}")
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
