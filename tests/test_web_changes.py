"""The "what will change" page and the release history's summaries, over HTTP to a real hub
under uvicorn, with headless Chromium where a clerk would click.

A clerk reads what publishing would change before anything is published: the shared draft
against the live release, field by field with the old and new text and who each item reaches;
an uploaded tree the same way, warned first when it would remove items, and published only
once confirmed. Every release then keeps what it changed, which the history says in words
and which tells the hub's alert releases from content releases.
"""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
import requests
import yaml
from sqlalchemy import func, select, update

from hub.content import alerts, draft, releases, staging
from hub.db import releases as releases_table
from kiosk_core.content.build import build_release
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.hubtools import REPO, Clock, HubEnv, LiveServer
from tests.webtools import csrf_of, form_fields, review_upload, sign_in, upload_content

SAMPLE = REPO / "content"
PASSWORD = "anna-Hasło-2026!"
CHANGES = "/admin/releases/changes"
UPLOAD_PUBLISH = "/admin/releases/upload/publish"
CARD, OTHER_CARD, GONE_EVENT = "dowod-osobisty", "utrata-dowodu", "sylwester"


@pytest.fixture
def env(tmp_path: Path):
    env = HubEnv.create(tmp_path / "hub")
    env.hub.clock = Clock()
    env.user("anna", "editor", password=PASSWORD, display_name="Anna Nowak")
    env.user("iryna", "editor", password=PASSWORD, display_name="Iryna Kowal", lang="uk")
    env.user("ewa", "admin", password=PASSWORD, display_name="Ewa Kowalska")
    env.kiosk("rynek", name="Rynek", groups=["centrum"])
    env.kiosk("lipowa", name="Lipowa", groups=["wsie"])
    env.kiosk("debowa", name="Dębowa", groups=["wsie"])
    build_release(SAMPLE, tmp_path / "release")
    assert env.publish_release(tmp_path / "release") == 1  # as `kiosk-hub publish` does
    yield env
    env.hub.close()


@pytest.fixture
def live(env):
    with LiveServer(env.app) as server:
        yield server


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def versions(env: HubEnv) -> int:
    with env.hub.transaction(write=False) as conn:
        return conn.scalar(select(func.count()).select_from(releases_table)) or 0


def live_content(env: HubEnv) -> bytes:
    with env.hub.transaction(write=False) as conn:
        release = releases.latest(conn)
    assert release is not None
    return env.hub.blobs.read(release.content_sha256)


def sign_in_page(page, url: str, path: str, username: str = "anna") -> None:
    page.goto(f"{url}{path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}{path}*")


def edit_the_draft(env: HubEnv) -> tuple[dict, dict]:
    """Two cards changed (one for the villages' kiosks only), an event added, one deleted;
    returns the two cards as they were."""
    hub = env.hub
    with draft.editing(hub) as conn:
        card = draft.get_item(conn, "service", CARD)
        hours = {"pl": "pn–pt 7:30–15:30", "de": "Mo–Fr 7:30–15:30"}
        data = {**card.data, "opening_hours": hours, "groups": ["wsie"]}
        draft.save(conn, "service", CARD, data, card.revision, "Anna", hub.now())
        other = draft.get_item(conn, "service", OTHER_CARD)
        data = {**other.data, "fees": {**other.data["fees"], "pl": "140 zł"}}
        draft.save(conn, "service", OTHER_CARD, data, other.revision, "Anna", hub.now())
        event = {"id": "kino-letnie", "title": {"pl": "Kino letnie"}, "start": "2027-07-03"}
        draft.save(conn, "event", "kino-letnie", {**event, "all_day": True}, 0, "Anna", hub.now())
        gone = draft.get_item(conn, "event", GONE_EVENT)
        draft.delete_item(conn, "event", GONE_EVENT, gone.revision, "Anna", hub.now())
    return card.data, other.data


