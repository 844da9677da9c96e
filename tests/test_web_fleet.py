"""The fleet pages (/admin/fleet): a real hub under uvicorn, kiosks sending real heartbeats over
HTTP with their own tokens, administrators signed in through the real form, and headless
Chromium on a phone and a desktop screen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import requests

from hub.accounts.tokens import add_token
from kiosk_core.content.build import build_release
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.conftest import write_tree
from tests.hubtools import Clock, HubEnv, LiveServer, bearer
from tests.webtools import sign_in

T0 = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)  # 15:00 in Warsaw
ERRORS = [
    "release 2 failed to load: No space left on device",
    "printer: out of paper",
    "display: HDMI-1 disconnected",
    "sync: hub answered 503 three times",
]


def text_of(html: str) -> str:
    """The page's words as a reader sees them: no tags, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Four kiosks: one fine, one silent for an hour, one with a fast clock, old content,
    a full outbox and errors, and one that never connected; two releases published."""
    root = tmp_path_factory.mktemp("fleet")
    env = HubEnv.create(root / "hub")
    env.hub.clock = clock = Clock(T0 - timedelta(hours=2))
    src = write_tree(root / "src")
    build_release(src, root / "release")
    env.publish_release(root / "release")
    (src / "settings.yaml").write_text(
        (src / "settings.yaml").read_text(encoding="utf-8").replace("Próbna", "Próbna Wieś"),
        encoding="utf-8",
    )
    build_release(src, root / "release2")
    env.publish_release(root / "release2")
    kiosks = {
        "rynek": ("Rynek", ["centrum"]),
        "dworzec": ("Dworzec PKP", ["centrum", "transport"]),
        "szkola": ("Szkoła Podstawowa", []),
        "nowy": ("Biblioteka", []),
    }
    tokens = {}
    for kiosk_id, (name, groups) in kiosks.items():
        env.kiosk(kiosk_id, name=name, groups=groups)
        with env.hub.transaction() as conn:
            tokens[kiosk_id] = add_token(conn, "kiosk", env.hub.now(), kiosk_id=kiosk_id)
    env.user("ewa", "admin", display_name="Ewa Admin")
    env.user("anna", "staff", display_name="Anna Nowak", departments=["lampa"])
    with LiveServer(env.app) as live:

        def beat(kiosk_id: str, at: datetime, kiosk_clock: datetime, **fields) -> None:
            clock.now = at
            body = {"sent_at": kiosk_clock.isoformat()} | fields
            answer = requests.post(
                f"{live.url}/api/v1/heartbeat",
                json=body,
                headers=bearer(tokens[kiosk_id]),
                timeout=10,
            )
            assert answer.status_code == 200, answer.text

        silent = T0 - timedelta(hours=1)
        beat(
            "dworzec",
            silent,
            silent,
            content_version=2,
            outbox_depth=3,
            uptime=86_400,
            app_version="0.9.0",
            last_touch=(silent - timedelta(minutes=3)).isoformat(),
        )
        beat(
            "rynek",
            T0 - timedelta(minutes=2),
            T0 - timedelta(minutes=2, seconds=1),
            content_version=2,
            outbox_depth=0,
            uptime=7200,
            app_version="1.0.0",
            last_touch=(T0 - timedelta(minutes=5)).isoformat(),
        )
        ahead = T0 - timedelta(minutes=1)
        beat(
            "szkola",
            ahead,
            ahead + timedelta(seconds=200),
            content_version=1,
            outbox_depth=7,
            uptime=300,
            app_version="1.0.0",
            errors=ERRORS,
        )
        clock.now = T0
        yield env, live
    env.hub.close()


def admin_session(site) -> requests.Session:
    env, live = site
    return sign_in(live.url, "ewa", "ewa-Hasło-2026!")


def row_of(html: str, kiosk_id: str) -> str:
    """One kiosk's row of the fleet table."""
    rows = re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S)
    [row] = [r for r in rows if f'href="/admin/fleet/{kiosk_id}"' in r]
    return row


def test_offline_kiosks_come_first_under_a_red_alarm(site) -> None:
    _env, live = site
    page = admin_session(site).get(f"{live.url}/admin/fleet", timeout=10)
    assert page.status_code == 200
    html = page.text
    alarm = text_of(re.search(r'<div class="alarm" role="alert">.*?</div>', html, re.S)[0])
    # The silent kiosk and the one never heard from are offline: 2 of the 4.
    assert alarm == "2 z 4 kiosków bez łączności · w tym 1 nigdy się nie połączył"
    rows = re.findall(r'<tr class="([^"]*)">\s*<td>\s*<a href="/admin/fleet/([a-z]+)"', html)
    # Silent first, then never seen, then the one with warnings, then the healthy one.
    assert rows == [("offline", "dworzec"), ("offline", "nowy"), ("", "szkola"), ("", "rynek")]
    dworzec = text_of(row_of(html, "dworzec"))
    # Last contact an hour ago, relative and in Warsaw time (13:00 UTC is 14:00 there).
    assert "Bez łączności" in dworzec and "1 godzinę temu" in dworzec
    assert "21.11.2026, 14:00" in dworzec
    assert "Grupy: centrum, transport" in dworzec
    # Reports stuck on a silent kiosk are flagged although there are only three.
    assert '<span class="badge warn">3 czekają</span>' in html
    nowy = text_of(row_of(html, "nowy"))
    assert "Nigdy nie połączony" in nowy and "nigdy" in nowy


