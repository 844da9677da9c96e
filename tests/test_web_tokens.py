"""The administrator's tokens page and retiring a kiosk from its page: a real hub under uvicorn
on 127.0.0.1, people signed in through the real form using only the pages' own forms (CSRF
included), the tokens tried over HTTP right after, and headless Chromium for the
screenshots."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest
import requests

from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.hubtools import HubEnv, LiveServer, bearer
from tests.webtools import csrf_of, post_form, sign_in

TIMEOUT = 10
PASSWORD = "haslo-ratusza-2026"


def text_of(html: str) -> str:
    inline = re.sub(r"</?(?:strong|span|a|em|code)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", inline)).split())


class Site:
    def __init__(self, env: HubEnv, url: str):
        self.env, self.url = env, url
        env.user("ewa", "admin", PASSWORD, display_name="Ewa Kowalska")
        env.user("anna", "editor", PASSWORD, display_name="Anna Nowak")
        self.rynek = env.kiosk_token("rynek")
        self.dworzec = env.kiosk_token("dworzec")
        self.editor = env.token("editor", name="Publikacja Anny")

    def works(self, token: str) -> bool:
        beat = {"sent_at": datetime.now(UTC).isoformat()}
        answer = requests.post(
            f"{self.url}/api/v1/heartbeat", json=beat, headers=bearer(token), timeout=TIMEOUT
        )
        if answer.status_code == 403:  # not a kiosk token: try what it is for
            answer = requests.get(
                f"{self.url}/api/v1/releases", headers=bearer(token), timeout=TIMEOUT
            )
        assert answer.status_code in (200, 401), answer.text
        return answer.status_code == 200


@pytest.fixture
def site(tmp_path):
    env = HubEnv.create(tmp_path / "hub")
    with LiveServer(env.app) as live:
        yield Site(env, live.url)
    env.hub.close()


def ids_on(html: str) -> list[str]:
    return re.findall(r'<span class="ref">([0-9a-f]{12})</span>', html)


def test_an_administrator_revokes_a_token_on_the_tokens_page(site: Site) -> None:
    ewa = site.sign_in = sign_in(site.url, "ewa", PASSWORD)
    page = ewa.get(f"{site.url}/admin/tokens", timeout=TIMEOUT)
    assert page.status_code == 200
    assert site.editor not in page.text and site.rynek not in page.text
    words = text_of(page.text)
    assert "Redaktor Publikacja Anny –" in words and "Kiosk – rynek" in words
    assert len(ids_on(page.text)) == 3
    rows = re.findall(r"<tr>.*?</tr>", page.text, flags=re.S)
    (editor_id,) = [ids_on(r)[0] for r in rows if "Publikacja Anny" in r]

    forged = ewa.post(
        f"{site.url}/admin/tokens/{editor_id}/revoke",
        data={"csrf": "podrobiony"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert forged.status_code == 403 and site.works(site.editor)
    anna = sign_in(site.url, "anna", PASSWORD)
    token = csrf_of(anna.get(f"{site.url}/admin/releases", timeout=TIMEOUT).text)
    assert anna.get(f"{site.url}/admin/tokens", timeout=TIMEOUT).status_code == 403
    refused = anna.post(
        f"{site.url}/admin/tokens/{editor_id}/revoke", data={"csrf": token}, timeout=TIMEOUT
    )
    assert refused.status_code == 403 and site.works(site.editor)

    done = post_form(
        ewa, f"{site.url}/admin/tokens/{editor_id}/revoke", {}, f"{site.url}/admin/tokens"
    )
    assert done.status_code == 303
    assert not site.works(site.editor)  # at once
    assert site.works(site.rynek) and site.works(site.dworzec)
    after = ewa.get(f"{site.url}{done.headers['location']}", timeout=TIMEOUT)
    assert f"Token {editor_id} jest unieważniony: już nie działa." in text_of(after.text)
    active, revoked = after.text.split("<h2>Unieważnione</h2>")
    assert editor_id not in ids_on(active) and editor_id in ids_on(revoked)
    missing = post_form(
        ewa, f"{site.url}/admin/tokens/0123456789ab/revoke", {}, f"{site.url}/admin/tokens"
    )
    assert missing.status_code == 404


def test_an_administrator_retires_a_kiosk_after_confirming(site: Site) -> None:
    ewa = sign_in(site.url, "ewa", PASSWORD)
    kiosk_page = ewa.get(f"{site.url}/admin/fleet/rynek", timeout=TIMEOUT).text
    assert 'href="/admin/fleet/rynek/retire"' in kiosk_page
    confirm = ewa.get(f"{site.url}/admin/fleet/rynek/retire", timeout=TIMEOUT)
    assert confirm.status_code == 200
    assert "Wycofaj kiosk Kiosk rynek" in text_of(confirm.text)
    assert site.works(site.rynek)  # looking at the question changes nothing

    forged = ewa.post(
        f"{site.url}/admin/fleet/rynek/retire",
        data={"csrf": "x"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert forged.status_code == 403 and site.works(site.rynek)
    done = ewa.post(
        f"{site.url}/admin/fleet/rynek/retire",
        data={"csrf": csrf_of(confirm.text)},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert done.status_code == 303 and done.headers["location"] == "/admin/fleet?retired=rynek"
    assert not site.works(site.rynek) and site.works(site.dworzec)

    fleet = ewa.get(f"{site.url}{done.headers['location']}", timeout=TIMEOUT).text
    words = text_of(fleet)
    assert "Kiosk Kiosk rynek jest wycofany: jego token już nie działa." in words
    table = fleet.split("<table", 1)[1].split("</table>", 1)[0]
    retired = fleet.split('<h2 id="retired">', 1)[1]
    assert "dworzec" in table and "rynek" not in table
    assert 'href="/admin/fleet/rynek"' in retired
    assert "Kiosk działa." in words  # dworzec: the retired one raises no alarm
    page = text_of(ewa.get(f"{site.url}/admin/fleet/rynek", timeout=TIMEOUT).text)
    assert "Wycofany" in page and "Wycofaj ten kiosk" not in page
    tokens = ewa.get(f"{site.url}/admin/tokens", timeout=TIMEOUT).text
    assert "rynek" not in tokens.split("<h2>Unieważnione</h2>")[0]


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=lambda d: d.name)
def test_tokens_and_retiring_in_a_browser(site: Site, chromium, device) -> None:
    with open_page(chromium, device, locale="pl-PL", timezone_id="Europe/Warsaw") as page:
        page.goto(f"{site.url}/admin/tokens")
        page.fill("#username", "ewa")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{site.url}/admin/tokens")
        first = page.locator("table.tokens tbody tr").first.locator("span.ref").inner_text()
        page.locator("table.tokens tbody tr").first.locator("button").click()
        page.wait_for_selector(f"text=Token {first} jest unieważniony")
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"tokens-{device.name}")

        page.goto(f"{site.url}/admin/fleet/dworzec")
        page.click("text=Wycofaj ten kiosk")
        page.wait_for_url(f"{site.url}/admin/fleet/dworzec/retire")
        screenshot(page, f"kiosk-retire-{device.name}")
        page.click("button.danger")
        page.wait_for_url(f"{site.url}/admin/fleet?retired=dworzec")
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"fleet-retired-{device.name}")
    assert not site.works(site.dworzec)
