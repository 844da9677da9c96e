"""The virtual walk in the real app and a real OpenGL window: the shader compiles and projects
like the plain-Python camera (read back from the framebuffer), drags turn the view, hotspots,
the strip and the map move between places, and everything is counted and reset."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from kiosk.walk.preload import Pixels
from kiosk.walk.projection import View, image_point
from tests.conftest import SAMPLE_CONTENT
from tests.kivy_driver import FakeClock

ENCODED = (1024, 512)
DAYTIME = datetime(2026, 11, 21, 11, 0, tzinfo=ZoneInfo("Europe/Warsaw")).timestamp()
"""A Saturday morning: the kiosk's display is on whatever its schedule says."""


def open_walk(ui):
    ui.tap(ui.button("Wirtualny spacer"))
    assert ui.app.manager.current == "walk"
    ui.wait(0.3)
    return ui.screen


def encoded_panorama() -> Image.Image:
    """An equirectangular image whose colour says where it is: red and green carry the
    longitude as a cosine and a sine (no jump at the 0°/360° join), blue the latitude."""
    w, h = ENCODED
    red = Image.new("L", (w, 1))
    green = Image.new("L", (w, 1))
    red.putdata([round(128 + 127 * math.cos(2 * math.pi * (x + 0.5) / w)) for x in range(w)])
    green.putdata([round(128 + 127 * math.sin(2 * math.pi * (x + 0.5) / w)) for x in range(w)])
    blue = Image.new("L", (1, h))
    blue.putdata([round(255 * (y + 0.5) / h) for y in range(h)])
    return Image.merge(
        "RGB",
        (red.resize((w, h)), green.resize((w, h)), blue.resize((w, h))),
    )


