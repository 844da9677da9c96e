"""The attract loop in the real app: it starts at rest, plays images and a real video
through libVLC, a touch stops it at once and starts a session; without libVLC, images only."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from kiosk.appliance.video import VlcStatus, vlc_status
from kiosk.infra.store import open_store
from kiosk.visit.touchstats import summary
from tests.conftest import SAMPLE_CONTENT, write_tree

ATTRACT = """\
- image: media/attract/hello.png
  duration: 3
- video: media/attract/zima.mp4
"""
"""The picture stays long enough to be seen on a busy machine (it once was 1 s, and a CI run
looked after the video had taken over)."""


def tree_with_attract(root: Path) -> Path:
    write_tree(root)
    folder = root / "media" / "attract"
    folder.mkdir(parents=True)
    image = Image.new("RGB", (960, 540), (31, 94, 52))
    ImageDraw.Draw(image).rectangle([380, 170, 580, 370], fill=(232, 184, 44))
    image.save(folder / "hello.png")
    shutil.copyfile(SAMPLE_CONTENT / "media" / "attract" / "zima.mp4", folder / "zima.mp4")
    (root / "attract.yaml").write_text(ATTRACT, encoding="utf-8")
    return root


def wait_for(ui, condition, seconds: float = 8.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        ui.frames(1)
        time.sleep(0.01)


@pytest.mark.skipif(not vlc_status().available, reason="no libVLC here")
def test_attract_loop_plays_at_rest_and_a_touch_stops_it(kiosk_app, tmp_path: Path) -> None:
    app, ui = kiosk_app(content=tree_with_attract(tmp_path / "src"))
    ui.advance(29)
    ui.wait(0.4)
    assert app.appliance.attract is None  # 30 s at rest by default
    ui.advance(2)
    ui.wait(0.4)
    attract = app.appliance.attract
    assert attract is not None and attract.kind == "image"
    shot = Image.open(ui.screenshot("attract-image")).convert("RGB")
    assert shot.getpixel((960, 540))[:3] == (232, 184, 44)
    wait_for(ui, lambda: attract.kind == "video" and attract.ids.video.uploaded >= 10)
    assert attract.ids.video.texture.size == (1280, 720)
    ui.screenshot("attract-video")
    # a touch on top of a tile: it only stops the loop, at once, and is a new session
    tile = app.screen("home").ids.search
    started = time.perf_counter()
    ui.tap(tile)
    assert app.appliance.attract is None
    assert time.perf_counter() - started < 1.0
    assert app.manager.current == "home"
    assert attract.kind == "" and attract.player.ended  # VLC stopped too
    ui.tap(tile)
    assert app.manager.current == "search"  # the next touch works as usual
    app._flush()
    stats = summary(open_store(tmp_path / "data"))
    assert sum(stats["sessions"].values()) == 1
    assert stats["touches_per_screen"]["attract"] == 1
    # after the next idle reset it plays again
    ui.advance(101)
    ui.wait(0.5)
    assert app.manager.current == "home" and app.appliance.attract is None
    ui.advance(31)
    ui.wait(0.4)
    assert app.appliance.attract is not None


def test_without_libvlc_the_images_play_and_the_log_says_why(
    kiosk_app, tmp_path: Path, monkeypatch, caplog
) -> None:
    import kiosk.appliance.video

    monkeypatch.setattr(
        kiosk.appliance.video,
        "vlc_status",
        lambda: VlcStatus(False, "libVLC could not be loaded (test)"),
    )
    app, ui = kiosk_app(content=tree_with_attract(tmp_path / "src"))
    ui.advance(31)
    ui.wait(0.4)
    attract = app.appliance.attract
    assert attract is not None and attract.player is None
    assert attract.playlist.skipped == 1
    # "touch the screen to start", in each of the kiosk's languages in turn
    invitation = attract.ids.invitation
    assert invitation.text == "Dotknij ekranu, aby rozpocząć" and invitation.texture_size[1] > 0
    ui.screenshot("attract-invitation")
    ui.wait_until(lambda: attract.invitation_lang == "en", "the invitation in English")
    assert invitation.text == "Touch the screen to start"
    ui.wait_until(lambda: attract.invitation_lang == "de", "the invitation in German")
    assert invitation.text == "Berühren Sie den Bildschirm, um zu beginnen"
    assert "videos are left out, images only: libVLC could not be loaded (test)" in caplog.text
    ui.wait(3.3)  # the three-second image comes round again, never a video
    assert attract.kind == "image" and attract.shown >= 2
    ui.tap_at(500, 500)
    assert app.appliance.attract is None


def test_content_without_a_playlist_never_starts_it(kiosk_app) -> None:
    app, ui = kiosk_app()
    ui.advance(300)
    ui.wait(0.4)
    assert app.appliance.attract is None
