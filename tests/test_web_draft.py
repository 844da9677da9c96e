"""The draft on the content page, over HTTP to a real hub under uvicorn: editors download the
current content as a source tree that builds the live release again, and publish the draft
with a note; other staff may do neither."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from hub.content import draft
from hub.content.releases import latest
from kiosk.cli import main as kiosk_cli
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.hubtools import REPO, HubEnv, LiveServer
from tests.webtools import form_fields, sign_in, upload_content, zip_tree

SAMPLE = REPO / "content"
PASSWORD = "anna-Hasło-2026!"
PAGE = "/admin/releases"
CHANGES = "/admin/releases/changes"
PUBLISH = "/admin/releases/publish-draft"


@pytest.fixture
def env(tmp_path: Path):
    env = HubEnv.create(tmp_path / "hub")
    env.user("anna", "editor", password=PASSWORD, display_name="Anna Nowak")
    env.user("ewa", "admin", password=PASSWORD, display_name="Ewa Kowalska")
    env.user("olek", "staff", password=PASSWORD, display_name="Olek Wiśniewski", lang="uk")
    env.user("iryna", "editor", password=PASSWORD, display_name="Iryna Kowal", lang="uk")
    yield env
    env.hub.close()


@pytest.fixture
def live(env):
    with LiveServer(env.app) as server:
        answer = upload_content(sign_in(server.url, "ewa", PASSWORD), server.url, zip_tree(SAMPLE))
        assert answer.status_code == 303, answer.text
        yield server


def live_content(env: HubEnv) -> bytes:
    with env.hub.transaction(write=False) as conn:
        release = latest(conn)
    assert release is not None
    return env.hub.blobs.read(release.content_sha256)


def test_the_downloaded_content_builds_the_live_release_again(env, live, tmp_path: Path) -> None:
    anna = sign_in(live.url, "anna", PASSWORD)
    page = anna.get(f"{live.url}{PAGE}", timeout=10)
    assert "Pobierz bieżące treści" in page.text
    link = "/admin/releases/current-content.zip"
    assert f'href="{link}"' in page.text

    answer = anna.get(f"{live.url}{link}", timeout=60)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert "attachment" in answer.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "unpacked")
    assert "content/settings.yaml" in names and "content/panoramas/walk.yaml" in names
    tree = tmp_path / "unpacked" / "content"
    out = tmp_path / "built"
    built = CliRunner().invoke(kiosk_cli, ["content", "build", str(tree), str(out)])
    assert built.exit_code == 0, built.output
    assert (out / "content.json").read_bytes() == live_content(env)


def test_staff_outside_the_content_team_may_neither_download_nor_publish(env, live) -> None:
    olek = sign_in(live.url, "olek", PASSWORD)
    answer = olek.get(f"{live.url}/admin/releases/current-content.zip", timeout=10)
    assert answer.status_code == 403
    assert "zip" not in answer.headers["content-type"]
    answer = olek.post(f"{live.url}/admin/releases/publish-draft", data={"note": "x"}, timeout=10)
    assert answer.status_code == 403
    anonymous = requests.get(
        f"{live.url}/admin/releases/current-content.zip", allow_redirects=False, timeout=10
    )
    assert anonymous.status_code in (303, 307) and "/login" in anonymous.headers["location"]
    assert latest_version(env) == 1


def latest_version(env: HubEnv) -> int:
    with env.hub.transaction(write=False) as conn:
        release = latest(conn)
    assert release is not None
    return release.version


def test_publishing_the_draft_with_a_note(env, live) -> None:
    hub = env.hub
    with draft.editing(hub) as conn:
        card = draft.get_item(conn, "service", "dowod-osobisty")
        changed = {**card.data, "opening_hours": {"pl": "pn–pt 7:30–15:30"}}
        draft.save(conn, "service", "dowod-osobisty", changed, card.revision, "Anna", hub.now())
    anna = sign_in(live.url, "anna", PASSWORD)

    answer = publish(anna, live.url, note="  Nowe godziny\n dowodów ")
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"{PAGE}?done=published&version=2"
    with hub.transaction(write=False) as conn:
        release = latest(conn)
    assert release is not None
    assert (release.note, release.published_by) == ("Nowe godziny dowodów", "Anna Nowak")
    assert "pn–pt 7:30–15:30" in hub.blobs.read(release.content_sha256).decode()
    page = anna.get(f"{live.url}{PAGE}", timeout=10)
    assert "Nowe godziny dowodów" in page.text

    nothing = anna.get(f"{live.url}{CHANGES}", timeout=10)
    assert "Nic by się nie zmieniło" in nothing.text and f'action="{PUBLISH}"' not in nothing.text
    with draft.editing(hub) as conn:
        card = draft.get_item(conn, "service", "dowod-osobisty")
        changed = {**card.data, "fees": {"pl": "bezpłatnie"}}
        draft.save(conn, "service", "dowod-osobisty", changed, card.revision, "Anna", hub.now())
    too_long = publish(anna, live.url, note="x" * 201)
    assert too_long.status_code == 422
    assert "x" * 201 in too_long.text  # what was typed is kept
    assert latest_version(env) == 2


def publish(session, url: str, **fields: str):
    """Publish the draft from the "what will change" page, as a clerk does."""
    page = session.get(f"{url}{CHANGES}", timeout=30)
    assert page.status_code == 200, page.text
    data = form_fields(page.text, PUBLISH) | fields
    return session.post(f"{url}{PUBLISH}", data=data, allow_redirects=False, timeout=60)


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=lambda d: d.name)
def test_the_content_page_offers_the_draft(env, live, chromium, device) -> None:
    with open_page(chromium, device, locale="uk-UA") as page:
        page.goto(f"{live.url}{PAGE}")
        page.fill("#username", "iryna")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live.url}{PAGE}*")
        page.wait_for_selector("text=Поточний вміст")
        assert page.locator("a[href='/admin/releases/current-content.zip']").is_visible()
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"releases-draft-{device.name}")


def test_a_draft_with_edits_asks_before_undoing_an_upload_made_since(
    env, live, chromium, tmp_path: Path
) -> None:
    """Anna edits the draft; Ewa then uploads a tree (release 2). Publishing the draft would
    undo Ewa's release: the page says so and publishes only once Anna ticks that she means it."""
    hub = env.hub
    with draft.editing(hub) as conn:
        card = draft.get_item(conn, "service", "dowod-osobisty")
        changed = {**card.data, "opening_hours": {"pl": "pn–pt 7:30–15:30"}}
        draft.save(conn, "service", "dowod-osobisty", changed, card.revision, "Anna", hub.now())
    ewa = sign_in(live.url, "ewa", PASSWORD)
    other = tmp_path / "content"
    shutil.copytree(SAMPLE, other)
    (other / "media" / "logo.png").write_bytes((other / "media" / "map.png").read_bytes())
    assert upload_content(ewa, live.url, zip_tree(other)).status_code == 303
    assert latest_version(env) == 2
    anna = sign_in(live.url, "anna", PASSWORD)
    warning = "Wydanie 2 opublikowano po tym, jak wersja robocza ostatnio przyjęła treści kiosków"

    assert warning in anna.get(f"{live.url}{PAGE}", timeout=10).text
    page = anna.get(f"{live.url}{CHANGES}", timeout=30)
    assert warning in page.text and 'name="undoing" value="2"' in page.text
    refused = publish(anna, live.url, note="godziny")
    assert refused.status_code == 409 and warning in refused.text
    assert latest_version(env) == 2

    with open_page(chromium, PHONE) as browser_page:
        browser_page.goto(f"{live.url}{CHANGES}")
        browser_page.fill("#username", "anna")
        browser_page.fill("#password", PASSWORD)
        browser_page.click("button[type=submit]")
        browser_page.wait_for_url(f"{live.url}{CHANGES}*")
        browser_page.wait_for_selector("input[name=undoing]")
        assert browser_page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(browser_page, "releases-draft-behind-phone")
        browser_page.check("input[name=undoing]")
        browser_page.click("form[action='/admin/releases/publish-draft'] button[type=submit]")
        browser_page.wait_for_url(f"{live.url}{PAGE}?done=published*")
    assert latest_version(env) == 3
    assert "pn–pt 7:30–15:30" in live_content(env).decode()