def test_clock_skew_old_content_and_errors_are_shown(site) -> None:
    _env, live = site
    html = admin_session(site).get(f"{live.url}/admin/fleet", timeout=10).text
    szkola_row = row_of(html, "szkola")
    szkola = text_of(szkola_row)
    # The kiosk's clock ran 200 s ahead of the hub's: beyond ±2 minutes, flagged.
    assert '<span class="badge warn">200 s do przodu</span>' in szkola_row
    assert "wersja 1 nieaktualna (najnowsza 2)" in szkola
    assert '<span class="badge warn">7 czeka</span>' in szkola_row
    for error in ERRORS[:3]:
        assert error in szkola
    assert ERRORS[3] not in szkola and "i 1 więcej" in szkola
    rynek_row = row_of(html, "rynek")
    rynek = text_of(rynek_row)
    # One second off is no warning, and the latest content is up to date.
    assert "1 s w tyle" in rynek and "badge warn" not in rynek_row
    assert "wersja 2 aktualna" in rynek and "Działa" in rynek
    assert "2 godziny" in rynek  # uptime
    assert "5 minut temu" in rynek  # the last touch

    kiosk = admin_session(site).get(f"{live.url}/admin/fleet/szkola", timeout=10)
    assert kiosk.status_code == 200
    detail = text_of(kiosk.text)
    for error in ERRORS:
        assert error in detail
    assert "https://www.openstreetmap.org/?mlat=50.300000&amp;mlon=16.880000" in kiosk.text
    assert "/admin/reports?kiosk=szkola" in kiosk.text


def test_staff_may_not_open_the_fleet(site) -> None:
    _env, live = site
    anna = sign_in(live.url, "anna", "anna-Hasło-2026!")
    for path in ("/admin/fleet", "/admin/fleet/rynek"):
        page = anna.get(f"{live.url}{path}", timeout=10)
        assert page.status_code == 403
        assert "Twoje konto nie ma dostępu do tej strony." in page.text
        assert "Dworzec PKP" not in page.text
    stranger = requests.get(f"{live.url}/admin/fleet", allow_redirects=False, timeout=10)
    assert stranger.status_code == 303
    assert stranger.headers["location"] == "/login?next=/admin/fleet"
    missing = admin_session(site).get(f"{live.url}/admin/fleet/nie-ma-takiego", timeout=10)
    assert missing.status_code == 404 and "Nie ma takiego kiosku." in missing.text


def test_a_fleet_of_one_healthy_kiosk_raises_no_alarm(tmp_path) -> None:
    env = HubEnv.create(tmp_path / "hub")
    env.user("ewa", "admin")
    token = env.kiosk_token("rynek")
    try:
        with LiveServer(env.app) as live:
            beat = {"sent_at": datetime.now(UTC).isoformat(), "content_version": 1}
            sent = requests.post(
                f"{live.url}/api/v1/heartbeat", json=beat, headers=bearer(token), timeout=10
            )
            assert sent.status_code == 200
            admin = sign_in(live.url, "ewa", "ewa-Hasło-2026!")
            page = admin.get(f"{live.url}/admin/fleet", timeout=10)
        words = text_of(page.text)
        assert 'role="alert"' not in page.text
        assert "Kiosk działa." in words
        assert "Nie opublikowano jeszcze żadnych treści." in words
    finally:
        env.hub.close()


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=lambda d: d.name)
def test_fleet_pages_in_a_browser(site, chromium, device) -> None:
    _env, live = site
    with open_page(chromium, device) as page:
        page.goto(f"{live.url}/admin/fleet")
        page.fill("#username", "ewa")
        page.fill("#password", "ewa-Hasło-2026!")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live.url}/admin/fleet")
        alarm = page.locator(".alarm")
        assert "2 z 4 kiosków bez łączności" in alarm.inner_text()
        width = page.evaluate("document.documentElement.scrollWidth")
        viewport = page.viewport_size["width"]
        if device is PHONE:
            # Stacked rows: nothing to scroll sideways on a phone.
            assert width <= viewport
            assert page.locator("table.stack thead").is_hidden()
        screenshot(page, f"fleet-{device.name}")
        page.click("text=Szkoła Podstawowa")
        page.wait_for_url(f"{live.url}/admin/fleet/szkola")
        assert ERRORS[3] in page.locator("ol.errors").inner_text()
        screenshot(page, f"fleet-kiosk-{device.name}")