def as_textures(img: Image.Image, halves: bool):
    from kiosk.widgets.panorama import make_texture

    parts = [img]
    if halves:
        w, h = img.size
        parts = [img.crop((0, 0, w // 2, h)), img.crop((w // 2, 0, w, h))]
    return [make_texture(Pixels(p.width, p.height, p.convert("RGB").tobytes())) for p in parts]


def read_uv(view, x: float, y: float) -> tuple[float, float]:
    """The panorama position the GPU drew at view-local (x, y), decoded from the colour."""
    from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels

    wx, wy = view.to_window(view.x + x, view.y + y)
    r, g, b = glReadPixels(int(wx), int(wy), 1, 1, GL_RGB, GL_UNSIGNED_BYTE)[:3]
    u = (math.atan2(g - 128, r - 128) / (2 * math.pi)) % 1.0
    return u, b / 255


def circular(a: float, b: float) -> float:
    d = abs(a - b) % 1.0
    return min(d, 1 - d)


def bare(screen) -> None:
    """Only the panorama: overlays and markers out of the way, no idle turn."""
    screen.ids.overlay.opacity = 0
    screen.ids.markers.opacity = 0
    screen.view.stop()


@pytest.mark.parametrize("halves", [False, True])
def test_the_shader_compiles_and_projects_like_the_python_camera(kiosk_app, halves) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    view = screen.view
    assert view.shader_ok, "the projection shader did not compile in this GL context"
    bare(screen)
    view.show(as_textures(encoded_panorama(), halves))
    w, h = view.width, view.height
    points = [(w / 2, h / 2), (w * 0.2, h * 0.3), (w * 0.8, h * 0.75), (w * 0.5, h * 0.95)]
    for look in (View(0, 0, 75), View(90, 20, 60), View(-135, -30, 100), View(180, 0, 40)):
        view.look_at(look)
        ui.frames(2)
        for x, y in points:
            want_u, want_v = image_point(view.view, view.viewport, x + 0.5, y + 0.5)
            got_u, got_v = read_uv(view, x, y)
            assert circular(got_u, want_u) < 0.006, (look, x, y, got_u, want_u)
            assert abs(got_v - want_v) < 0.01, (look, x, y, got_v, want_v)
    # yaw 0 shows the image centre; yaw 90 a quarter to the right
    view.look_at(View(0, 0, 75))
    ui.frames(2)
    assert circular(read_uv(view, w / 2, h / 2)[0], 0.5) < 0.006
    view.look_at(View(90, 0, 75))
    ui.frames(2)
    assert circular(read_uv(view, w / 2, h / 2)[0], 0.75) < 0.006


def test_no_seam_at_the_join_and_the_poles_are_reached(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    view = screen.view
    bare(screen)
    view.show(as_textures(encoded_panorama(), halves=True))
    view.look_at(View(180, 0, 40))  # zoomed in on the join: ~12 screen pixels a texel
    ui.frames(2)
    cx, cy = view.width / 2, view.height / 2
    row = [read_uv(view, cx + dx, cy)[0] for dx in range(-60, 61, 2)]
    steps = [(b - a + 0.5) % 1.0 - 0.5 for a, b in zip(row, row[1:], strict=False)]
    assert all(-0.002 < s < 0.004 for s in steps), steps  # steady, no jump at the join
    assert circular(read_uv(view, cx, cy)[0], 0.0) < 0.006
    view.look_at(View(0, 90, 75))  # stopped at the limit: the top edge sees the zenith
    ui.frames(2)
    assert read_uv(view, cx, view.height - 1)[1] < 0.02
    view.look_at(View(0, -90, 75))
    ui.frames(2)
    assert read_uv(view, cx, 0)[1] > 0.98


def test_dragging_turns_the_view(kiosk_app) -> None:
    from kivy.tests.common import UnitTestTouch

    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    view = screen.view
    ui.screenshot("walk-landscape")
    before = view.view
    assert before.yaw == 0
    focal = before.focal(view.viewport)
    cx, cy = view.to_window(*view.center)
    touch = UnitTestTouch(cx, cy)
    touch.touch_down()
    for step in range(1, 11):
        touch.touch_move(cx - 30 * step, cy - 8 * step)
        ui.frames(1)
    ui.wait(0.2)  # the finger rests: no flick
    after = view.view
    assert after.yaw == pytest.approx(math.degrees(300 / focal), abs=0.2)
    assert after.pitch == pytest.approx(before.pitch + math.degrees(80 / focal), abs=0.2)
    touch.touch_up()
    ui.frames(2)
    assert not screen.hint  # the how-to hint goes once the visitor has touched
    assert ("touch", "walk") in {(m, k) for (_h, m, k) in app.counter.pending}
    ui.screenshot("walk-after-drag")


def test_a_hotspot_touch_walks_to_its_target_and_back_returns(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    assert screen.item_id == "rynek"
    views = {k for (_h, m, k) in app.counter.pending if m == "view"}
    assert "panorama:rynek" in views
    assert screen.preloader.wait("most", timeout=20) is not None  # a neighbour, decoded ahead
    spot = next(h for h in app.catalog.walk.node("rynek").hotspots if h.target == "most")
    screen.view.look_at(View(spot.yaw, spot.pitch + 6, 75))
    ui.frames(2)
    marker = next(m for m in screen._markers if m.caption == "Most na Białce")
    assert marker.opacity > 0
    ui.tap(marker)
    ui.wait(0.8)
    assert screen.item_id == "most"
    assert screen.heading == "Most na Białce"
    assert screen.view.blend == pytest.approx(1.0)
    assert [t.size for t in screen.view.textures] == [(2048, 2048), (2048, 2048)]
    node = app.catalog.walk.node("most")
    assert screen.view.view.yaw == pytest.approx(node.yaw)
    assert "panorama:most" in {k for (_h, m, k) in app.counter.pending if m == "view"}
    ui.screenshot("walk-most")
    ui.tap(ui.button("Wstecz"))
    ui.wait(0.8)
    assert app.manager.current == "walk" and screen.item_id == "rynek"
    ui.tap(ui.button("Wstecz"))
    assert app.manager.current == "home"


def test_an_info_hotspot_opens_a_note(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    screen.view.look_at(View(0, 6, 75))
    ui.frames(2)
    marker = next(m for m in screen._markers if m.kind == "info")
    assert marker.caption == "Ratusz" and marker.opacity > 0
    ui.tap(marker)
    card = screen._info
    assert card is not None and "1582" in card.text
    ui.screenshot("walk-info")
    ui.tap(ui.button("Zamknij", root=card))
    assert screen._info is None
    assert screen.item_id == "rynek"


def test_the_strip_and_the_map_jump_anywhere(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    thumb = next(t for t in ui.find("WalkThumb") if t.title == "Park Zdrojowy")
    ui.tap(thumb)
    ui.wait(0.8)
    assert screen.item_id == "park"
    assert thumb.selected
    ui.tap(ui.button("Mapa"))
    assert screen.map_open
    ui.wait(0.3)
    ui.screenshot("walk-map")
    points = {p.node_id: p for p in ui.find("MapPoint")}
    assert set(points) == {n.id for n in app.catalog.walk.nodes}
    assert points["park"].selected
    rynek, las = points["rynek"], points["las"]
    assert las.center_x > rynek.center_x and las.center_y > rynek.center_y  # north-east
    ui.tap(las)
    ui.wait(0.8)
    assert screen.item_id == "las" and not screen.map_open


def test_idle_reset_leaves_the_walk_and_gives_memory_back(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    thumb = next(t for t in ui.find("WalkThumb") if t.title == "Dworzec kolejowy")
    ui.tap(thumb)
    ui.wait(0.8)
    assert screen.view.gpu_bytes() > 0
    ui.clock.advance(app.idle.reset_after + app.idle.countdown + 1)
    ui.wait(0.6)
    assert app.manager.current == "home"
    assert screen.item_id == "" and screen.view.textures == []
    assert screen.preloader.wanted() == []
    assert screen.view.gpu_bytes() == 0
    # the next visitor starts at the start again (a first touch may only end the attract loop)
    ui.tap(ui.find("Heading")[0])
    open_walk(ui)
    assert screen.item_id == app.catalog.walk.start_id


def test_no_walk_tile_without_a_walk(kiosk_app) -> None:
    app, ui = kiosk_app()  # the small test tree has no panoramas
    home = app.screen("home")
    assert home.ids.walk.parent is None
    assert len(home.ids.grid.children) == 5


def test_the_walk_follows_the_language(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    ui.tap(ui.button("DE"))
    assert screen.heading == "Marktplatz"
    assert "Rathaus" in {m.caption for m in screen._markers}
    assert "Brücke über die Białka" in {t.title for t in ui.find("WalkThumb")}
    assert ui.find(
        "Label", "Zum Umsehen mit dem Finger ziehen. Einen Pfeil berühren, um weiterzugehen."
    )
    ui.screenshot("walk-de")
