"""The forwarding page (/admin/forwarding): our hub and a second real hub acting as the city's
Open311 system, both under uvicorn on 127.0.0.1; an administrator signed in through the real
form sets forwarding up only through the page's forms, a kiosk files reports over HTTP, the
outbox (`run_due`) sends them to the city, and the page counts what is pending or failed.
The city's api key must never be on any page in full."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from hub.db import deliveries, forward_targets, reports
from hub.sending import forward_targets as targets
from hub.sending import sender
from kiosk_core.content.build import build_release
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.conftest import write_tree
from tests.hubtools import HubEnv, LiveServer, bearer
from tests.open311tools import CATEGORIES
from tests.webtools import csrf_of, post_form, sign_in

TIMEOUT = 20
CITY_CATEGORIES = """\
- service_code: oswietlenie
  name: {pl: Oświetlenie uliczne}
  group: {pl: Drogi}
  department: {pl: Wydział Dróg Miejskich}
  department_email: drogi@miasto.example
"""


def text_of(html: str) -> str:
    inline = re.sub(r"</?(?:strong|span|a|em)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def _release(env: HubEnv, root: Path, categories: str) -> None:
    src = write_tree(root / "src")
    (src / "report_categories.yaml").write_text(categories, encoding="utf-8")
    build_release(src, root / "release")
    env.publish_release(root / "release")


@dataclass
class Pair:
    ours: HubEnv
    url: str
    city: HubEnv
    city_url: str
    city_key: str
    admin_password: str
    pages: list[str] = field(default_factory=list)
    """Every page our hub answered in the test: none may show the city's key in full."""

    @property
    def endpoint(self) -> str:
        return f"{self.city_url}/open311/v2"

    def admin(self) -> requests.Session:
        return sign_in(self.url, "ewa", self.admin_password)

    def page(self, session: requests.Session, query: str = "") -> requests.Response:
        answer = session.get(f"{self.url}/admin/forwarding{query}", timeout=TIMEOUT)
        self.pages.append(answer.text)
        return answer

    def post(self, session: requests.Session, path: str = "", **data) -> requests.Response:
        answer = post_form(
            session,
            f"{self.url}/admin/forwarding{path}",
            data,
            page_url=f"{self.url}/admin/forwarding",
        )
        self.pages.append(answer.text)
        return answer

    def forward(self, session: requests.Session, **changes) -> requests.Response:
        data = {
            "service_code": "lampa",
            "endpoint": self.endpoint,
            "api_key": self.city_key,
            "remote_service_code": "oswietlenie",
            "jurisdiction_id": "",
        } | changes
        return self.post(session, **data)

    def report(self, service_code: str = "lampa") -> int:
        body = {
            "uuid": str(uuid.uuid4()),
            "ref_code": "7KQ-4XM",
            "status_token": uuid.uuid4().hex,
            "created": "2026-11-21T14:00:00+00:00",
            "lang": "pl",
            "service_code": service_code,
            "description": "Nie świeci latarnia przy ul. Polnej 3",
            "lat": 50.3012,
            "long": 16.8834,
        }
        answer = requests.post(
            f"{self.url}/api/v1/reports",
            json=body,
            headers=bearer(self.ours.kiosk_token("rynek")) | {"Idempotency-Key": body["uuid"]},
            timeout=TIMEOUT,
        )
        assert answer.status_code == 201, answer.text
        return int(answer.json()["service_request_id"])

    def open311(self, report_id: int) -> list:
        with self.ours.hub.transaction(write=False) as conn:
            return conn.execute(
                select(deliveries).where(
                    deliveries.c.report_id == report_id, deliveries.c.channel == "open311"
                )
            ).all()

    def at_city(self) -> list[str]:
        with self.city.hub.transaction(write=False) as conn:
            return list(conn.scalars(select(reports.c.description).order_by(reports.c.id)))

    def targets(self) -> list[tuple]:
        with self.ours.hub.transaction(write=False) as conn:
            return [tuple(r) for r in conn.execute(select(forward_targets))]


