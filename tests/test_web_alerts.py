"""The alerts page: staff publish an urgent notice, it goes out in a new release at once,
kiosks show it (and only the targeted ones), later content keeps it, withdrawing removes it.

A real hub under uvicorn on 127.0.0.1, staff signed in through the real form, real kiosks
enrolled with `kiosk enroll` and synced with `kiosk sync --once` (their own processes), the
banner read from the activated release the way the kiosk's UI reads it, and headless
Chromium for the screenshots.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import func, select

from hub.content.releases import get_release, latest
from hub.db import alerts as alerts_table
from hub.db import releases as releases_table
from kiosk.content.release import Catalog, current_release_dir, load_release
from kiosk.sync.enrolment import load_enrolment
from kiosk_core.content.model import Content
from kiosk_core.validation import validate_json
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.hubtools import KIOSK_CLI, REPO, HubEnv, LiveServer, enroll_kiosk, run
from tests.webtools import csrf_of, sign_in, upload_content, zip_tree

SAMPLE = REPO / "content"
PASSWORD = "anna-Hasło-2026!"
WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.fixture(scope="module")
def sample_zip() -> bytes:
    return zip_tree(SAMPLE)


@pytest.fixture
def env(tmp_path: Path):
    env = HubEnv.create(tmp_path / "hub")
    env.user("anna", "editor", password=PASSWORD, display_name="Anna Nowak")
    # The first release sets where reports go: an administrator publishes it.
    env.user("ewa", "admin", password=PASSWORD, display_name="Ewa Kowalska")
    yield env
    env.hub.close()


@pytest.fixture
def live(env):
    with LiveServer(env.app) as server:
        yield server


@pytest.fixture
def anna(live) -> requests.Session:
    return sign_in(live.url, "anna", PASSWORD)


@pytest.fixture
def ewa(live) -> requests.Session:
    return sign_in(live.url, "ewa", PASSWORD)


def upload(session: requests.Session, live, data: bytes) -> int:
    answer = upload_content(session, live.url, data)
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("=", 1)[1])


def local(moment: datetime) -> str:
    """How a datetime-local field writes a moment in the municipality's zone."""
    return moment.astimezone(WARSAW).strftime("%Y-%m-%dT%H:%M")


def post_alert(session: requests.Session, live, **fields) -> requests.Response:
    page = session.get(f"{live.url}/admin/alerts", timeout=10)
    form = {
        "csrf": csrf_of(page.text),
        "severity": "danger",
        "text_pl": "Awaria wodociągu przy ul. Polnej: woda z beczkowozu przy szkole.",
        "text_uk": "Аварія водогону на вул. Польній: вода з автоцистерни біля школи.",
        "valid_until": local(datetime.now(UTC) + timedelta(hours=20)),
    } | fields
    return session.post(f"{live.url}/admin/alerts", data=form, allow_redirects=False, timeout=30)


def count(env, table) -> int:
    with env.hub.transaction(write=False) as conn:
        return conn.scalar(select(func.count()).select_from(table))


def content_of(env, version: int) -> Content:
    with env.hub.transaction(write=False) as conn:
        release = get_release(conn, version)
    return validate_json(Content, env.hub.blobs.read(release.content_sha256))


def hub_alerts(content: Content) -> list:
    return [a for a in content.alerts if a.id.startswith("hub-")]