def test_the_draft_is_shown_field_by_field_before_it_is_published(env, live, chromium) -> None:
    before, other_before = edit_the_draft(env)
    fees = other_before["fees"]["pl"]
    with open_page(chromium, DESKTOP, locale="pl-PL") as page:
        sign_in_page(page, live.url, "/admin/releases")
        page.click("text=Przejrzyj zmiany i opublikuj wersję roboczą")
        page.wait_for_url(f"{live.url}{CHANGES}")
        card = page.locator(".card.change", has_text=before["title"]["pl"])
        rows = {
            r.locator("th").inner_text(): (
                r.locator("td.old").inner_text(),
                r.locator("td.new").inner_text(),
            )
            for r in card.locator("tbody tr").all()
        }
        assert rows["Godziny otwarcia (niemiecki)"] == ("(puste)", "Mo–Fr 7:30–15:30")
        assert rows["Godziny otwarcia (polski)"] == ("(puste)", "pn–pt 7:30–15:30")
        assert rows["Tylko w grupach kiosków"] == ("(puste)", "wsie")
        assert len(rows) == 3  # nothing else of the card changes
        assert card.locator("p.reach").inner_text() == (
            "Widoczne na: Wszystkie kioski → Grupy: wsie (2 kioski)"
        )
        other = page.locator(".card.change", has_text="Opłaty (polski)")
        assert other.locator("tbody tr").all_inner_texts() == [f"Opłaty (polski)\t{fees}\t140 zł"]
        removal = page.locator("#removed")
        assert removal.locator("h2").inner_text() == (
            "Opublikowanie wersji roboczej usunęłoby 1 wydarzenie:"
        )
        assert "Sylwester" in removal.inner_text()
        assert page.locator("p.changes-line").inner_text() == (
            "Zmieniono 2 karty usług, dodano 1 wydarzenie, usunięto 1 wydarzenie."
        )
        assert versions(env) == 1  # reading it publishes nothing
        screenshot(page, "changes-draft-desktop")
        with open_page(chromium, PHONE, locale="pl-PL") as phone:
            sign_in_page(phone, live.url, CHANGES)
            phone.wait_for_selector("#removed")
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
            screenshot(phone, "changes-draft-phone")

        page.fill("#note", "Godziny dowodów, kino letnie")
        page.click("text=Opublikuj wersję roboczą")
        page.wait_for_selector("text=Wydanie 2 zostało opublikowane.")
        row = page.locator("table.releases tr", has_text="Wydanie 2")
        assert row.locator(".badge.kind-content").inner_text() == "Treści"
        assert row.locator(".release-changes").inner_text() == (
            "Zmieniono 2 karty usług, dodano 1 wydarzenie, usunięto 1 wydarzenie"
        )
        assert "Godziny dowodów, kino letnie" in row.inner_text()
    published = live_content(env).decode()
    assert "Mo–Fr 7:30–15:30" in published and "kino-letnie" in published
    assert '"id":"sylwester"' not in published


def test_the_history_tells_alert_releases_from_content_releases(env, live, chromium) -> None:
    """Every way of publishing records what it changed (the command line's release 1, the
    draft, an alert, a rollback); a release from before the hub recorded it shows nothing
    more; the words are plural the way each language needs."""
    edit_the_draft(env)
    with env.hub.transaction() as conn:  # release 1 as a hub before schema 8 left it
        conn.execute(update(releases_table).values(summary=None))
    anna = sign_in(live.url, "anna", PASSWORD)
    page = anna.get(f"{live.url}{CHANGES}", timeout=30)
    fields = form_fields(page.text, "/admin/releases/publish-draft")
    published = anna.post(
        f"{live.url}/admin/releases/publish-draft", data=fields, allow_redirects=False
    )
    assert published.status_code == 303, published.text
    hub = env.hub
    with hub.transaction() as conn:
        warning = alerts.AlertDraft(
            "danger", {"pl": "Awaria wodociągu"}, hub.now() + timedelta(hours=5), groups=["wsie"]
        )
        alerts.create(conn, warning, hub.now(), "Anna")
        assert releases.republish(conn, hub.blobs, hub.now(), "Anna").version == 3
        assert releases.activate(conn, hub.blobs, 1, hub.now(), "Ewa", may_route=True).version == 4
        stored = {r.version: r.changes for r in releases.list_releases(conn)}
    assert stored[1] is None
    assert stored[2] == {
        "kinds": {
            "service": {"added": 0, "changed": 2, "removed": 0},
            "event": {"added": 1, "changed": 0, "removed": 1},
        },
        "alerts_only": False,
        "against": 1,
    }
    assert stored[3] == {
        "kinds": {"alert": {"added": 1, "changed": 0, "removed": 0}},
        "alerts_only": True,
        "against": 2,
    }
    assert stored[4] is not None and stored[4]["against"] == 3 and not stored[4]["alerts_only"]

    html = anna.get(f"{live.url}/admin/releases", timeout=10).text
    rows = {
        int(n): row
        for row in re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S)
        for n in re.findall(r"<strong>Wydanie (\d+)</strong>", row)
    }
    assert "Tylko komunikaty" in rows[3] and "Dodano 1 komunikat" in text_of(rows[3])
    assert "Tylko komunikaty" not in rows[2] and "kind-content" in rows[2]
    assert "release-changes" not in rows[1] and "kind-" not in rows[1]
    # Back to release 1: release 2's changes undone (the hub's alert stays on the air).
    assert "Zmieniono 2 karty usług, dodano 1 wydarzenie, usunięto 1 wydarzenie" in text_of(rows[4])
    iryna = sign_in(live.url, "iryna", PASSWORD).get(f"{live.url}/admin/releases", timeout=10)
    words = text_of(iryna.text)
    assert "Змінено 2 картки послуг, додано 1 подію, видалено 1 подію" in words
    assert "Лише повідомлення Додано 1 повідомлення" in words
    with open_page(chromium, DESKTOP, locale="pl-PL") as page:
        sign_in_page(page, live.url, "/admin/releases")
        screenshot(page, "releases-summaries-desktop")