def counts_of(html: str) -> dict[str, tuple[int, int, int]]:
    """Per forwarded category code: (to send, waiting, failed) as the page shows them."""
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        code = re.search(r'<span class="hint ref">([^<]+)</span>', row)
        numbers = re.findall(r"(\d+)(?:</strong>|</span>)\s*</li>", row)
        if code and len(numbers) == 3:
            found[code.group(1)] = tuple(int(n) for n in numbers)
    return found


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    city = HubEnv.create(tmp_path / "city", public_url="https://www.miasto.example")
    _release(city, tmp_path / "city-content", CITY_CATEGORIES)
    city_key = city.token("open311", name="Kioski Jodłów")
    ours = HubEnv.create(tmp_path / "ours", public_url="http://kiosk.jodlow.example")
    _release(ours, tmp_path / "ours-content", CATEGORIES)
    password = ours.user("ewa", "admin", display_name="Ewa Nowak")
    with LiveServer(city.app) as city_live, LiveServer(ours.app) as live:
        made = Pair(ours, live.url, city, city_live.url, city_key, password)
        yield made
        for html in made.pages:
            assert city_key not in html, "the city's api key is on a page in full"
    ours.hub.close()
    city.hub.close()


def test_a_target_added_on_the_page_forwards_new_kiosk_reports(pair: Pair) -> None:
    admin = pair.admin()
    empty = pair.page(admin)
    assert empty.status_code == 200
    assert "Żadna kategoria nie jest przekazywana" in text_of(empty.text)
    assert '<a href="/admin/forwarding" class="here">Przekazywanie</a>' in empty.text
    assert re.search(r'<option value="lampa"\s*>Nie świeci latarnia \(lampa\)', empty.text)
    before = pair.report()

    added = pair.forward(admin, jurisdiction_id="miasto.example")
    assert added.status_code == 303
    assert added.headers["location"] == "/admin/forwarding?done=added&code=lampa"
    page = pair.page(admin, "?done=added&code=lampa")
    words = text_of(page.text)
    assert (
        "Nowe zgłoszenia z kategorii „Nie świeci latarnia” będą przekazywane do systemu miasta."
        in words
    )
    row = re.search(r"<tr>.*?</tr>", page.text.split("<tbody>")[1], re.S).group(0)
    cells = text_of(row)
    for shown in (
        "Nie świeci latarnia",
        pair.endpoint,
        "oswietlenie",
        "miasto.example",
        f"…{pair.city_key[-4:]}",
        "Włączone",
    ):
        assert shown in cells, shown
    assert counts_of(page.text) == {"lampa": (0, 0, 0)}

    # A report received before forwarding stays here; a new one is queued for the city.
    assert pair.open311(before) == []
    new = pair.report()
    [queued] = pair.open311(new)
    assert (queued.state, queued.target) == ("pending", pair.endpoint)
    assert pair.report("idea") and counts_of(pair.page(admin).text) == {"lampa": (1, 0, 0)}

    assert sender.run_due(pair.ours.hub) >= 1
    [sent] = pair.open311(new)
    assert sent.state == "done" and sent.external_id
    [filed] = pair.at_city()
    assert "Polnej 3" in filed and "[kiosk-hub " in filed
    assert counts_of(pair.page(admin).text) == {"lampa": (0, 0, 0)}


def test_failures_are_counted_and_replacing_keeps_an_unchanged_key(pair: Pair) -> None:
    admin = pair.admin()
    assert pair.forward(admin, api_key="zly-klucz-miasta-0000").status_code == 303
    report = pair.report()
    assert sender.run_due(pair.ours.hub) >= 1
    assert pair.open311(report)[0].state == "failed"  # the city refused the key
    page = pair.page(admin)
    assert counts_of(page.text) == {"lampa": (0, 0, 1)}
    assert '<span class="badge bad">nieudane: 1</span>' in page.text
    assert "zly-klucz-miasta-0000" not in page.text and "…0000" in page.text

    replaced = pair.forward(admin)
    assert replaced.headers["location"] == "/admin/forwarding?done=replaced&code=lampa"
    assert "Zmieniono przekazywanie kategorii „Nie świeci latarnia”" in text_of(
        pair.page(admin, "?done=replaced&code=lampa").text
    )
    # Left empty, the key stays what it was; everything else changes.
    kept = pair.forward(admin, api_key="", jurisdiction_id="miasto.example")
    assert kept.status_code == 303
    [(code, endpoint, key, remote, jurisdiction, enabled, _created)] = pair.targets()
    assert (code, key, jurisdiction, enabled) == ("lampa", pair.city_key, "miasto.example", True)
    assert pair.open311(pair.report())[0].state == "pending"
    assert sender.run_due(pair.ours.hub) >= 1
    assert len(pair.at_city()) == 1


