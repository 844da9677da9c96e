"""The public status page a receipt's QR code opens: real uvicorn on 127.0.0.1, a real HTTP
client, and headless Chromium on a phone and a desktop screen."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from hub.accounts.users import add_user
from hub.reports.casework import set_answer, set_status
from hub.reports.intake import ReportIn, submit
from kiosk_core.content.build import build_release
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.conftest import write_tree
from tests.hubtools import Clock, HubEnv, LiveServer

T0 = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)  # 15:00 in Warsaw
CATEGORIES = """\
- service_code: lampa
  name: {pl: Nie świeci latarnia, en: Street lamp out, de: Straßenlaterne defekt,
         cs: Nesvítí lampa, uk: Не світить ліхтар}
  group: {pl: Oświetlenie, en: Lighting}
  department: {pl: Referat Gospodarki Komunalnej}
  department_email: komunalny@example.org
"""
PERSONAL = {
    "email": "jan.kowalski@example.org",
    "phone": "+48600100200",
    "first_name": "Janusz",
    "last_name": "Kowalski",
    "description": "Ciemno przy Polnej 3 od tygodnia, proszę o naprawę",
    "address_string": "ul. Polna 3, Próbna",
    "lat": 50.301234,
    "long": 16.883456,
}
SECRETS = (
    "Kowalski",
    "Janusz",
    "jan.kowalski",
    "600100200",
    "Polna",
    "50.3012",
    "16.8834",
    "Ciemno",
)
"""Neither the person nor their words (not marked public) nor the exact place: the category
shows it roughly (50.301, 16.883), as Open311 does."""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A hub with three reports: open in Polish, answered in Ukrainian, closed in German."""
    root = tmp_path_factory.mktemp("status")
    env = HubEnv.create(root / "hub", public_url="https://kiosk.probna.example")
    env.hub.clock = clock = Clock(T0)
    src = write_tree(root / "src")
    (src / "report_categories.yaml").write_text(CATEGORIES, encoding="utf-8")
    build_release(src, root / "release")
    env.publish_release(root / "release")
    env.kiosk("rynek")
    with env.hub.transaction() as conn:
        anna = add_user(conn, "anna", "dobre-haslo-123", "staff", T0)
    tokens = {}
    for lang, code in (("pl", "7KQ-4XM"), ("uk", "UA3-9PT"), ("de", "DE5-2LM")):
        tokens[lang] = uuid.uuid4().hex
        body = {
            "uuid": str(uuid.uuid4()),
            "ref_code": code,
            "status_token": tokens[lang],
            "created": T0,
            "lang": lang,
            "service_code": "lampa",
        } | PERSONAL
        with env.hub.transaction() as conn:
            receipt = submit(
                conn, "rynek", body["uuid"], ReportIn.model_validate(body), {"lampa"}, T0
            )
        tokens[f"{lang}-id"] = int(receipt.service_request_id)
    later = T0 + timedelta(days=2, hours=3)
    with env.hub.transaction() as conn:
        set_status(conn, tokens["uk-id"], "in_progress", anna, later, notify=False)
        set_answer(
            conn,
            tokens["uk-id"],
            "Дякуємо! Ліхтар замінимо цього тижня.\n\nБригада вже має <script>alert(1)</script>.",
            anna,
            later,
            notify=False,
        )
        set_status(
            conn,
            tokens["de-id"],
            "closed",
            anna,
            later + timedelta(days=1),
            notify=False,
            answer="Die Laterne wurde repariert.",
        )
    clock.now = later + timedelta(days=5)
    with LiveServer(env.app) as live:
        yield live.url, tokens
    env.hub.close()


def get(url: str, **headers) -> requests.Response:
    return requests.get(url, headers=headers, timeout=10)