def without(src: Path, file: str, ids: set[str]) -> list[str]:
    """Take the items with these ids out of a YAML file of the tree; returns their titles."""
    path = src / file
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    titles = [i["title"]["pl"] for i in items if i["id"] in ids]
    kept = [i for i in items if i["id"] not in ids]
    path.write_text(yaml.safe_dump(kept, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return titles


@pytest.fixture
def smaller_tree(tmp_path: Path) -> tuple[Path, list[str]]:
    """The sample without two service cards and one event, as an old copy of the folder."""
    src = tmp_path / "old" / "content"
    shutil.copytree(SAMPLE, src)
    titles = without(src, "services/dokumenty.yaml", {CARD, OTHER_CARD})
    titles += without(src, "events/2026-2027-zima.yaml", {GONE_EVENT})
    return src, titles


def zipped(src: Path, out: Path) -> Path:
    return Path(shutil.make_archive(str(out), "zip", src.parent, src.name))


def test_an_upload_that_would_remove_items_warns_and_waits_for_a_confirmation(
    env, live, chromium, smaller_tree, tmp_path: Path
) -> None:
    src, titles = smaller_tree
    archive = zipped(src, tmp_path / "old-copy")
    staged = env.hub.settings.data_dir / staging.STAGING_DIR
    with open_page(chromium, DESKTOP, locale="pl-PL") as page:
        sign_in_page(page, live.url, "/admin/releases")
        page.set_input_files("#archive", str(archive))
        page.click("text=Sprawdź i pokaż zmiany")
        page.wait_for_url(f"{live.url}{CHANGES}?upload=*")
        removal = page.locator("#removed")
        assert removal.locator("h2").inner_text() == (
            "Opublikowanie tego archiwum usunęłoby 2 karty usług i 1 wydarzenie:"
        )
        for title in titles:
            assert title in removal.inner_text()
        assert "Wysłany plik: old-copy.zip" in page.locator("main").inner_text()
        assert versions(env) == 1 and len(list(staged.glob("*.json"))) == 1
        screenshot(page, "changes-upload-desktop")
        upload_url = page.url
        with open_page(chromium, PHONE, locale="pl-PL") as phone:
            sign_in_page(phone, live.url, upload_url.removeprefix(live.url))
            phone.wait_for_selector("#removed")
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
            screenshot(phone, "changes-upload-phone")

        page.click("text=Anuluj: nie publikuj")
        page.wait_for_selector("text=Wysłane treści nie zostały opublikowane.")
        assert versions(env) == 1 and not list(staged.glob("*.json"))
        page.goto(upload_url)  # gone once cancelled
        assert "nie czekają już na publikację" in page.locator("main").inner_text()

        page.goto(f"{live.url}/admin/releases")
        page.set_input_files("#archive", str(archive))
        page.click("text=Sprawdź i pokaż zmiany")
        page.wait_for_url(f"{live.url}{CHANGES}?upload=*")
        page.fill("#note", "Stara kopia folderu")
        page.click("text=Opublikuj wysłane treści")
        page.wait_for_selector("text=Wydanie 2 zostało opublikowane.")
    build_release(src, tmp_path / "built")
    assert live_content(env) == (tmp_path / "built" / "content.json").read_bytes()
    with env.hub.transaction(write=False) as conn:
        release = releases.latest(conn)
    assert release is not None and release.note == "Stara kopia folderu"
    assert release.changes is not None
    assert release.changes["kinds"] == {
        "service": {"added": 0, "changed": 0, "removed": 2},
        "event": {"added": 0, "changed": 0, "removed": 1},
    }
    assert not list(staged.glob("*.json"))


def test_a_waiting_upload_is_its_uploaders_and_never_published_from_a_stale_page(
    env, live, smaller_tree, tmp_path: Path
) -> None:
    src, _titles = smaller_tree
    data = zipped(src, tmp_path / "old-copy").read_bytes()
    anna = sign_in(live.url, "anna", PASSWORD)
    answer = review_upload(anna, live.url, data)
    assert answer.status_code == 303
    review = answer.headers["location"]
    token = review.split("upload=", 1)[1]

    # Only Anna may see or publish it; without the page's own token nobody may.
    iryna = sign_in(live.url, "iryna", PASSWORD)
    assert iryna.get(f"{live.url}{review}", timeout=10).status_code == 404
    theirs = {"csrf": csrf_of(iryna.get(f"{live.url}/admin/releases").text), "upload": token}
    stolen = iryna.post(f"{live.url}{UPLOAD_PUBLISH}", data=theirs, allow_redirects=False)
    assert stolen.status_code == 404
    page = anna.get(f"{live.url}{review}", timeout=30)
    fields = form_fields(page.text, UPLOAD_PUBLISH)
    forged = anna.post(
        f"{live.url}{UPLOAD_PUBLISH}", data=fields | {"csrf": "x"}, allow_redirects=False
    )
    assert forged.status_code == 403
    assert versions(env) == 1

    # Ewa publishes meanwhile: Anna's page no longer says what would change; it is shown
    # again, and only a second confirmation publishes.
    other = tmp_path / "ewa" / "content"
    shutil.copytree(SAMPLE, other)
    (other / "media" / "logo.png").write_bytes((other / "media" / "map.png").read_bytes())
    ewa = sign_in(live.url, "ewa", PASSWORD)
    assert upload_content(ewa, live.url, zipped(other, tmp_path / "ewa").read_bytes()).ok
    assert versions(env) == 2
    stale = anna.post(f"{live.url}{UPLOAD_PUBLISH}", data=fields, allow_redirects=False)
    assert stale.status_code == 409
    assert "Treści zmieniły się, gdy czytałeś tę stronę" in text_of(stale.text)
    assert "W porównaniu z wydaniem 2" in text_of(stale.text)
    assert versions(env) == 2
    again = form_fields(stale.text, UPLOAD_PUBLISH)
    assert again["live"] == "2"
    done = anna.post(f"{live.url}{UPLOAD_PUBLISH}", data=again, allow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("version=3")

    # A waiting upload is forgotten after two hours.
    waiting = review_upload(anna, live.url, data).headers["location"]
    assert anna.get(f"{live.url}{waiting}", timeout=30).status_code == 200
    env.hub.clock.advance(hours=2, minutes=1)
    gone = anna.get(f"{live.url}{waiting}", timeout=10)
    assert gone.status_code == 404 and "dłużej niż dwie godziny" in text_of(gone.text)
    assert versions(env) == 3


def test_nothing_to_publish_is_said_and_offers_no_button(env, live, tmp_path: Path) -> None:
    anna = sign_in(live.url, "anna", PASSWORD)
    page = anna.get(f"{live.url}{CHANGES}", timeout=30)
    assert "Nic by się nie zmieniło: wersja robocza jest taka sama" in text_of(page.text)
    assert 'action="/admin/releases/publish-draft"' not in page.text
    tree = zipped(SAMPLE, tmp_path / "same").read_bytes()
    shown = anna.get(f"{live.url}{review_upload(anna, live.url, tree).headers['location']}")
    assert "Nic by się nie zmieniło: wysłane archiwum ma te same treści" in text_of(shown.text)
    assert UPLOAD_PUBLISH not in shown.text and "Anuluj: nie publikuj" in text_of(shown.text)
    assert requests.get(f"{live.url}{CHANGES}", allow_redirects=False).status_code == 303
    assert versions(env) == 1