def test_stopping_forwarding_warns_about_reports_still_queued(pair: Pair) -> None:
    admin = pair.admin()
    pair.forward(admin)
    queued = pair.report()
    stopped = pair.post(admin, "/lampa/remove")
    assert stopped.status_code == 303
    assert stopped.headers["location"] == "/admin/forwarding?done=removed&code=lampa&stranded=1"
    words = text_of(pair.page(admin, "?done=removed&code=lampa&stranded=1").text)
    assert "Kategoria „Nie świeci latarnia” nie jest już przekazywana." in words
    assert "1 zgłoszenie czekało jeszcze na wysłanie do miasta" in words
    assert "Żadna kategoria nie jest przekazywana" in words
    assert pair.targets() == []
    assert pair.open311(pair.report()) == []  # new reports stay here
    sender.run_due(pair.ours.hub)
    assert pair.open311(queued)[0].state == "failed" and pair.at_city() == []

    again = pair.post(admin, "/lampa/remove")
    assert again.status_code == 404
    assert "Ta kategoria nie jest przekazywana." in text_of(again.text)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"endpoint": "ftp://miasto.example/open311"}, "endpoint", "http lub https"),
        ({"endpoint": "miasto.example/open311"}, "endpoint", "http lub https"),
        ({"endpoint": ""}, "endpoint", "http lub https"),
        ({"endpoint": "https://jan:haslo@miasto.example/o"}, "endpoint", "nazwy użytkownika"),
        ({"endpoint": "https://miasto.example/o?x=1"}, "endpoint", "adres bazowy"),
        ({"endpoint": "https://miasto.example:99999/o"}, "endpoint", "Port"),
        ({"endpoint": "https://miasto.example/" + "o" * 600}, "endpoint", "limit znaków: 500"),
        ({"api_key": "", "service_code": "idea"}, "api_key", "To pole jest wymagane."),
        ({"api_key": "klucz ze spacjami"}, "api_key", "nie może zawierać spacji"),
        ({"api_key": "k" * 501}, "api_key", "limit znaków: 500"),
        ({"remote_service_code": "  "}, "remote_service_code", "To pole jest wymagane."),
        ({"remote_service_code": "a\x00b"}, "remote_service_code", "Znaki sterujące"),
        ({"jurisdiction_id": "j" * 201}, "jurisdiction_id", "limit znaków: 200"),
        ({"service_code": "nie-ma"}, "service_code", "Wybierz jedną z kategorii zgłoszeń."),
        ({"service_code": ""}, "service_code", "Wybierz jedną z kategorii zgłoszeń."),
    ],
)
def test_refused_settings_are_explained_and_nothing_is_stored(
    pair: Pair, changes: dict, field: str, message: str
) -> None:
    admin = pair.admin()
    pair.forward(admin, remote_service_code="stary-kod")
    before = pair.targets()
    secret = "nowy-tajny-klucz-miasta-4321"
    refused = pair.forward(admin, **({"api_key": secret} | changes))
    assert refused.status_code == 422
    error = re.search(rf'<p class="error-text" id="{field}-error">([^<]+)</p>', refused.text)
    assert error and message in unescape(error.group(1)), text_of(refused.text)[:300]
    assert "Niczego nie zapisano." in text_of(refused.text)
    assert pair.targets() == before
    typed = changes.get("api_key", secret)
    assert not typed or typed not in refused.text  # a typed key is never sent back
    assert len(refused.text) < 60_000