ATTENTION = [
    {
        "ref_code": f"7KQ-4X{n}",
        "created": f"2026-11-2{n}T08:30:00+00:00",
        "service_code": "lampa",
        "reason": "POST /reports: 409 a different report is already stored under this uuid",
    }
    for n in (2, 3, 4, 5)
]


@pytest.fixture(scope="module")
def refused(tmp_path_factory):
    """Two kiosks: one keeps four reports the hub refused, one runs an agent too old to say."""
    env = HubEnv.create(tmp_path_factory.mktemp("attention") / "hub")
    env.hub.clock = Clock(T0)
    env.user("ewa", "admin")
    with LiveServer(env.app) as live:
        for kiosk_id, fields in (
            ("rynek", {"attention": 4, "attention_reports": ATTENTION}),
            ("stary", {}),  # an older agent: neither field
        ):
            body = {"sent_at": T0.isoformat(), "content_version": 1, "outbox_depth": 0}
            sent = requests.post(
                f"{live.url}/api/v1/heartbeat",
                json=body | fields,
                headers=bearer(env.kiosk_token(kiosk_id)),
                timeout=10,
            )
            assert sent.status_code == 200, sent.text
        yield env, live
    env.hub.close()


def test_reports_kept_on_a_kiosk_for_attention_are_shown_prominently(refused) -> None:
    env, live = refused
    admin = sign_in(live.url, "ewa", "ewa-Hasło-2026!")
    html = admin.get(f"{live.url}/admin/fleet", timeout=10).text
    alarm = text_of(
        re.search(r'<div class="alarm" role="alert" id="attention">.*?</div>', html, re.S)[0]
    )
    assert alarm.startswith("4 zgłoszenia odrzucone przez serwer wymagają uwagi w 1 kiosku · Nic")
    rynek = row_of(html, "rynek")
    assert "4 zgłoszenia wymagają uwagi" in text_of(rynek) and "badge bad" in rynek
    assert "7KQ-4X2, 7KQ-4X3, 7KQ-4X4 …" in text_of(rynek)
    assert "wymaga" not in text_of(row_of(html, "stary"))  # an older agent: nothing claimed
    # Online, but with something to look at: listed before the healthy kiosk.
    assert html.index('href="/admin/fleet/rynek"') < html.index('href="/admin/fleet/stary"')

    detail = text_of(admin.get(f"{live.url}/admin/fleet/rynek", timeout=10).text)
    assert "Serwer odrzucił 4 zgłoszenia z tego kiosku; kiosk je przechowuje." in detail
    for report in ATTENTION:
        assert report["ref_code"] in detail
    assert "22.11.2026, 09:30" in detail  # when it was filed, in Warsaw time
    assert "409 a different report is already stored" in detail

    # The API says the same; an older agent's heartbeat says nothing either way.
    kiosks = requests.get(
        f"{live.url}/api/v1/kiosks", headers=bearer(env.token("admin")), timeout=10
    ).json()["kiosks"]
    by_id = {k["kiosk_id"]: k for k in kiosks}
    assert by_id["rynek"]["attention"] == 4 and by_id["rynek"]["attention_reports"] == ATTENTION
    assert (by_id["stary"]["attention"], by_id["stary"]["attention_reports"]) == (None, [])


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=lambda d: d.name)
def test_reports_needing_attention_in_a_browser(refused, chromium, device) -> None:
    _env, live = refused
    with open_page(chromium, device) as page:
        page.goto(f"{live.url}/admin/fleet")
        page.fill("#username", "ewa")
        page.fill("#password", "ewa-Hasło-2026!")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live.url}/admin/fleet")
        assert "odrzucone przez serwer" in page.locator("#attention").inner_text()
        if device is PHONE:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= page.viewport_size["width"]
        screenshot(page, f"fleet-attention-{device.name}")
        page.click("text=4 zgłoszenia wymagają uwagi")
        page.wait_for_url(f"{live.url}/admin/fleet/rynek#attention")
        assert "7KQ-4X5" in page.locator("table").inner_text()
        screenshot(page, f"fleet-kiosk-attention-{device.name}")


def test_a_heartbeat_cannot_flood_the_attention_list(refused) -> None:
    env, live = refused
    many = [ATTENTION[0] | {"ref_code": f"ABC-{n:03}", "reason": "x" * 5000} for n in range(40)]
    sent = requests.post(
        f"{live.url}/api/v1/heartbeat",
        json={"sent_at": T0.isoformat(), "attention": 40, "attention_reports": many},
        headers=bearer(env.kiosk_token("duzo")),
        timeout=10,
    )
    assert sent.status_code == 200
    kiosks = requests.get(
        f"{live.url}/api/v1/kiosks", headers=bearer(env.token("admin")), timeout=10
    ).json()["kiosks"]
    (duzo,) = [k for k in kiosks if k["kiosk_id"] == "duzo"]
    assert duzo["attention"] == 40 and len(duzo["attention_reports"]) == 10
    assert {len(r["reason"]) for r in duzo["attention_reports"]} == {300}
