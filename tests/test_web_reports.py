"""The reports pages (/admin/reports): a real hub under uvicorn, reports filed by kiosks over
HTTP with their own tokens and by an Open311 client, staff signed in through the real form,
every change made through the page's own forms, and headless Chromium on a phone and a desktop
screen. What a resident sees is checked on the public status page /r/<token>."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from hub.accounts.tokens import add_token
from hub.accounts.users import get_user
from hub.db import report_events, reports
from hub.errors import Invalid
from hub.reports.casework import (
    ANSWER_LIMIT,
    AnswerNeeded,
    AnswerTooLong,
    EmptyAnswer,
    clean_answer,
    set_status,
)
from hub.reports.inbox_pages import _web_link
from hub.sending import deliveries
from kiosk_core.content.build import build_release
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.conftest import write_tree
from tests.hubtools import Clock, HubEnv, LiveServer, bearer
from tests.open311tools import CATEGORIES
from tests.webtools import csrf_of, post_form, sign_in

T0 = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)  # 15:00 in Warsaw
PUBLIC_URL = "http://kiosk.probna.example"  # http: the test signs in over plain HTTP
TIMEOUT = 10


def text_of(html: str) -> str:
    """The page's words as a reader sees them: no tags, entities decoded, spaces collapsed."""
    inline = re.sub(r"</?(?:strong|span|a|em)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def refs_in(html: str) -> list[str]:
    """The reference codes of the inbox's rows, top to bottom."""
    return re.findall(r'<strong class="ref">([^<]+)</strong>', html)


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("release")
    src = write_tree(root / "src")
    (src / "report_categories.yaml").write_text(CATEGORIES, encoding="utf-8")
    build_release(src, root / "release")
    return root / "release"


class Site:
    """A live hub with kiosks, an Open311 client, people of two departments and reports."""

    def __init__(self, env: HubEnv, url: str, clock: Clock):
        self.env, self.url, self.clock = env, url, clock
        self.kiosk_tokens: dict[str, str] = {}
        self.reports: dict[str, dict] = {}
        self.passwords: dict[str, str] = {}

    def add_kiosk(self, kiosk_id: str, name: str) -> None:
        self.env.kiosk(kiosk_id, name=name)
        with self.env.hub.transaction() as conn:
            self.kiosk_tokens[kiosk_id] = add_token(conn, "kiosk", self.clock(), kiosk_id=kiosk_id)

    def file(self, key: str, kiosk_id: str, at: datetime, ref: str, **fields) -> int:
        """A report filed by a kiosk through POST /api/v1/reports, received at `at`."""
        self.clock.now = at
        body = {
            "uuid": str(uuid.uuid4()),
            "ref_code": ref,
            "status_token": uuid.uuid4().hex,
            "created": at.isoformat(),
            "lang": "pl",
            "service_code": "lampa",
            "description": "Nie świeci latarnia",
            "lat": 50.301234,
            "long": 16.883456,
        } | fields
        headers = bearer(self.kiosk_tokens[kiosk_id]) | {"Idempotency-Key": body["uuid"]}
        answer = requests.post(
            f"{self.url}/api/v1/reports", json=body, headers=headers, timeout=TIMEOUT
        )
        assert answer.status_code == 201, answer.text
        body["id"] = int(answer.json()["service_request_id"])
        self.reports[key] = body
        return body["id"]

    def session(self, username: str) -> requests.Session:
        return sign_in(self.url, username, self.passwords[username])

    def row(self, report_id: int):
        with self.env.hub.transaction(write=False) as conn:
            return conn.execute(select(reports).where(reports.c.id == report_id)).first()

    def events(self, report_id: int) -> int:
        with self.env.hub.transaction(write=False) as conn:
            return conn.scalar(select(func.count()).where(report_events.c.report_id == report_id))

    def status_page(self, key: str) -> str:
        page = requests.get(f"{self.url}/r/{self.reports[key]['status_token']}", timeout=TIMEOUT)
        assert page.status_code == 200
        return text_of(page.text)


@pytest.fixture
def site(tmp_path, release):
    """Five reports: two of street lamps (one 20 days old: overdue), two ideas (one 30 days
    old: overdue), one about a dump from an Open311 client with answers to its questions."""
    env = HubEnv.create(tmp_path / "hub", public_url=PUBLIC_URL)
    clock = Clock(T0 - timedelta(days=40))
    env.hub.clock = clock
    env.publish_release(release)
    people = {
        "ewa": ("admin", "Ewa Admin", ()),
        "anna": ("staff", "Anna Nowak", ("lampa",)),
        "piotr": ("staff", "Piotr Zieliński", ("lampa",)),
        "olga": ("staff", "Olga Sekretarz", ("idea",)),
    }
    with LiveServer(env.app) as live:
        site = Site(env, live.url, clock)
        for username, (role, name, departments) in people.items():
            site.passwords[username] = env.user(
                username, role, display_name=name, departments=departments
            )
        site.add_kiosk("rynek", "Rynek")
        site.add_kiosk("dworzec", "Dworzec PKP")
        open311_key = env.token("open311", name="Naprawmy To")
        site.file(
            "old_lamp",
            "rynek",
            T0 - timedelta(days=20),
            "LMP-2AB",
            description="Nie świeci latarnia przy Rynku 5,\nod tygodnia ciemno.",
            email="jan.kowalski@example.org",
            phone="+48 600 100 200",
            first_name="Jan",
        )
        site.file(
            "old_idea",
            "dworzec",
            T0 - timedelta(days=30),
            "IDE-7QX",
            service_code="idea",
            description="Więcej stojaków na rowery",
            lang="uk",
        )
        site.file(
            "idea",
            "rynek",
            T0 - timedelta(days=2),
            "IDE-3KP",
            service_code="idea",
            description="Ławki w parku miejskim",
        )
        site.file(
            "lamp",
            "dworzec",
            T0 - timedelta(days=1),
            "LMP-9ZT",
            description="Latarnia mruga przy dworcu",
        )
        clock.now = T0 - timedelta(hours=3)
        posted = requests.post(
            f"{live.url}/open311/v2/requests.json",
            data=[
                ("api_key", open311_key),
                ("service_code", "smieci"),
                ("address_string", "Las za cmentarzem"),
                ("description", "Sterta opon w lesie"),
                ("media_url", "https://img.example.org/opony.jpg"),
                ("attribute[kind]", "tyres"),
                ("attribute[extras][]", "smell"),
                ("attribute[extras][]", "water"),
                ("attribute[bags]", "12"),
            ],
            timeout=TIMEOUT,
        )
        assert posted.status_code == 200, posted.text
        site.reports["dump"] = {"id": int(posted.json()[0]["service_request_id"])}
        clock.now = T0
        yield site
    env.hub.close()


# --- who sees what --------------------------------------------------------------------------


def test_department_staff_see_only_their_own_reports(site: Site) -> None:
    anna = site.session("anna")
    inbox = anna.get(f"{site.url}/admin/reports", timeout=TIMEOUT)
    assert inbox.status_code == 200
    assert refs_in(inbox.text) == ["LMP-9ZT", "LMP-2AB"]
    words = text_of(inbox.text)
    assert "1 zgłoszenie po terminie (otwarte dłużej niż 14 dni)" in words
    assert "Widzisz zgłoszenia z kategorii Twojego wydziału." in words
    # Only her own categories to choose from, named as in the latest release.
    assert '<option value="lampa"' in inbox.text and '<option value="idea"' not in inbox.text
    # Asking for another department's category by address shows nothing of it.
    other = anna.get(f"{site.url}/admin/reports?category=idea&status=all", timeout=TIMEOUT)
    assert refs_in(other.text) == []

    admin = site.session("ewa").get(f"{site.url}/admin/reports", timeout=TIMEOUT)
    assert refs_in(admin.text)[1:] == ["LMP-9ZT", "IDE-3KP", "LMP-2AB", "IDE-7QX"]
    assert "2 zgłoszenia po terminie" in text_of(admin.text)

    idea = site.reports["idea"]
    refused = anna.get(f"{site.url}/admin/reports/{idea['id']}", timeout=TIMEOUT)
    assert refused.status_code == 403
    assert "należy do kategorii, której Twój wydział nie obsługuje" in text_of(refused.text)
    assert "Ławki" not in refused.text
    # Her session's own token does not let her change it either.
    token = csrf_of(inbox.text)
    for action, data in (
        ("status", {"status": "closed"}),
        ("answer", {"answer": "Nie nasza sprawa"}),
        ("assign", {"to": "anna"}),
    ):
        answer = anna.post(
            f"{site.url}/admin/reports/{idea['id']}/{action}",
            data={"csrf": token, **data},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert answer.status_code == 403
    row = site.row(idea["id"])
    assert (row.status, row.status_notes, row.assigned_to) == ("open", None, None)

    for missing in ("99999", "abc", "1e3"):
        page = anna.get(f"{site.url}/admin/reports/{missing}", timeout=TIMEOUT)
        assert page.status_code == 404 and "Nie ma takiego zgłoszenia." in page.text
    stranger = requests.get(f"{site.url}/admin/reports", allow_redirects=False, timeout=TIMEOUT)
    assert stranger.headers["location"] == "/login?next=/admin/reports"


def test_inbox_filters_order_and_columns(site: Site) -> None:
    ewa = site.session("ewa")

    def refs(query: str) -> list[str]:
        page = ewa.get(f"{site.url}/admin/reports?{query}", timeout=TIMEOUT)
        assert page.status_code == 200, page.text
        return refs_in(page.text)

    dump_ref = site.row(site.reports["dump"]["id"]).ref_code
    assert refs("") == [dump_ref, "LMP-9ZT", "IDE-3KP", "LMP-2AB", "IDE-7QX"]
    assert refs("order=oldest") == ["IDE-7QX", "LMP-2AB", "IDE-3KP", "LMP-9ZT", dump_ref]
    assert refs("category=idea") == ["IDE-3KP", "IDE-7QX"]
    assert refs("kiosk=dworzec") == ["LMP-9ZT", "IDE-7QX"]
    assert refs("overdue=1") == ["LMP-2AB", "IDE-7QX"]
    assert refs("q=lmp-9zt") == ["LMP-9ZT"]
    assert refs("q=parku") == ["IDE-3KP"]
    assert refs(f"q=%23{site.reports['lamp']['id']}") == ["LMP-9ZT"]
    assert refs("status=closed") == []
    assert (
        "Żadne zgłoszenie nie pasuje do tych filtrów."
        in ewa.get(f"{site.url}/admin/reports?status=closed", timeout=TIMEOUT).text
    )

    # Hand one report to Anna through its form: "assigned to" filters follow.
    lamp = site.reports["lamp"]["id"]
    done = post_form(
        ewa,
        f"{site.url}/admin/reports/{lamp}/assign",
        {"to": "anna"},
        page_url=f"{site.url}/admin/reports/{lamp}",
    )
    assert done.status_code == 303
    assert refs("assigned=nobody") == [dump_ref, "IDE-3KP", "LMP-2AB", "IDE-7QX"]
    anna = site.session("anna")
    mine = anna.get(f"{site.url}/admin/reports?assigned=me", timeout=TIMEOUT)
    assert refs_in(mine.text) == ["LMP-9ZT"]

    # Each row: category by name, received date in Warsaw time, status, assignee, source.
    page = ewa.get(f"{site.url}/admin/reports", timeout=TIMEOUT).text
    rows = {
        refs_in(row)[0]: text_of(row)
        for row in re.findall(r"<tr>\s*<td>.*?</tr>", page, flags=re.S)
    }
    assert "Nie świeci latarnia" in rows["LMP-9ZT"]
    assert "20.11.2026, 15:00" in rows["LMP-9ZT"]
    assert "Otwarte" in rows["LMP-9ZT"] and "Anna Nowak" in rows["LMP-9ZT"]
    assert "Kiosk: Dworzec PKP" in rows["LMP-9ZT"]
    assert "Po terminie" in rows["LMP-2AB"] and "Po terminie" not in rows["IDE-3KP"]
    assert "Dzikie wysypisko" in rows[dump_ref] and "Open311: Naprawmy To" in rows[dump_ref]
    assert "Pomysł dla miasta" in rows["IDE-7QX"]

    unknown = "Ten filtr ma wartość, której lista zgłoszeń nie zna."
    for bad, message in (
        ("status=bogus", unknown),
        ("order=random", unknown),
        ("assigned=somebody", unknown),
        ("kiosk=" + "k" * 65, unknown),
        ("page=0", "Nie ma takiej strony listy zgłoszeń."),
        ("page=x", "Nie ma takiej strony listy zgłoszeń."),
        ("q=" + "x" * 201, "Szukany tekst jest za długi."),
    ):
        refused = ewa.get(f"{site.url}/admin/reports?{bad}", timeout=TIMEOUT)
        assert refused.status_code == 400 and message in refused.text, bad


def test_the_inbox_pages_through_many_reports(tmp_path, release) -> None:
    env = HubEnv.create(tmp_path / "hub")
    env.publish_release(release)
    env.user("ewa", "admin")
    token = env.kiosk_token("rynek")
    start = datetime.now(UTC) - timedelta(hours=60)
    try:
        with LiveServer(env.app) as live:
            for i in range(53):
                env.hub.clock = Clock(start + timedelta(hours=i))
                body = {
                    "uuid": str(uuid.uuid4()),
                    "ref_code": f"P{i:02d}",
                    "lang": "pl",
                    "status_token": uuid.uuid4().hex,
                    "created": start.isoformat(),
                    "service_code": "lampa",
                    "description": f"Zgłoszenie {i}",
                }
                headers = bearer(token) | {"Idempotency-Key": body["uuid"]}
                answer = requests.post(
                    f"{live.url}/api/v1/reports", json=body, headers=headers, timeout=TIMEOUT
                )
                assert answer.status_code == 201
            env.hub.clock = Clock(start + timedelta(hours=60))
            ewa = sign_in(live.url, "ewa", "ewa-Hasło-2026!")
            first = ewa.get(f"{live.url}/admin/reports", timeout=TIMEOUT).text
            assert refs_in(first) == [f"P{i:02d}" for i in range(52, 2, -1)]
            assert "53 zgłoszenia · strona 1 z 2" in text_of(first)
            following = re.search(r'href="([^"]+)" rel="next"', first)[1]
            assert unescape(following) == "/admin/reports?page=2"
            second = ewa.get(f"{live.url}{unescape(following)}", timeout=TIMEOUT).text
            assert refs_in(second) == ["P02", "P01", "P00"]
            assert 'rel="next"' not in second and 'rel="prev"' in second
            beyond = ewa.get(f"{live.url}/admin/reports?page=9", timeout=TIMEOUT)
            assert beyond.status_code == 200 and refs_in(beyond.text) == []
    finally:
        env.hub.close()


# --- working a report -------------------------------------------------------------------------


def test_working_a_report_through_its_forms(site: Site) -> None:
    anna = site.session("anna")
    rid = site.reports["old_lamp"]["id"]
    page_url = f"{site.url}/admin/reports/{rid}"

    def send(action: str, data: dict) -> requests.Response:
        return post_form(anna, f"{page_url}/{action}", data, page_url=page_url)

    assert "Przyjęte" in site.status_page("old_lamp")
    page = anna.get(page_url, timeout=TIMEOUT).text
    assert f"{PUBLIC_URL}/r/{site.reports['old_lamp']['status_token']}" in page
    assert "Otwarte dłużej niż 14 dni" in text_of(page)

    taken = send("assign", {"to": "anna"})
    assert (
        taken.status_code == 303
        and taken.headers["location"] == f"/admin/reports/{rid}?done=assign"
    )
    after = anna.get(f"{site.url}{taken.headers['location']}", timeout=TIMEOUT).text
    assert "Przypisanie zostało zmienione." in after
    assert site.row(rid).assigned_to == "anna"

    assert send("status", {"status": "in_progress"}).status_code == 303
    assert "W realizacji" in site.status_page("old_lamp")

    # Closing without a public answer is refused, and nothing changes.
    events = site.events(rid)
    refused = send("status", {"status": "closed"})
    assert refused.status_code == 422
    assert "Przed zamknięciem zgłoszenia napisz publiczną odpowiedź dla mieszkańca." in refused.text
    assert site.row(rid).status == "in_progress" and site.events(rid) == events

    first = "Wymienimy żarówkę w poniedziałek."
    published = send("answer", {"answer": first})
    assert published.headers["location"] == f"/admin/reports/{rid}?done=answer"
    assert first in site.status_page("old_lamp")

    final = "Żarówka wymieniona 23 listopada.\r\nDziękujemy za zgłoszenie!"
    closed = send("answer", {"answer": final, "close": "1"})
    assert closed.headers["location"] == f"/admin/reports/{rid}?done=closed"
    resident = site.status_page("old_lamp")
    assert "Zamknięte" in resident and "Żarówka wymieniona 23 listopada." in resident
    assert first not in resident

    # Sending the same form again changes nothing and says so.
    events = site.events(rid)
    again = send("answer", {"answer": final})
    assert again.headers["location"] == f"/admin/reports/{rid}?done=same"
    assert (
        "Nic się nie zmieniło: tak już było."
        in anna.get(f"{site.url}{again.headers['location']}", timeout=TIMEOUT).text
    )
    assert site.events(rid) == events

    history = text_of(anna.get(page_url, timeout=TIMEOUT).text).split("Historia", 1)[1]
    steps = [
        "Przyjęte: Kiosk: Rynek · centrum",
        "Przypisano: Anna Nowak · Anna Nowak",
        "Zmiana statusu: Otwarte → W realizacji · Anna Nowak",
        f"Opublikowano odpowiedź · Anna Nowak {first}",
        "Opublikowano odpowiedź · Anna Nowak Żarówka wymieniona 23 listopada. Dziękujemy",
        "Zmiana statusu: W realizacji → Zamknięte · Anna Nowak",
    ]
    positions = [history.index(step) for step in steps]
    assert positions == sorted(positions)
    closed_inbox = anna.get(f"{site.url}/admin/reports?status=closed", timeout=TIMEOUT).text
    assert refs_in(closed_inbox) == ["LMP-2AB"] and "Po terminie" not in closed_inbox


def test_bad_forms_change_nothing(site: Site) -> None:
    anna = site.session("anna")
    rid = site.reports["lamp"]["id"]
    page_url = f"{site.url}/admin/reports/{rid}"
    before, events = site.row(rid), site.events(rid)

    def send(action: str, data: dict) -> requests.Response:
        return post_form(anna, f"{page_url}/{action}", data, page_url=page_url)

    for empty in ("", "   \r\n  ", "\x00\x07"):
        refused = send("answer", {"answer": empty})
        assert refused.status_code == 422
        assert "Najpierw napisz odpowiedź: pustej odpowiedzi nie można opublikować." in refused.text
    assert send("answer", {"close": "1"}).status_code == 422

    long = "Odpowiedź " + "x" * ANSWER_LIMIT
    refused = send("answer", {"answer": long})
    assert refused.status_code == 422
    assert f"Odpowiedź jest za długa: {len(long)} znaków, a można najwyżej 4000." in refused.text
    # What was typed comes back in the form, so nothing written is lost.
    assert f">{long}</textarea>" in refused.text

    refused = send("status", {"status": "done"})
    assert refused.status_code == 422 and "Wybierz jeden ze statusów." in refused.text
    for person in ("olga", "nikt", "a" * 500):
        refused = send("assign", {"to": person})
        assert refused.status_code == 422
        assert "Ta osoba nie może przyjmować zgłoszeń z tej kategorii." in refused.text

    # A form that did not come from the page (wrong or missing token) is refused.
    for token in ("forged", ""):
        forged = anna.post(
            f"{page_url}/answer",
            data={"csrf": token, "answer": "Podrobiona odpowiedź", "close": "1"},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert forged.status_code == 403 and "Brak uprawnień" in forged.text
    assert site.row(rid) == before and site.events(rid) == events


def test_the_report_page_shows_everything_staff_need(site: Site) -> None:
    ewa = site.session("ewa")
    old_lamp = site.reports["old_lamp"]
    with site.env.hub.transaction() as conn:
        # The department's e-mail failed for good; the Open311 forwarding is still to go.
        deliveries.enqueue(conn, old_lamp["id"], "email", "komunalny@example.org", T0)
        [mail] = deliveries.list_deliveries(conn, old_lamp["id"])
        deliveries.record(conn, mail, deliveries.Failed("550 5.1.1 mailbox unavailable"), T0)
        deliveries.enqueue(conn, old_lamp["id"], "open311", "https://city.example/open311/v2/", T0)
    page = ewa.get(f"{site.url}/admin/reports/{old_lamp['id']}", timeout=TIMEOUT)
    assert page.status_code == 200
    html, words = page.text, text_of(page.text)
    assert "Nie świeci latarnia przy Rynku 5,\nod tygodnia ciemno." in unescape(html)
    assert "https://www.openstreetmap.org/?mlat=50.301234&amp;mlon=16.883456" in html
    assert 'href="mailto:jan.kowalski@example.org"' in html and "+48 600 100 200" in words
    assert "Kiosk: Rynek (rynek)" in words and "Polski" in words
    assert "Nie świeci latarnia · Referat Gospodarki Komunalnej" in words
    assert (
        "E-mail do wydziału komunalny@example.org nieudane 550 5.1.1 mailbox unavailable" in words
    )
    assert (
        "Przekazanie do systemu miasta https://city.example/open311/v2/ czeka na wysłanie" in words
    )
    inbox = text_of(ewa.get(f"{site.url}/admin/reports?overdue=1", timeout=TIMEOUT).text)
    assert "Niedostarczone" in inbox

    dump = ewa.get(f"{site.url}/admin/reports/{site.reports['dump']['id']}", timeout=TIMEOUT)
    words = text_of(dump.text)
    assert "Open311: Naprawmy To" in words and "Las za cmentarzem" in words
    # The category's questions with the answers' names, not their codes.
    assert "Jakie odpady? Opony" in words
    assert "Co jeszcze? Odór, Blisko wody" in words and "Ile worków? 12" in words
    assert '<a href="https://img.example.org/opony.jpg" rel="noopener noreferrer nofollow">' in (
        dump.text
    )
    assert "Nigdzie nie wysłano" in words
    old_idea = ewa.get(f"{site.url}/admin/reports/{site.reports['old_idea']['id']}", timeout=10)
    # The language the resident wrote in, named in itself.
    assert "Język Українська" in text_of(old_idea.text)


def test_links_lead_only_to_web_pages() -> None:
    assert _web_link("https://img.example.org/a.jpg") == "https://img.example.org/a.jpg"
    for hostile in ("javascript:alert(1)", "data:text/html,<b>x</b>", "//evil", "http://", None):
        assert _web_link(hostile) is None


def test_casework_says_which_rule_refused_an_answer(site: Site) -> None:
    """The page words each refusal differently, so casework names the rule it applied."""
    assert issubclass(EmptyAnswer, Invalid) and issubclass(AnswerNeeded, Invalid)
    with pytest.raises(EmptyAnswer):
        clean_answer(" \n\x00 ")
    with pytest.raises(AnswerTooLong) as long:
        clean_answer("y" * (ANSWER_LIMIT + 5))
    assert (long.value.length, long.value.limit) == (ANSWER_LIMIT + 5, ANSWER_LIMIT)
    with pytest.raises(AnswerTooLong):
        clean_answer("y" * (5 * ANSWER_LIMIT))
    with site.env.hub.transaction() as conn:
        anna = get_user(conn, "anna")
        with pytest.raises(AnswerNeeded):
            set_status(conn, site.reports["lamp"]["id"], "closed", anna, T0, notify=False)


# --- in a browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=lambda d: d.name)
def test_reports_pages_in_a_browser(site: Site, chromium, device) -> None:
    with open_page(chromium, device) as page:
        page.goto(f"{site.url}/admin/reports")
        page.fill("#username", "anna")
        page.fill("#password", site.passwords["anna"])
        page.click("button[type=submit]")
        page.wait_for_url(f"{site.url}/admin/reports")
        assert "1 zgłoszenie po terminie" in page.locator(".alarm").inner_text()
        screenshot(page, f"reports-{device.name}")
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390

        # Filter without JavaScript: the form's own GET.
        page.check("#f-overdue")
        page.click("form[role=search] button[type=submit]")
        page.wait_for_url(re.compile(r"overdue=1"))
        assert refs_in(page.content()) == ["LMP-2AB"]

        page.click("text=LMP-2AB")
        page.wait_for_url(f"{site.url}/admin/reports/{site.reports['old_lamp']['id']}")
        page.click("text=Przypisz do mnie")
        page.wait_for_url(re.compile(r"done=assign"))
        page.select_option("#status", "in_progress")
        page.click("text=Zmień status")
        page.wait_for_url(re.compile(r"done=status"))
        page.fill("#answer", "Zlecono naprawę.\nEkipa przyjedzie w poniedziałek.")
        page.click("text=Opublikuj odpowiedź")
        page.wait_for_url(re.compile(r"done=answer"))
        assert "Odpowiedź została opublikowana." in page.locator(".flash").inner_text()
        screenshot(page, f"report-{device.name}")
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert "Ekipa przyjedzie w poniedziałek." in site.status_page("old_lamp")
