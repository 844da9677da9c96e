"""`kiosk content check`: every problem reported with file, line and field."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk_core.content.problems import ContentError
from kiosk_core.content.source import load_source
from tests.conftest import SAMPLE_CONTENT


def check(src: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["content", "check", str(src)])
    return result.exit_code, result.output


def problems(src: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_source(src)
    return [str(p) for p in info.value.problems]


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_valid_tree_prints_one_summary_line(source: Path) -> None:
    code, out = check(source)
    assert code == 0
    assert out.strip().splitlines() == [
        "OK: 3 services, 2 events, 2 report categories, 0 panoramas, 1 alerts, "
        "languages: de, en, pl"
    ]


def test_bundled_sample_content_is_valid_and_rich() -> None:
    src = load_source(SAMPLE_CONTENT)
    c = src.content
    assert len(c.services) >= 30
    assert len({s.category for s in c.services}) >= 6
    assert len(c.events) >= 20
    assert len(c.report_categories) >= 8
    assert any(r.service_code == "idea" for r in c.report_categories)
    assert len(c.alerts) >= 1
    for card in c.services:
        assert {"pl", "en", "de"} <= set(card.title), card.id
        assert {"pl", "en", "de"} <= set(card.summary), card.id
    for event in c.events:
        assert {"pl", "en", "de"} <= set(event.title), event.id


def test_yaml_syntax_error_names_file_and_line(source: Path) -> None:
    append(source / "services" / "documents.yaml", "- id: x\n  title: [unclosed\n")
    found = problems(source)
    assert len(found) == 1
    assert found[0].startswith("services/documents.yaml:")
    assert "YAML syntax error" in found[0]
    line = int(found[0].split(":")[1])
    assert line >= 17


def test_unknown_field_is_a_typo_with_its_line(source: Path) -> None:
    path = source / "services" / "documents.yaml"
    path.write_text(path.read_text().replace("  link:", "  lnik:"), encoding="utf-8")
    assert problems(source) == [
        "services/documents.yaml:6: [0].lnik: unknown field; check its spelling"
    ]


def test_missing_polish_text(source: Path) -> None:
    path = source / "services" / "documents.yaml"
    path.write_text(
        path.read_text().replace(
            "{pl: Podatek od nieruchomości, en: Property tax}", "{en: Property tax}"
        ),
        encoding="utf-8",
    )
    found = problems(source)
    assert found == [
        "services/documents.yaml:14: [2].title: Polish text ('pl') is required and must "
        "not be empty"
    ]


def test_duplicate_ids_point_at_both(source: Path) -> None:
    append(
        source / "services" / "documents.yaml",
        "- id: dowod\n  category: podatki\n  title: Inny\n  summary: Inny\n",
    )
    found = problems(source)
    assert len(found) == 1
    assert "services/documents.yaml:16: [3].id: duplicate id 'dowod'" in found[0]
    assert "first used in services/documents.yaml:1" in found[0]


def test_duplicate_yaml_key(source: Path) -> None:
    append(source / "settings.yaml", "timezone: Europe/Berlin\n")
    found = problems(source)
    assert found == ["settings.yaml:11: timezone: this key appears twice in the same block"]


def test_event_ending_before_it_starts(source: Path) -> None:
    path = source / "events" / "2026.yaml"
    path.write_text(
        path.read_text().replace("end: 2026-12-20T20:00:00", "end: 2026-12-20T16:00:00"),
        encoding="utf-8",
    )
    found = problems(source)
    assert found == ["events/2026.yaml:1: [0]: the event ends before it starts"]


def test_an_end_with_an_offset_and_a_start_without_one_is_compared(source: Path) -> None:
    """Times written with and without a UTC offset are ordered, not a crash."""
    path = source / "events" / "2026.yaml"
    text = path.read_text()
    path.write_text(text.replace("end: 2026-12-20T20:00:00", "end: 2026-12-20T16:00:00+01:00"))
    assert problems(source) == ["events/2026.yaml:1: [0]: the event ends before it starts"]
    path.write_text(text.replace("end: 2026-12-20T20:00:00", "end: 2026-12-20T20:00:00+01:00"))
    event = load_source(source).content.events[0]
    assert event.end is not None and (event.end - event.start).total_seconds() == 2 * 3600


def test_unknown_category_reference(source: Path) -> None:
    path = source / "services" / "documents.yaml"
    path.write_text(
        path.read_text().replace("category: podatki", "category: podatek"), encoding="utf-8"
    )
    found = problems(source)
    assert found == [
        "services/documents.yaml:13: [2].category: unknown category 'podatek' "
        "(known: dokumenty, podatki)"
    ]


@pytest.mark.parametrize(
    ("logo", "expected"),
    [
        ("media/missing.png", "'media/missing.png' does not exist"),
        ("../../etc/passwd.png", "leaves the content folder"),
        ("/etc/passwd.png", "is an absolute path"),
        ("media/logo.exe", "is not a supported file type"),
    ],
)
def test_bad_media_paths(source: Path, logo: str, expected: str) -> None:
    path = source / "settings.yaml"
    path.write_text(path.read_text().replace("media/logo.png", logo), encoding="utf-8")
    found = problems(source)
    assert len(found) == 1
    assert found[0].startswith("settings.yaml:2: logo: ")
    assert expected in found[0]


def test_symlink_out_of_the_tree_is_refused(source: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for kiosks")
    (source / "media" / "logo.png").unlink()
    os.symlink(secret, source / "media" / "logo.png")
    found = problems(source)
    assert len(found) == 1
    assert "points outside the content folder" in found[0]


def test_oversized_media_file(source: Path) -> None:
    with open(source / "media" / "logo.png", "r+b") as fh:
        fh.truncate(26 * 1024 * 1024)  # sparse: costs no disk
    found = problems(source)
    assert len(found) == 1
    assert "more than the 26,214,400 allowed" in found[0]


def test_oversized_yaml_file(source: Path) -> None:
    with open(source / "events" / "2026.yaml", "a", encoding="utf-8") as fh:
        fh.write("#" * (6 * 1024 * 1024))
    found = problems(source)
    assert len(found) == 1
    assert found[0].startswith("events/2026.yaml: is 6,")


def test_invalid_utf8(source: Path) -> None:
    path = source / "report_categories.yaml"
    path.write_bytes(path.read_bytes().replace("świeci".encode(), b"\xb6wieci"))
    assert problems(source) == [
        "report_categories.yaml:2: is not valid UTF-8 text (save it as UTF-8 in your editor)"
    ]


def test_every_problem_is_listed_at_once_and_exit_is_nonzero(source: Path) -> None:
    append(source / "settings.yaml", "colour: blue\n")
    path = source / "report_categories.yaml"
    path.write_text(
        path.read_text().replace("komunalny@example.org", "komunalny"), encoding="utf-8"
    )
    (source / "media" / "logo.png").unlink()
    code, out = check(source)
    assert code == 1
    lines = out.strip().splitlines()
    assert lines[-1] == "3 problem(s) found; nothing was built."
    joined = "\n".join(lines)
    assert "settings.yaml:11: colour: unknown field" in joined
    assert "report_categories.yaml:5: [0].department_email:" in joined
    assert "settings.yaml:2: logo: 'media/logo.png' does not exist" in joined


def test_missing_required_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    found = problems(empty)
    assert "settings.yaml: is missing" in found
    assert "services/*.yaml: no such file; it is required" in found


def test_not_a_folder(tmp_path: Path) -> None:
    code, out = check(tmp_path / "nope")
    assert code == 1
    assert "is not a folder" in out
