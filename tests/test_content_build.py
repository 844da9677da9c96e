"""`kiosk content build`: a complete, reproducible release or nothing at all."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk_core.content.build import build_release
from kiosk_core.content.manifest import Manifest
from kiosk_core.content.problems import ContentError
from kiosk_core.validation import validate_json


def build(src: Path, out: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["content", "build", str(src), str(out), *args])
    return result.exit_code, result.output


def test_release_has_content_media_and_a_true_manifest(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "release"
    code, output = build(source, out, "--version", "7")
    assert code == 0, output
    assert f"Built release 7 in {out}" in output
    manifest = validate_json(Manifest, (out / "manifest.json").read_bytes())
    assert manifest.version == 7
    listed = {f.path for f in manifest.files}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == listed | {"manifest.json"}
    for entry in manifest.files:
        data = (out / entry.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry.sha256
        assert len(data) == entry.size
    content = json.loads((out / "content.json").read_text(encoding="utf-8"))
    logo = content["settings"]["logo"]
    logo_bytes = (source / "media" / "logo.png").read_bytes()
    assert logo == f"media/{hashlib.sha256(logo_bytes).hexdigest()}.png"
    assert content["services"][0]["title"]["de"] == "Personalausweis"
    # times written without an offset are read in the kiosk's zone (CET in December)
    koncert = next(e for e in content["events"] if e["id"] == "koncert")
    assert koncert["start"] == "2026-12-20T18:00:00+01:00"


def test_same_source_same_files_and_hashes(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")
    build_release(source, tmp_path / "a")
    build_release(source, tmp_path / "b")
    for name in ("manifest.json", "content.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    c = build_release(source, tmp_path / "c")
    a = validate_json(Manifest, (tmp_path / "a" / "manifest.json").read_bytes())
    assert a.files == c.files


def test_failed_build_writes_nothing_and_keeps_the_old_release(
    source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "release"
    build_release(source, out, version=1)
    before = (out / "manifest.json").read_bytes()
    (source / "media" / "logo.png").unlink()
    code, output = build(source, out, "--version", "2")
    assert code == 1
    assert "nothing was built" in output
    assert (out / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release", "src"]


def test_rebuild_replaces_the_release(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "release"
    build_release(source, out, version=1)
    path = source / "services" / "documents.yaml"
    path.write_text(path.read_text().replace("Dowód osobisty", "Dowód osobisty (e-dowód)"))
    build_release(source, out, version=2)
    content = (out / "content.json").read_text(encoding="utf-8")
    assert "e-dowód" in content
    assert validate_json(Manifest, (out / "manifest.json").read_bytes()).version == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release", "src"]


def test_refuses_to_overwrite_a_folder_that_is_not_a_release(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "budget.xlsx").write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        build_release(source, out)
    assert (out / "budget.xlsx").read_bytes() == b"precious"


def test_invalid_source_raises_with_problems(source: Path, tmp_path: Path) -> None:
    (source / "settings.yaml").write_text("municipality: [", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        build_release(source, tmp_path / "out")
    assert info.value.problems[0].file == "settings.yaml"
    assert not (tmp_path / "out").exists()


def events_of(out: Path) -> dict[str, tuple[str, str | None]]:
    content = json.loads((out / "content.json").read_text(encoding="utf-8"))
    return {e["id"]: (e["start"], e.get("end")) for e in content["events"]}


def test_a_sample_is_moved_to_the_weeks_around_its_build_and_a_town_never(
    source: Path, tmp_path: Path
) -> None:
    """The sample's calendar is never empty weeks after it was written: each event moves by
    whole weeks (weekday and local time kept, across a change to summer time too)."""
    april = "2027-04-06T09:00:00+02:00"
    code, output = build(source, tmp_path / "town", "--created", april)
    assert code == 0 and "Sample" not in output
    as_written = events_of(tmp_path / "town")  # a town's content: as written
    assert as_written["koncert"] == ("2026-12-20T18:00:00+01:00", "2026-12-20T20:00:00+01:00")

    (source / "sample.yaml").write_text("dates_written_for: 2026-12-12\n", encoding="utf-8")
    code, output = build(source, tmp_path / "sample", "--created", april)
    assert code == 0, output
    # Tuesday 6 April 2027: 17 weeks on, Saturday 12 December falls on Saturday 10 April
    assert "moved 17 weeks on (those of 2026-12-12 are on 2027-04-10)" in output
    moved = events_of(tmp_path / "sample")
    assert moved["koncert"] == ("2027-04-18T18:00:00+02:00", "2027-04-18T20:00:00+02:00")
    assert moved["jarmark"] == ("2027-04-10", "2027-04-11")  # all day, still a weekend

    build_release(source, tmp_path / "plain")  # only a build asked to moves them
    assert events_of(tmp_path / "plain") == as_written
    same_week = datetime(2026, 12, 12, 9, tzinfo=UTC)
    build_release(source, tmp_path / "same-week", created=same_week, sample_dates=True)
    assert events_of(tmp_path / "same-week") == as_written

    (source / "sample.yaml").write_text("dates_written_for: soon\n", encoding="utf-8")
    code, output = build(source, tmp_path / "bad")
    assert code == 1
    assert "sample.yaml:1: dates_written_for: must be a date (2026-11-21)" in output