def test_an_alert_goes_out_at_once_targeted_and_with_its_expiry(env, live, anna, ewa, sample_zip):
    env.kiosk("rynek", groups=["centrum"])
    env.kiosk("szkola", name="Szkoła Podstawowa")
    assert upload(ewa, live, sample_zip) == 1
    form = anna.get(f"{live.url}/admin/alerts", timeout=10).text
    default = re.search(r'name="valid_until" value="([^"]+)"', form).group(1)
    in_a_day = datetime.now(UTC) + timedelta(hours=24)
    shown = datetime.strptime(default, "%Y-%m-%dT%H:%M").replace(tzinfo=WARSAW)
    assert abs(shown - in_a_day) < timedelta(minutes=2)  # a day ahead, in Warsaw time
    assert "Szkoła Podstawowa" in form and 'value="centrum"' in form

    until = (datetime.now(UTC) + timedelta(hours=30)).replace(second=0, microsecond=0)
    answer = post_alert(
        anna, live, valid_until=local(until), kiosk="szkola", group="centrum", text_en="Burst"
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/alerts?done=published&version=2"
    page = anna.get(f"{live.url}{answer.headers['location']}", timeout=10).text
    assert "Komunikat opublikowano w wydaniu 2." in page
    assert "Pojawi się na kioskach w ciągu jednego cyklu synchronizacji." in page
    assert "Na kioskach" in page and "Szkoła Podstawowa" in page and "grupa centrum" in page

    (alert,) = hub_alerts(content_of(env, 2))
    assert alert.severity == "danger"
    assert alert.text["pl"].startswith("Awaria wodociągu")
    assert set(alert.text) == {"pl", "uk", "en"}
    assert alert.kiosks == ["szkola"] and alert.groups == ["centrum"]
    assert alert.valid_until == until
    # The sample content's own alert is still there beside it.
    assert "przerwa-woda-listopad" in {a.id for a in content_of(env, 2).alerts}
    with env.hub.transaction(write=False) as conn:
        assert latest(conn).published_by == "Anna Nowak"


def test_a_wrong_form_says_what_to_fix_keeps_what_was_typed_and_stores_nothing(
    env, live, anna, ewa, sample_zip
):
    upload(ewa, live, sample_zip)
    answer = post_alert(
        anna,
        live,
        severity="",
        text_pl="   ",
        text_de="Sturm " * 100,
        valid_until=local(datetime.now(UTC) - timedelta(hours=1)),
        kiosk="nie-ma-takiego",
    )
    assert answer.status_code == 422
    for message in (
        "Komunikat nie został opublikowany. Popraw pola oznaczone poniżej.",
        "Wybierz, jak pilny jest komunikat.",
        "Tekst po polsku jest wymagany.",
        "Najwyżej 500 znaków; ten tekst ma 599.",
        "Wygaśnięcie musi przypadać w przyszłości.",
        "Nieznany kiosk nie-ma-takiego.",
    ):
        assert message in answer.text
    assert "Аварія водогону" in answer.text  # the Ukrainian text typed is kept
    assert '<details class="translations" open>' in answer.text
    unreadable = post_alert(anna, live, valid_until="jutro o piątej")
    assert unreadable.status_code == 422
    assert "Podaj datę i godzinę wygaśnięcia." in unreadable.text
    assert count(env, alerts_table) == 0 and count(env, releases_table) == 1


def test_sending_the_form_twice_makes_one_alert(env, live, anna, ewa, sample_zip):
    upload(ewa, live, sample_zip)
    until = local(datetime.now(UTC) + timedelta(hours=5))
    first = post_alert(anna, live, valid_until=until)
    second = post_alert(anna, live, valid_until=until)
    assert first.headers["location"].startswith("/admin/alerts?done=published")
    assert second.headers["location"] == "/admin/alerts?done=same"
    page = anna.get(f"{live.url}/admin/alerts?done=same", timeout=10).text
    assert "Ten komunikat jest już na kioskach." in page
    assert count(env, alerts_table) == 1 and count(env, releases_table) == 2


def test_an_alert_before_any_content_goes_out_with_the_first_release(
    env, live, anna, ewa, sample_zip
):
    answer = post_alert(anna, live)
    assert answer.headers["location"] == "/admin/alerts?done=saved"
    page = anna.get(f"{live.url}/admin/alerts?done=saved", timeout=10).text
    assert "trafi na kioski z pierwszym wydaniem" in page
    assert count(env, releases_table) == 0
    assert upload(ewa, live, sample_zip) == 1
    assert len(hub_alerts(content_of(env, 1))) == 1


def test_withdrawing_takes_it_off_in_the_next_release(env, live, anna, ewa, sample_zip):
    upload(ewa, live, sample_zip)
    post_alert(anna, live)
    [alert_id] = [a.removeprefix("hub-") for a in (x.id for x in hub_alerts(content_of(env, 2)))]
    page = anna.get(f"{live.url}/admin/alerts", timeout=10).text
    assert f'action="/admin/alerts/{alert_id}/withdraw"' in page
    answer = anna.post(
        f"{live.url}/admin/alerts/{alert_id}/withdraw",
        data={"csrf": csrf_of(page)},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.headers["location"] == "/admin/alerts?done=withdrawn&version=3"
    assert hub_alerts(content_of(env, 3)) == []
    page = anna.get(f"{live.url}{answer.headers['location']}", timeout=10).text
    assert "Komunikat wycofano. Wydanie 3 bez niego trafi na kioski" in page
    assert "Wycofany" in page and f"/admin/alerts/{alert_id}/withdraw" not in page
    again = anna.post(
        f"{live.url}/admin/alerts/{alert_id}/withdraw",
        data={"csrf": csrf_of(page)},
        allow_redirects=False,
        timeout=30,
    )
    assert again.status_code == 409 and "Tego komunikatu nie ma już na kioskach." in again.text
    forged = anna.post(
        f"{live.url}/admin/alerts/{alert_id}/withdraw", data={"csrf": "x"}, timeout=10
    )
    assert forged.status_code == 403 and count(env, releases_table) == 3


def sync(data: Path) -> str:
    done = run([*KIOSK_CLI, "sync", "--once", "--data", str(data)], check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def banners(data: Path) -> list:
    """The hub's alerts the kiosk's UI would show now, read from its active release."""
    enrolment = load_enrolment(data)
    catalog = Catalog(
        load_release(current_release_dir(data)), enrolment.kiosk_id, frozenset(enrolment.groups)
    )
    return [a for a in catalog.alerts(datetime.now(UTC)) if a.id.startswith("hub-")]


def test_kiosks_show_the_banner_after_a_sync_and_keep_it_through_new_content(
    env, live, anna, ewa, sample_zip, tmp_path
):
    rynek, szkola = tmp_path / "rynek", tmp_path / "szkola"
    enroll_kiosk(live.url, env.kiosk("rynek", groups=["centrum"]), rynek)
    enroll_kiosk(live.url, env.kiosk("szkola", name="Szkoła"), szkola)
    upload(ewa, live, sample_zip)
    answer = post_alert(anna, live, group="centrum")
    version = int(answer.headers["location"].rsplit("=", 1)[1])

    assert f"activated release {version}" in sync(rynek)
    assert f"activated release {version}" in sync(szkola)
    (banner,) = banners(rynek)
    assert banner.severity == "danger" and banner.text["pl"].startswith("Awaria wodociągu")
    assert banner.text["uk"].startswith("Аварія водогону")
    assert banners(szkola) == []  # not in the group the alert was meant for

    # New content published afterwards must not drop the warning.
    src = tmp_path / "content"
    shutil.copytree(SAMPLE, src)
    (src / "media" / "logo.png").write_bytes((src / "media" / "map.png").read_bytes())
    later = upload(anna, live, zip_tree(src))
    assert f"activated release {later}" in sync(rynek)
    assert [b.id for b in banners(rynek)] == [banner.id]

    page = anna.get(f"{live.url}/admin/alerts", timeout=10).text
    withdrawn = anna.post(
        f"{live.url}/admin/alerts/{banner.id.removeprefix('hub-')}/withdraw",
        data={"csrf": csrf_of(page)},
        allow_redirects=False,
        timeout=30,
    )
    final = int(withdrawn.headers["location"].rsplit("=", 1)[1])
    assert f"activated release {final}" in sync(rynek)
    assert banners(rynek) == []


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=lambda d: d.name)
def test_alerts_page_in_a_browser(env, live, chromium, device, sample_zip, anna, ewa):
    env.kiosk("rynek", name="Rynek", groups=["centrum"])
    env.kiosk("szkola", name="Szkoła Podstawowa", groups=["centrum", "szkoly"])
    env.kiosk("dworzec", name="Dworzec PKS")
    upload(ewa, live, sample_zip)
    post_alert(
        anna,
        live,
        severity="warning",
        text_pl="Utrudnienia w ruchu na moście do piątku.",
        valid_until=local(datetime.now(UTC) + timedelta(days=3)),
    )
    with open_page(chromium, device, locale="pl-PL", timezone_id="Europe/Warsaw") as page:
        page.goto(f"{live.url}/admin/alerts")
        page.fill("#username", "anna")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live.url}/admin/alerts")
        page.fill("#text_pl", "")
        page.fill("#valid_until", local(datetime.now(UTC) - timedelta(days=1)))
        page.click("text=Opublikuj komunikat")
        page.wait_for_selector(".flash.error")
        assert page.locator("#text_pl-error").inner_text() == "Tekst po polsku jest wymagany."
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"alerts-problems-{device.name}")

        page.check("input[value=danger]")
        page.fill("#text_pl", "Ostrzeżenie IMGW: silny wiatr do 90 km/h, nie parkuj pod drzewami.")
        page.click("summary")
        page.fill("#text_uk", "Попередження: сильний вітер до 90 км/год.")
        page.fill("#valid_until", local(datetime.now(UTC) + timedelta(hours=12)))
        page.check("input[value=centrum]")
        page.click("text=Opublikuj komunikat")
        page.wait_for_selector("text=Komunikat opublikowano w wydaniu 3.")
        assert page.locator("table.alerts tbody tr").count() == 2
        if device is PHONE:
            assert page.locator("table.stack thead").is_hidden()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"alerts-{device.name}")
    content = content_of(env, 3)
    assert {a.severity for a in hub_alerts(content)} == {"warning", "danger"}
    assert [a.groups for a in hub_alerts(content) if a.severity == "danger"] == [["centrum"]]