def test_staff_get_403_and_forged_forms_change_nothing(pair: Pair) -> None:
    admin = pair.admin()
    pair.forward(admin)
    before = pair.targets()
    password = pair.ours.user("anna", "staff", display_name="Anna Nowak")
    anna = sign_in(pair.url, "anna", password)
    token = csrf_of(anna.get(f"{pair.url}/admin/reports", timeout=TIMEOUT).text)
    page = anna.get(f"{pair.url}/admin/forwarding", timeout=TIMEOUT)
    assert page.status_code == 403
    assert "Twoje konto nie ma dostępu do tej strony." in text_of(page.text)
    for session, data in ((anna, {"csrf": token}), (admin, {"csrf": "forged"}), (admin, {})):
        for path in ("", "/lampa/remove"):
            answer = session.post(
                f"{pair.url}/admin/forwarding{path}",
                data=data
                | {
                    "service_code": "lampa",
                    "endpoint": "https://zly.example/o",
                    "api_key": "przejety-klucz",
                    "remote_service_code": "x",
                },
                allow_redirects=False,
                timeout=TIMEOUT,
            )
            assert answer.status_code == 403, (path, data)
            pair.pages.append(answer.text)
    assert pair.targets() == before
    assert targets.masked(pair.city_key) in pair.page(admin).text


def test_plain_http_and_a_category_gone_from_the_content_are_flagged(pair: Pair) -> None:
    admin = pair.admin()
    pair.forward(admin, endpoint="http://miasto.example/open311/v2", api_key="k" * 20)
    with pair.ours.hub.transaction() as conn:
        targets.add_target(
            conn,
            pair.ours.hub.blobs,
            "stara",
            pair.endpoint,
            "x" * 20,
            "o",
            None,
            pair.ours.hub.now(),
        )
    words = text_of(pair.page(admin).text)
    assert "zwykłe http: bez szyfrowania" in words
    assert "brak w bieżących treściach: nic nie jest przekazywane" in words
    # The local city on 127.0.0.1 is not flagged: only one warning badge for http.
    assert words.count("zwykłe http") == 1


# --- in a browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=lambda d: d.name)
def test_forwarding_page_in_a_browser(pair: Pair, chromium, device) -> None:
    admin = pair.admin()
    pair.forward(admin, service_code="idea", remote_service_code="wnioski", api_key="z" * 24)
    pair.report("idea")
    sender.run_due(pair.ours.hub)  # the city has no such service: failed
    pair.report("idea")
    with open_page(chromium, device, locale="pl-PL", timezone_id="Europe/Warsaw") as page:
        page.goto(f"{pair.url}/admin/forwarding")
        page.fill("#username", "ewa")
        page.fill("#password", pair.admin_password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{pair.url}/admin/forwarding")

        page.select_option("#service_code", "lampa")
        page.fill("#endpoint", "ftp://miasto.example")
        page.fill("#api_key", pair.city_key)
        page.fill("#remote_service_code", "oswietlenie")
        page.click("text=Zapisz przekazywanie")
        page.wait_for_selector(".flash.error")
        assert "http lub https" in page.locator("#endpoint-error").inner_text()
        assert page.input_value("#api_key") == ""  # never sent back
        assert page.input_value("#remote_service_code") == "oswietlenie"
        pair.pages.append(page.content())
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"forwarding-problems-{device.name}")

        page.fill("#endpoint", pair.endpoint)
        page.fill("#api_key", pair.city_key)
        page.fill("#jurisdiction_id", "miasto.example")
        page.click("text=Zapisz przekazywanie")
        page.wait_for_selector("text=będą przekazywane do systemu miasta")
        assert page.locator("table.forwarding tbody tr").count() == 2
        pair.pages.append(page.content())
        if device is PHONE:
            assert page.locator("table.forwarding thead").is_hidden()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"forwarding-{device.name}")
    assert sorted(t[0] for t in pair.targets()) == ["idea", "lampa"]
