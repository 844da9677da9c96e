"""A refused content upload explained on the releases page in the clerk's language.

A real hub under uvicorn on 127.0.0.1; a Polish administrator and a Ukrainian editor signed
in through the real form upload the sample content broken in every kind of field (the cases
of tests/test_problem_text.py), and odd or hostile archives. Each problem must name its file,
line and the field's label with a message in the page's language, never pydantic's or YAML's
English, and no upload may end in a server error. Headless Chromium shows one such page.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
import requests

from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.hubtools import HubEnv, LiveServer
from tests.test_problem_text import CASES, RAW, append
from tests.test_web_releases import SAMPLE, problems_of, release_count
from tests.webtools import sign_in, upload_content, zip_tree

PASSWORD = "anna-Hasło-2026!"
SYNTAX = "yaml-syntax"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    env = HubEnv.create(tmp_path_factory.mktemp("hub"))
    env.user("anna", "admin", password=PASSWORD, lang="pl")
    env.user("olena", "editor", password=PASSWORD, lang="uk")
    yield env
    env.hub.close()


@pytest.fixture(scope="module")
def live(env):
    with LiveServer(env.app) as server:
        yield server


@pytest.fixture(scope="module")
def clerks(live) -> dict[str, requests.Session]:
    return {"pl": sign_in(live.url, "anna", PASSWORD), "uk": sign_in(live.url, "olena", PASSWORD)}


def broken_zip(tmp_path: Path, names: list[str]) -> bytes:
    root = tmp_path / "content"
    shutil.copytree(SAMPLE, root)
    for name, _file, edit, _pl, _uk in CASES:
        if name in names:
            edit(root)
    return zip_tree(root)


def zipped(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory) -> bytes:
    """One tree with a bad value in every kind of field (their problems do not hide each
    other: each is in an item of its own)."""
    names = [c[0] for c in CASES if c[0] != SYNTAX]
    return broken_zip(tmp_path_factory.mktemp("every"), names)


@pytest.mark.parametrize("lang", ["pl", "uk"])
def test_every_kind_of_field_is_explained_in_the_page_language(
    env, live, clerks, every_kind, lang
) -> None:
    answer = upload_content(clerks[lang], live.url, every_kind)
    assert answer.status_code == 422
    shown = problems_of(answer.text)
    line = "wiersz" if lang == "pl" else "рядок"
    for name, file, _edit, pl, uk in CASES:
        if name == SYNTAX:
            continue
        expected = pl if lang == "pl" else uk
        matches = [s for s in shown if s.startswith(f"{file}, {line} ") and expected in s]
        assert matches, (name, expected, shown)
    assert not [s for s in shown if any(raw in s for raw in RAW)]
    assert release_count(env) == 0


@pytest.mark.parametrize("lang", ["pl", "uk"])
def test_a_yaml_syntax_error_says_where_and_what_to_check(live, clerks, tmp_path, lang) -> None:
    answer = upload_content(clerks[lang], live.url, broken_zip(tmp_path, [SYNTAX]))
    assert answer.status_code == 422
    [shown] = problems_of(answer.text)
    _name, file, _edit, pl, uk = next(c for c in CASES if c[0] == SYNTAX)
    lines = (SAMPLE / file).read_text(encoding="utf-8").count("\n") + 3
    where = f"{file}, wiersz {lines}: " if lang == "pl" else f"{file}, рядок {lines}: "
    assert shown == where + (pl if lang == "pl" else uk)


HUGE = "x" * 2_000_000


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda root: (root / "settings.yaml").write_text("- pl: Gmina\n- en: Town\n"),
            "settings.yaml, wiersz 1: plik musi zawierać pola, po jednym „nazwa: wartość” "
            "w wierszu, a nie listę pozycji",
        ),
        (
            lambda root: (root / "alerts.yaml").write_text("id: a\ntext: b\n"),
            "alerts.yaml, wiersz 1: plik musi być listą pozycji, każda zaczynająca się od „- ”",
        ),
        (
            append("alerts.yaml", f"- id: {HUGE}\n  text: x\n"),
            "alerts.yaml, wiersz 12: Identyfikator: tylko małe litery bez polskich znaków",
        ),
        (
            append("alerts.yaml", f"- id: a2\n  text: {HUGE}\n  severity: [1]\n"),
            "alerts.yaml, wiersz 14: Waga: „” nie jest jedną z możliwości: info, warning, danger",
        ),
        (
            append("alerts.yaml", "- id: a3\n  text: x\n  valid_from: 99999-01-01\n"),
            "alerts.yaml, wiersz 14: Wyświetlany od: „99999-01-01” nie jest poprawną datą",
        ),
        (
            append("alerts.yaml", "- id: a4\n  text: x\n  kiosks: " + "9" * 5000 + "\n"),
            "alerts.yaml, wiersz 14: Tylko w kioskach: ",
        ),
        (
            append("alerts.yaml", "- id: a5\n  text: {pl: x, xx: y}\n"),
            "alerts.yaml, wiersz 13: Treść komunikatu: „xx” nie jest jedną z możliwości: "
            "pl, en, de, cs, uk",
        ),
        (
            lambda root: (root / "event_categories.yaml").write_bytes(b"- id: \xff\xfe\n"),
            "event_categories.yaml, wiersz 1: plik nie jest zapisany jako tekst UTF-8",
        ),
    ],
    ids=[
        "settings-a-list",
        "alerts-a-mapping",
        "huge-id",
        "huge-text-and-a-list",
        "year-99999",
        "5000-digit-number",
        "unknown-language",
        "not-utf8",
    ],
)
def test_odd_trees_are_explained_never_a_server_error(
    env, live, clerks, tmp_path, edit, expected
) -> None:
    root = tmp_path / "content"
    shutil.copytree(SAMPLE, root)
    edit(root)
    answer = upload_content(clerks["pl"], live.url, zip_tree(root))
    assert answer.status_code == 422, answer.text[:2000]
    shown = problems_of(answer.text)
    assert [s for s in shown if s.startswith(expected)], shown
    assert not [s for s in shown if any(raw in s for raw in RAW)]
    assert max(len(s) for s in shown) < 1000  # a huge value is cut, not echoed whole
    assert release_count(env) == 0


@pytest.mark.parametrize(
    ("archive", "expected"),
    [
        (zipped({}), "settings.yaml: Nie ma go w archiwum. Spakuj folder treści"),
        (b"", "archiwum: Plik jest pusty."),
        (zipped({"content/settings.yaml": b""}), "service_categories.yaml"),
        (
            zipped({"settings.yaml": b"a: 1\n\x00\x01"}),
            "settings.yaml, wiersz 2: w tym miejscu plik zawiera znaki, które nie są tekstem",
        ),
    ],
    ids=["empty-zip", "empty-file", "empty-settings", "binary-settings"],
)
def test_odd_archives_are_explained_never_a_server_error(live, clerks, archive, expected) -> None:
    answer = upload_content(clerks["pl"], live.url, archive)
    assert answer.status_code in (400, 422), answer.text[:2000]
    shown = problems_of(answer.text)
    assert [s for s in shown if s.startswith(expected)], shown
    assert not [s for s in shown if any(raw in s for raw in RAW)]


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


@pytest.mark.parametrize(
    ("device", "lang"), [(DESKTOP, "uk"), (PHONE, "pl")], ids=["desktop-uk", "phone-pl"]
)
def test_the_problems_in_a_browser(live, chromium, every_kind, tmp_path, device, lang) -> None:
    (tmp_path / "broken.zip").write_bytes(every_kind)
    user, button = (
        ("olena", "Перевірити й показати зміни")
        if lang == "uk"
        else ("anna", "Sprawdź i pokaż zmiany")
    )
    with open_page(chromium, device) as page:
        page.goto(f"{live.url}/admin/releases")
        page.fill("#username", user)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live.url}/admin/releases")
        page.set_input_files("#archive", str(tmp_path / "broken.zip"))
        page.click(f"text={button}")
        page.wait_for_selector("ul.upload-problems")
        shown = page.locator("ul.upload-problems li").all_inner_texts()
        expected = "Початок: «2026-02-30»" if lang == "uk" else "Początek: „2026-02-30”"
        assert any(expected in s for s in shown), shown
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"content-problems-{device.name}-{lang}")
