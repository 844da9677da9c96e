"""The attract loop's playlist: part of the content, validated, built, filtered, cycled."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.appliance.attract import Invitation, Playlist, Slide, should_start, slides_for
from kiosk.content.release import load_release
from kiosk_core.content.build import build_release
from kiosk_core.content.problems import ContentError
from kiosk_core.content.source import load_source
from tests.conftest import SAMPLE_CONTENT, tiny_png

VIDEO = SAMPLE_CONTENT / "media" / "attract" / "zima.mp4"
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)

ATTRACT = """\
- image: media/attract/welcome.png
  duration: 5
- video: media/attract/clip.mp4
- image: media/attract/festival.png
  valid_until: 2026-08-31T00:00:00+02:00
- image: media/attract/welcome.png
  groups: [dworzec]
"""


@pytest.fixture
def with_attract(source: Path) -> Path:
    folder = source / "media" / "attract"
    folder.mkdir(parents=True)
    (folder / "welcome.png").write_bytes(tiny_png((10, 90, 40)))
    (folder / "festival.png").write_bytes(tiny_png((200, 160, 20)))
    shutil.copyfile(VIDEO, folder / "clip.mp4")
    (source / "attract.yaml").write_text(ATTRACT, encoding="utf-8")
    return source


def test_the_playlist_is_content_and_its_media_go_into_the_release(
    with_attract: Path, tmp_path: Path
) -> None:
    items = load_source(with_attract).content.attract
    assert [(i.image, i.video, i.duration) for i in items][:2] == [
        ("media/attract/welcome.png", None, 5.0),
        (None, "media/attract/clip.mp4", None),
    ]
    manifest = build_release(with_attract, tmp_path / "out")
    names = {f.path for f in manifest.files}
    release = load_release(tmp_path / "out")
    video_ref = release.content.attract[1].video
    assert video_ref.startswith("media/") and video_ref.endswith(".mp4") and video_ref in names
    assert (tmp_path / "out" / video_ref).read_bytes() == VIDEO.read_bytes()


def test_content_without_a_playlist_builds_the_same_document_as_before(
    source: Path, tmp_path: Path
) -> None:
    build_release(source, tmp_path / "out")
    document = json.loads((tmp_path / "out" / "content.json").read_bytes())
    assert "attract" not in document
    assert load_release(tmp_path / "out").content.attract == []


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("- image: media/attract/clip.mp4", "not a supported file type (use .jpeg, .jpg, .png)"),
        ("- video: media/attract/welcome.png", "not a supported file type (use .mkv, .mp4, .webm)"),
        ("- video: media/attract/missing.webm", "does not exist"),
        ("- {image: media/attract/welcome.png, video: media/attract/clip.mp4}", "either a video"),
        ("- {image: media/attract/welcome.png, duration: 0}", "duration"),
        ("- {image: media/attract/welcome.png, sound: true}", "unknown field"),
    ],
)
def test_bad_playlist_entries_are_clear_errors(
    with_attract: Path, entry: str, message: str
) -> None:
    (with_attract / "attract.yaml").write_text(entry + "\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_source(with_attract)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "attract.yaml:1" in text and message in text


def test_slides_for_one_kiosk_now(with_attract: Path, tmp_path: Path) -> None:
    build_release(with_attract, tmp_path / "out")
    release = load_release(tmp_path / "out")
    slides = slides_for(release.content.attract, release.media_path, "rynek", frozenset(), NOW)
    assert [(s.kind, s.duration) for s in slides] == [("image", 5.0), ("video", None)]
    assert all(s.path.is_file() for s in slides)
    at_station = slides_for(
        release.content.attract, release.media_path, "dworzec", frozenset({"dworzec"}), NOW
    )
    assert [(s.kind, s.duration) for s in at_station][-1] == ("image", 8.0)  # default duration


def test_playlist_cycles_and_leaves_out_what_cannot_play() -> None:
    a, v, b = (
        Slide("image", Path("a.png"), 5),
        Slide("video", Path("v.mp4"), None),
        Slide("image", Path("b.png"), 5),
    )
    playlist = Playlist([a, v, b], videos=True)
    assert [playlist.next() for _ in range(4)] == [a, v, b, a]
    playlist.drop(v)
    assert [playlist.next() for _ in range(3)] == [b, a, b]
    images_only = Playlist([a, v, b], videos=False)
    assert images_only.skipped == 1 and [images_only.next() for _ in range(3)] == [a, b, a]
    empty = Playlist([v], videos=False)
    assert not empty and empty.next() is None


def test_it_starts_only_at_rest_after_the_delay_with_the_display_on() -> None:
    assert should_start(True, 30, 30, True)
    assert not should_start(True, 29, 30, True)
    assert not should_start(False, 99, 30, True)
    assert not should_start(True, 99, 30, False)


def test_the_sample_content_has_a_playlist_with_a_video() -> None:
    items = load_source(SAMPLE_CONTENT).content.attract
    assert any(i.video for i in items) and any(i.image for i in items)
    assert VIDEO.stat().st_size < 300_000


def test_the_invitation_takes_each_language_in_turn() -> None:
    invitation = Invitation(["pl", "en", "uk"])
    assert [invitation.next() for _ in range(5)] == ["pl", "en", "uk", "pl", "en"]
    assert Invitation([]).next() is None
