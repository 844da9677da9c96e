"""The content page: the zipped content folder uploaded, the history, rolling back.

A real hub under uvicorn on 127.0.0.1, an administrator (who may also set where reports go,
as a first release does; editors: tests/test_web_routing.py) signed in through the real
form, the bundled sample content zipped here from /work/main/content, kiosks fetching the
signed manifest with their own tokens, and headless Chromium for the screenshots.
"""

from __future__ import annotations

import http.client
import io
import re
import shutil
import struct
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from hub.content.releases import get_release, latest, republish
from hub.db import releases as releases_table
from kiosk_core.content.build import build_release
from kiosk_core.content.manifest import Manifest
from kiosk_core.content.model import Content
from kiosk_core.content.source import load_source
from kiosk_core.validation import validate_json
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.hubtools import REPO, HubEnv, LiveServer, bearer
from tests.webtools import csrf_of, post_form, sign_in, upload_content, zip_tree

SAMPLE = REPO / "content"
PASSWORD = "anna-Hasło-2026!"


def zipped(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def sample_zip() -> bytes:
    return zip_tree(SAMPLE)


@pytest.fixture(scope="module")
def other_logo_zip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The sample with another logo: a second release that changes something."""
    src = tmp_path_factory.mktemp("other") / "content"
    shutil.copytree(SAMPLE, src)
    (src / "media" / "logo.png").write_bytes((src / "media" / "map.png").read_bytes())
    return zip_tree(src)


@pytest.fixture
def env(tmp_path: Path):
    env = HubEnv.create(tmp_path / "hub")
    env.user("anna", "admin", password=PASSWORD, display_name="Anna Nowak")
    yield env
    env.hub.close()


@pytest.fixture
def live(env):
    with LiveServer(env.app) as server:
        yield server


@pytest.fixture
def anna(live) -> requests.Session:
    return sign_in(live.url, "anna", PASSWORD)


def release_count(env) -> int:
    with env.hub.transaction(write=False) as conn:
        return conn.scalar(select(func.count()).select_from(releases_table))


def problems_of(html: str) -> list[str]:
    block = re.search(r'<ul class="upload-problems">(.*?)</ul>', html, flags=re.S)
    assert block, "the page lists no problems"
    items = re.findall(r"<li>(.*?)</li>", block.group(1), flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def row_of(html: str, version: int) -> str:
    rows = re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S)
    [row] = [r for r in rows if f"<strong>Wydanie {version}</strong>" in r]
    return row


def test_the_sample_content_published_through_the_page_reaches_a_kiosk(
    env, live, anna, sample_zip
) -> None:
    assert len(sample_zip) > env.hub.settings.json_limit  # needs the upload's own limit
    answer = upload_content(anna, live.url, sample_zip)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/admin/releases?done=published&version=1"
    page = anna.get(f"{live.url}{answer.headers['location']}", timeout=10)
    assert "Wydanie 1 zostało opublikowane." in page.text
    row = row_of(page.text, 1)
    assert "Aktualne" in row and "Anna Nowak" in row

    token = env.kiosk_token("rynek")
    manifest_answer = requests.get(f"{live.url}/api/v1/manifest", headers=bearer(token), timeout=10)
    assert manifest_answer.status_code == 200
    assert manifest_answer.headers["Kiosk-Signature"].startswith("ed25519=")
    manifest = validate_json(Manifest, manifest_answer.content)
    assert manifest.version == 1
    entry = next(f for f in manifest.files if f.path == "content.json")
    blob = requests.get(f"{live.url}/api/v1/blobs/{entry.sha256}", timeout=10)
    content = validate_json(Content, blob.content)
    source = load_source(SAMPLE).content
    assert len(content.services) == len(source.services) > 0
    assert content.settings.municipality == source.settings.municipality
    for f in manifest.files:  # every file the kiosk will fetch is there, as announced
        got = requests.head(f"{live.url}/api/v1/blobs/{f.sha256}", timeout=10)
        assert got.status_code == 200 and int(got.headers["content-length"]) == f.size


def test_a_broken_tree_lists_every_problem_and_publishes_nothing(env, live, anna, tmp_path) -> None:
    src = tmp_path / "content"
    shutil.copytree(SAMPLE, src)
    settings = src / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    assert "lat: 50." in text
    settings.write_text(text.replace("lat: 50.", "lat: 250.", 1), encoding="utf-8")
    (src / "report_categories.yaml").unlink()
    answer = upload_content(anna, live.url, zip_tree(src))
    assert answer.status_code == 422
    assert "Treści nie zostały opublikowane" in answer.text
    assert "Wysłany plik: content.zip" in answer.text
    problems = problems_of(answer.text)
    line = 1 + next(i for i, t in enumerate(settings.read_text().splitlines()) if "lat: 250." in t)
    assert f"settings.yaml, wiersz {line}: Szerokość geograficzna: może wynosić najwyżej 90" in (
        problems
    )
    assert (
        "report_categories.yaml: w folderze treści nie ma takiego pliku; jest wymagany" in problems
    )
    assert release_count(env) == 0


@pytest.mark.parametrize(
    ("archive", "problem"),
    [
        (
            {"content/settings.yaml": b"x: 1\n", "../x.yaml": b"escape"},
            "../x.yaml: „..” jest niedozwolone: plik nie może wychodzić poza folder treści.",
        ),
        (
            {"content/settings.yaml": b"x: 1\n", "/tmp/x.yaml": b"escape"},
            "/tmp/x.yaml: Ścieżka bezwzględna jest w archiwum niedozwolona.",
        ),
        ("symlink", "content/media/logo.png: Dowiązania są w archiwum niedozwolone."),
        ("huge", "archiwum: Po rozpakowaniu archiwum zajęłoby ponad 2048 MB."),
        (b"Hello, this is a text file.", "archiwum: To nie jest archiwum .zip ani .tar.gz."),
    ],
    ids=["dotdot", "absolute", "symlink", "huge", "not-an-archive"],
)
def test_hostile_archives_are_refused_whole(env, live, anna, tmp_path, archive, problem) -> None:
    if archive == "symlink":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("content/settings.yaml", "x: 1\n")
            link = zipfile.ZipInfo("content/media/logo.png")
            link.create_system = 3
            link.external_attr = 0o120777 << 16
            z.writestr(link, "/etc/passwd")
        data = buf.getvalue()
    elif archive == "huge":
        # A tiny zip announcing a 3 GiB member: refused before a byte is unpacked.
        raw = bytearray(zipped({"content/settings.yaml": b"x: 1\n", "content/big.bin": b"0"}))
        at = raw.rfind(b"PK\x01\x02")
        struct.pack_into("<L", raw, at + 24, 3 * 1024**3)
        data = bytes(raw)
    elif isinstance(archive, dict):
        data = zipped(archive)
    else:
        data = archive
    answer = upload_content(anna, live.url, data)
    assert answer.status_code == 422
    assert problems_of(answer.text) == [problem]
    assert release_count(env) == 0
    assert not (Path("/tmp") / "x.yaml").exists()
    assert list(env.hub.blobs.tmp_dir.iterdir()) == []  # nothing left unpacked


def test_an_upload_over_the_limit_is_refused_before_it_is_read(tmp_path) -> None:
    env = HubEnv.create(tmp_path / "hub", blob_limit=2 * 1024 * 1024)
    env.user("anna", "editor", password=PASSWORD)
    try:
        with LiveServer(env.app) as live:
            session = sign_in(live.url, "anna", PASSWORD)
            # Only the headers are sent: the answer must come before any of the 3 MiB body.
            conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
            conn.putrequest("POST", "/admin/releases/upload")
            conn.putheader("Cookie", "; ".join(f"{c.name}={c.value}" for c in session.cookies))
            conn.putheader("Content-Type", "multipart/form-data; boundary=x")
            conn.putheader("Content-Length", str(3 * 1024 * 1024))
            conn.endheaders()
            answer = conn.getresponse()
            assert answer.status == 413
            assert "at most 2 MiB" in answer.read().decode()
            conn.close()
            assert release_count(env) == 0
    finally:
        env.hub.close()


def test_no_file_no_token_or_no_session_publishes_nothing(env, live, anna, sample_zip) -> None:
    empty = post_form(
        anna, f"{live.url}/admin/releases/upload", {}, page_url=f"{live.url}/admin/releases"
    )
    assert empty.status_code == 400 and "Wybierz archiwum do wysłania." in empty.text
    forged = anna.post(
        f"{live.url}/admin/releases/upload",
        data={"csrf": "forged"},
        files={"archive": ("content.zip", sample_zip, "application/zip")},
        allow_redirects=False,
        timeout=30,
    )
    assert forged.status_code == 403
    stranger = requests.post(
        f"{live.url}/admin/releases/upload",
        files={"archive": ("content.zip", sample_zip, "application/zip")},
        allow_redirects=False,
        timeout=30,
    )
    assert stranger.status_code == 303 and stranger.headers["location"].startswith("/login")
    assert release_count(env) == 0


def test_roll_back_asks_first_then_publishes_the_old_files_as_a_new_version(
    env, live, anna, sample_zip, other_logo_zip
) -> None:
    assert upload_content(anna, live.url, sample_zip).status_code == 303
    assert upload_content(anna, live.url, other_logo_zip).status_code == 303
    with env.hub.transaction(write=False) as conn:
        first, second = get_release(conn, 1), get_release(conn, 2)
    assert {f.sha256 for f in first.files} != {f.sha256 for f in second.files}

    history = anna.get(f"{live.url}/admin/releases", timeout=10).text
    assert 'href="/admin/releases/1/rollback"' in row_of(history, 1)
    assert "rollback" not in row_of(history, 2)  # the live one has no button

    confirm = anna.get(f"{live.url}/admin/releases/1/rollback", timeout=10)
    assert confirm.status_code == 200
    assert "Przywróć wydanie 1" in confirm.text and 'method="post"' in confirm.text
    assert release_count(env) == 2  # looking at the question changes nothing

    done = anna.post(
        f"{live.url}/admin/releases/1/rollback",
        data={"csrf": csrf_of(confirm.text)},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/admin/releases?done=rolledback&version=3&old=1"
    with env.hub.transaction(write=False) as conn:
        third = latest(conn)
    assert third.version == 3 and third.copy_of == 1 and third.published_by == "Anna Nowak"
    assert third.files == first.files
    manifest = requests.get(
        f"{live.url}/api/v1/manifest", headers=bearer(env.kiosk_token("rynek")), timeout=10
    )
    assert validate_json(Manifest, manifest.content).version == 3
    page = anna.get(f"{live.url}{done.headers['location']}", timeout=10).text
    assert "Wydanie 3 zostało opublikowane z plikami wydania 1." in page
    assert "kopia wydania 1" in row_of(page, 3)

    again = anna.get(f"{live.url}/admin/releases/3/rollback", timeout=10)
    assert again.status_code == 409 and "To wydanie jest już aktualne na kioskach." in again.text
    missing = anna.get(f"{live.url}/admin/releases/99/rollback", timeout=10)
    assert missing.status_code == 404 and "Nie ma takiego wydania." in missing.text
    forged = anna.post(
        f"{live.url}/admin/releases/1/rollback", data={"csrf": "x"}, allow_redirects=False
    )
    assert forged.status_code == 403 and release_count(env) == 3


def test_the_history_counts_kiosks_by_the_version_they_run(
    env, live, anna, sample_zip, other_logo_zip
) -> None:
    assert upload_content(anna, live.url, sample_zip).status_code == 303
    assert upload_content(anna, live.url, other_logo_zip).status_code == 303
    beats = {"rynek": 1, "dworzec": 2, "szkola": 2}
    for kiosk_id, version in beats.items():
        answer = requests.post(
            f"{live.url}/api/v1/heartbeat",
            json={"sent_at": datetime.now(UTC).isoformat(), "content_version": version},
            headers=bearer(env.kiosk_token(kiosk_id)),
            timeout=10,
        )
        assert answer.status_code == 200
    env.kiosk_token("nowy")  # registered, never heard from
    page = anna.get(f"{live.url}/admin/releases", timeout=10).text
    assert "1 kiosk" in row_of(page, 1)
    assert "2 kioski" in row_of(page, 2)
    assert "2 z 4 kiosków ma aktualne wydanie." in page
    assert "1 jeszcze nie zgłosił swoich treści." in page


def test_a_long_history_is_paged(env, live, anna, tmp_path) -> None:
    build_release(SAMPLE, tmp_path / "release")
    env.publish_release(tmp_path / "release")
    with env.hub.transaction() as conn:
        for _ in range(21):
            republish(conn, env.hub.blobs, env.hub.now(), "Ewa")
    first = anna.get(f"{live.url}/admin/releases", timeout=10).text
    assert "Wydanie 22" in first and "Wydanie 3<" in first and "Wydanie 2<" not in first
    assert "Strona 1 z 2" in first and 'href="?page=2"' in first
    second = anna.get(f"{live.url}/admin/releases?page=2", timeout=10).text
    assert "<strong>Wydanie 2</strong>" in second and "<strong>Wydanie 1</strong>" in second
    assert "Wydanie 3<" not in second and "Strona 2 z 2" in second
    beyond = anna.get(f"{live.url}/admin/releases?page=99", timeout=10).text
    assert "Strona 2 z 2" in beyond


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=lambda d: d.name)
def test_content_pages_in_a_browser(
    env, live, chromium, device, tmp_path, sample_zip, other_logo_zip
) -> None:
    broken = tmp_path / "content"
    shutil.copytree(SAMPLE, broken)
    (broken / "report_categories.yaml").unlink()
    events = broken / "events" / "2026-jesien.yaml"
    events.write_text(events.read_text(encoding="utf-8") + "\n- id: bez-tytulu\n", "utf-8")
    (tmp_path / "broken.zip").write_bytes(zip_tree(broken))
    (tmp_path / "good.zip").write_bytes(sample_zip)
    (tmp_path / "other.zip").write_bytes(other_logo_zip)
    with open_page(chromium, device, locale="pl-PL", timezone_id="Europe/Warsaw") as page:
        page.goto(f"{live.url}/admin/releases")
        page.fill("#username", "anna")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live.url}/admin/releases")
        page.set_input_files("#archive", str(tmp_path / "broken.zip"))
        page.click("text=Sprawdź i pokaż zmiany")
        page.wait_for_selector("ul.upload-problems")
        shown = page.locator("ul.upload-problems li").all_inner_texts()
        assert any("report_categories.yaml" in p for p in shown)
        assert any("events/2026-jesien.yaml" in p for p in shown)
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"releases-problems-{device.name}")

        for archive in ("good.zip", "other.zip"):
            page.set_input_files("#archive", str(tmp_path / archive))
            page.click("text=Sprawdź i pokaż zmiany")
            page.wait_for_url(f"{live.url}/admin/releases/changes?upload=*")
            page.click("text=Opublikuj wysłane treści")
            page.wait_for_selector(".flash.ok")
        page.wait_for_selector("text=Wydanie 2 zostało opublikowane.")
        if device is PHONE:
            assert page.locator("table.stack thead").is_hidden()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"releases-{device.name}")

        page.click("text=Przywróć to wydanie")
        page.wait_for_url(f"{live.url}/admin/releases/1/rollback")
        screenshot(page, f"releases-rollback-{device.name}")
        page.click("button:has-text('Przywróć wydanie 1')")
        page.wait_for_selector("text=Wydanie 3 zostało opublikowane z plikami wydania 1.")
    assert release_count(env) == 3