def test_an_open_report_in_polish(site) -> None:
    url, tokens = site
    page = get(f"{url}/r/{tokens['pl']}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="pl">' in html
    assert "7KQ-4XM" in html
    assert "Nie świeci latarnia" in html
    assert "Przyjęte" in html  # the status, in words
    assert "Data przyjęcia" in html and "21 listopada 2026, 15:00" in html
    assert "Nie ma jeszcze odpowiedzi" in html
    assert "Data zamknięcia" not in html
    assert "Gmina Próbna" in html
    assert 'href="?lang=uk"' in html and 'href="?lang=pl"' not in html


def test_nothing_personal_and_the_place_only_roughly(site) -> None:
    url, tokens = site
    for lang in ("pl", "uk", "de"):
        for view in ("", "?lang=en"):
            html = get(f"{url}/r/{tokens[lang]}{view}").text
            for secret in SECRETS:
                assert secret not in html, (lang, view, secret)
            assert '<span class="coordinates">50.301, 16.883</span>' in html


def test_the_reports_own_language_and_the_others_on_request(site) -> None:
    url, tokens = site
    html = get(f"{url}/r/{tokens['uk']}", **{"Accept-Language": "de"}).text
    assert '<html lang="uk">' in html  # the report's language wins over the browser's
    assert "Стан звернення" in html
    assert "Не світить ліхтар" in html
    assert "Виконується" in html
    assert "Дата прийняття" in html and "21 листопада 2026" in html
    assert "Остання зміна" in html and "23 листопада 2026" in html
    # The answer: paragraphs kept, markup shown as text, never run.
    assert "Дякуємо! Ліхтар замінимо цього тижня." in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html

    english = get(f"{url}/r/{tokens['uk']}?lang=en").text
    assert '<html lang="en">' in english
    assert "Street lamp out" in english and "In progress" in english
    assert "November 21, 2026" in english
    assert 'href="?lang=uk"' in english
    assert '<html lang="uk">' in get(f"{url}/r/{tokens['uk']}?lang=xx").text

    german = get(f"{url}/r/{tokens['de']}").text
    assert "Abgeschlossen" in german and "Abgeschlossen am" in german
    assert "24. November 2026" in german
    assert "Die Laterne wurde repariert." in german
    czech = get(f"{url}/r/{tokens['de']}?lang=cs").text
    assert "Uzavřeno" in czech and "Nesvítí lampa" in czech


def test_privacy_headers_on_every_answer(site) -> None:
    url, tokens = site
    for address in (f"{url}/r/{tokens['pl']}", f"{url}/r/{'x' * 22}"):
        page = get(address)
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["x-robots-tag"] == "noindex"
        assert '<meta name="robots" content="noindex">' in page.text


@pytest.mark.parametrize(
    "token",
    [
        "A" * 22,
        "short",
        "x" * 5000,
        "..%2F..%2Fhub.db",
        "%00%0d%0a",
        "' OR '1'='1",
        "7KQ-4XM",  # a reference code is not the address
    ],
)
def test_an_unknown_address_is_a_friendly_404(site, token: str) -> None:
    url, _tokens = site
    page = get(f"{url}/r/{token}")
    assert page.status_code == 404
    assert "Nie znaleziono zgłoszenia" in page.text
    assert "wydrukowany na potwierdzeniu" in page.text
    assert page.headers["cache-control"] == "no-store"


def test_the_404_speaks_the_visitors_language(site) -> None:
    url, _tokens = site
    missing = f"{url}/r/{uuid.uuid4().hex}"
    assert "Звернення не знайдено" in get(missing, **{"Accept-Language": "uk-UA,uk;q=0.9"}).text
    assert "Meldung nicht gefunden" in get(f"{missing}?lang=de").text
    assert "Report not found" in get(f"{missing}?lang=en").text


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=lambda d: d.name)
def test_it_reads_well_in_a_browser(site, chromium, device) -> None:
    url, tokens = site
    for lang in ("pl", "uk"):
        with open_page(chromium, device) as page:
            answer = page.goto(f"{url}/r/{tokens[lang]}")
            assert answer.status == 200
            code = page.locator(".big-code")
            assert code.inner_text() == {"pl": "7KQ-4XM", "uk": "UA3-9PT"}[lang]
            # The code is the biggest text on the page, and nothing runs off a phone's screen.
            size = code.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
            assert size >= 30
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= device.options["viewport"]["width"]
            assert page.evaluate("document.documentElement.lang") == lang
            path = screenshot(page, f"status-{device.name}-{lang}")
            assert path.stat().st_size > 10_000
            if lang == "pl":  # a tap on another language keeps the page
                page.get_by_role("link", name="Українська").click()
                page.wait_for_load_state()
                assert page.locator("h1").inner_text() == "Стан звернення"
    with open_page(chromium, device) as page:
        assert page.goto(f"{url}/r/{uuid.uuid4().hex}?lang=uk").status == 404
        screenshot(page, f"status-{device.name}-missing-uk")
