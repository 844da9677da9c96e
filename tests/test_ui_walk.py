"""The virtual walk in the real app and a real OpenGL window: the shader compiles and projects
like the plain-Python camera (read back from the framebuffer), drags turn the view, hotspots,
the strip and the map move between places, and everything is counted and reset."""

from __future__ import annotations

import math
import time
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
    from kiosk.ui.widgets.panorama import make_texture

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


def bare(ui, screen) -> None:
    """Only the panorama: overlays and markers out of the way, no idle turn. First the screen
    shows its own place sharp: until then it would swap the textures a test shows for the
    place's own as soon as they are uploaded (later on a busy machine)."""
    settle(ui, screen)
    screen.ids.overlay.opacity = 0
    screen.ids.markers.opacity = 0
    screen.view.stop()


@pytest.mark.parametrize("halves", [False, True])
def test_the_shader_compiles_and_projects_like_the_python_camera(kiosk_app, halves) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    view = screen.view
    assert view.shader_ok, "the projection shader did not compile in this GL context"
    bare(ui, screen)
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
    bare(ui, screen)
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
    # A neighbour is prepared ahead once the first fade is over (decoded, or already uploaded).
    deadline = time.monotonic() + 20
    while "most" not in screen.preloader.wanted() and "most" not in screen.gpu.ready():
        assert time.monotonic() < deadline, "the neighbour was never prepared"
        ui.frames(1)
    if "most" not in screen.gpu.ready():
        assert screen.preloader.wait("most", timeout=20) is not None
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


def settle(ui, screen, seconds: float = 30) -> None:
    """Frames until the place shown is sharp, no fade is drawn, and every place kept for the
    GPU is uploaded whole."""
    deadline = time.monotonic() + seconds
    while not (
        screen._sharp
        and not screen.view.fading
        and all(screen.gpu.plan.complete(k) for k in screen.gpu.plan.kept())
    ):
        assert time.monotonic() < deadline, "the walk never settled"
        ui.frames(1)


def slid_away(ui, seconds: float = 10) -> None:
    """Frames until the slide to the next screen is over (the walk has left the screen)."""
    deadline = time.monotonic() + seconds
    while ui.app.manager.transition.is_active:
        assert time.monotonic() < deadline, "the screen never slid away"
        ui.frames(1)


def picture(view) -> list[tuple[float, float, float]]:
    """Mean colours of a grid of blocks across the panorama as the GPU drew it."""
    from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels

    x0, y0 = view.to_window(view.x, view.y)
    blocks = []
    for row in range(3):
        for col in range(8):
            x = int(x0 + view.width * (0.05 + 0.9 * (col + 0.5) / 8))
            y = int(y0 + view.height * (0.2 + 0.5 * (row + 0.5) / 3))
            data = glReadPixels(x, y, 12, 12, GL_RGB, GL_UNSIGNED_BYTE)
            blocks.append(tuple(sum(data[c::3]) / 144 for c in range(3)))
    return blocks


def new_share(old: list, new: list, frame: list) -> float:
    """How much of `new` a drawn frame holds over `old` (median over the blocks where the two
    places differ): 0 the old place, 1 the new one."""
    shares = []
    for o, n, f in zip(old, new, frame, strict=True):
        d = [b - a for a, b in zip(o, n, strict=True)]
        norm = sum(c * c for c in d)
        if norm > 24 * 24:
            shares.append(sum((fc - oc) * dc for fc, oc, dc in zip(f, o, d, strict=True)) / norm)
    assert len(shares) >= 8, "the two places look alike: nothing to measure"
    return sorted(shares)[len(shares) // 2]


def arrow(ui, screen, target: str):
    """A finger on the arrow to `target`, turned into view; it walks when it lifts."""
    from kivy.tests.common import UnitTestTouch

    spot = next(h for h in ui.app.catalog.walk.node(screen.item_id).hotspots if h.target == target)
    screen.view.look_at(View(spot.yaw, spot.pitch + 6, 75))
    ui.frames(2)
    caption = ui.app.catalog.walk.node(target).title["pl"]
    marker = next(m for m in screen._markers if m.caption == caption)
    assert marker.opacity > 0
    touch = UnitTestTouch(*marker.to_window(*marker.center))
    touch.touch_down()
    ui.frames(1)
    return touch


def test_a_neighbour_uploaded_ahead_is_on_screen_in_the_first_frame(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    screen.view.control.autorotate_after = 1e9  # the picture holds still between readbacks
    settle(ui, screen)
    assert screen.gpu.get("most") is not None  # uploaded ahead, whole
    assert screen.view.pace.lead > 0  # learnt from the frames drawn so far
    finger = arrow(ui, screen, "most")
    old = picture(screen.view)
    finger.touch_up()
    assert screen.item_id == "most"
    # full resolution from the start, and the frame drawn next already blends the new place in
    assert [t.size for t in screen.view.textures] == [(2048, 2048), (2048, 2048)]
    assert screen.view.fading and 0 < screen.view.blend < 1
    ui.frames(1)
    first, drawn = picture(screen.view), screen.view.blend
    settle(ui, screen)
    new = picture(screen.view)
    share = new_share(old, new, first)
    assert share > 0.1, "the first frame after the touch showed the old place"
    assert share == pytest.approx(drawn, abs=0.1)  # the pixels are the blend it meant
    assert new_share(old, new, picture(screen.view)) == pytest.approx(1.0, abs=0.02)


def test_a_place_not_on_the_gpu_shows_its_preview_then_its_full_textures(kiosk_app) -> None:
    from kiosk.walk.uploads import BYTES_PER_TEXEL

    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = app.screen("walk")
    place = 2 * 2048 * 2048 * BYTES_PER_TEXEL
    screen.gpu.plan.budget = place  # the GPU holds the place shown and nothing ahead
    open_walk(ui)
    settle(ui, screen)
    assert screen.gpu.ready() == ["rynek"]
    assert screen.preloader.wait("most", timeout=20) is not None  # decoded, not uploaded
    finger = arrow(ui, screen, "most")
    finger.touch_up()
    # at once: the preview, with nothing uploaded in the touch (no frame stalls on it)
    assert screen.item_id == "most"
    assert [t.size for t in screen.view.textures] == [(512, 256)]
    assert screen.gpu.get("most") is None and screen.gpu.held_bytes() == 0
    ui.frames(1)
    assert [t.size for t in screen.view.textures] == [(512, 256)]
    # then the full textures, uploaded in bands after the fade, fade in over the preview
    settle(ui, screen)
    assert [t.size for t in screen.view.textures] == [(2048, 2048), (2048, 2048)]
    assert screen.gpu.held_bytes() == place


def test_the_places_further_on_are_prepared_after_the_fade(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    settle(ui, screen)
    assert "park" not in screen.gpu.ready() + screen.preloader.wanted()  # not next to rynek
    finger = arrow(ui, screen, "most")
    finger.touch_up()
    ui.frames(1)
    assert screen.view.fading
    # during the fade nothing new is decoded or uploaded: its frames have the processor
    assert "park" not in screen.preloader.wanted() and "park" not in screen.gpu.ready()
    settle(ui, screen)
    assert "park" in screen.gpu.ready()  # next to "most": decoded and uploaded once it showed


def test_leaving_during_a_fade_gives_everything_back(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    settle(ui, screen)
    finger = arrow(ui, screen, "most")
    finger.touch_up()
    assert screen.view.fading and screen.view.gpu_bytes() > 0
    app.home()
    ui.wait(0.5)
    assert app.manager.current == "home"
    slid_away(ui)
    assert not screen.view.fading and screen.view.textures == []
    assert screen.view.gpu_bytes() == 0 and screen.gpu.held_bytes() == 0
    assert screen.preloader.held_bytes() == 0


def test_an_info_hotspot_opens_a_note(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    screen.view.control.autorotate_after = 1e9  # the marker holds still
    screen.view.look_at(View(-15, 12, 75))  # the town hall right of the place's name
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
    ui.advance(app.idle.reset_after + app.idle.countdown + 1)
    ui.wait(0.6)
    assert app.manager.current == "home"
    slid_away(ui)
    assert screen.item_id == "" and screen.view.textures == []
    assert screen.preloader.wanted() == []
    assert screen.view.gpu_bytes() == 0
    assert screen.gpu.held_bytes() == 0  # the places uploaded ahead are let go too
    assert screen.preloader.held_bytes() == 0
    # the next visitor starts at the start again (a first touch may only end the attract loop)
    ui.tap(ui.find("Heading")[0])
    assert open_walk(ui).item_id == app.catalog.walk.start_id


def test_no_walk_tile_without_a_walk(kiosk_app) -> None:
    app, ui = kiosk_app()  # the small test tree has no panoramas
    home = app.screen("home")
    assert home.ids.walk.parent is None
    assert len(home.ids.grid.children) == 5


def test_the_walk_follows_the_language(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    ui.choose_language("Deutsch")
    assert screen.heading == "Marktplatz"
    assert "Rathaus" in {m.caption for m in screen._markers}
    assert "Brücke über die Białka" in {t.title for t in ui.find("WalkThumb")}
    assert ui.find(
        "TightLabel", "Zum Umsehen mit dem Finger ziehen. Einen Pfeil berühren, um weiterzugehen."
    )
    ui.screenshot("walk-de")


def test_in_portrait_the_map_stays_below_the_title_card(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, size=(1080, 1920), clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    card = screen.ids.title_card
    assert card.opacity > 0 and "Rynek" in screen.heading
    ui.tap(ui.button("Mapa"))
    ui.wait(0.3)
    panel = screen._map
    ui.screenshot("walk-map-portrait")
    assert panel.x < card.right  # one above the other: they share columns
    assert panel.top <= card.y  # the place's name and description stay readable
    assert panel.top <= screen.ids.map_button.y
    assert panel.y >= screen.ids.strip_box.top  # and the strip stays usable
    assert panel.height > 600  # still a map, not a sliver
    rynek = next(p for p in ui.find("MapPoint") if p.node_id == "rynek")
    assert panel.collide_point(*rynek.center)


def test_the_walk_left_behind_is_let_go_whole(kiosk_app) -> None:
    import weakref

    from kiosk.ui.navigation import TIDY_AFTER

    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    settle(ui, screen)
    preloader = screen.preloader
    left = weakref.ref(screen)
    del screen
    ui.tap(ui.button("Start"))
    ui.wait(TIDY_AFTER + 0.5)
    assert "walk" not in app.manager.screen_names
    assert left() is None, "nothing holds on to the walk (or its textures) once it is let go"
    assert preloader._pool._shutdown
    assert open_walk(ui).item_id == app.catalog.walk.start_id


# --- every panel of the walk readable and in its place, measured on what is drawn ----------

WALK_SIZES = {"7inch": (1280, 800), "portrait": (1080, 1920)}
MODES = {"default": (False, False), "contrast+larger": (True, True)}
"""(high contrast, larger text)"""

Box = tuple[float, float, float, float]
"""x0, y0, x1, y1 in window pixels"""


def effectively_visible(widget) -> bool:
    node = widget
    while node is not None:
        if node.opacity <= 0:
            return False
        node = node.parent if node.parent is not node else None
    return widget.get_root_window() is not None and widget.width > 0 and widget.height > 0


def window_box(widget) -> Box:
    x0, y0 = widget.to_window(widget.x, widget.y)
    x1, y1 = widget.to_window(widget.right, widget.top)
    return (x0, y0, x1, y1)


def text_box(label) -> Box | None:
    """Where the label's texture is drawn (its canvas's rectangle holding it), in window
    pixels."""
    from kivy.graphics import Rectangle

    for group in (label.canvas.before, label.canvas, label.canvas.after):
        for i in group.children:
            if isinstance(i, Rectangle) and i.texture is label.texture and label.texture:
                x0, y0 = label.to_window(*i.pos)
                return (x0, y0, x0 + i.size[0], y0 + i.size[1])
    return None


def inside(inner: Box, outer: Box, slack: float = 1.0) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def overlap(a: Box, b: Box, slack: float = 1.0) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > slack and min(a[3], b[3]) - max(a[1], b[1]) > slack


def shown_text(label) -> str:
    """The characters the label's renderer laid out (a shortened text ends in "…", lines
    cut by a fixed height are missing), without spaces."""
    lines = label._label._cached_lines
    return "".join(word.text for line in lines for word in line.words).replace(" ", "")


def drawn_contrast(shot, label, box: Box) -> float:
    """The text's colour as drawn (the window's pixels under the glyphs' solid parts) against
    the colours drawn around the glyphs, inside the texture's rectangle: the 5th percentile
    of the contrast over those background pixels (so a panorama showing through a
    translucent panel counts, a stray anti-aliased pixel does not)."""
    from collections import Counter

    from PIL import Image, ImageFilter

    from kiosk.ui.theme import contrast

    tw, th = label.texture.size
    glyphs = Image.frombytes("RGBA", (tw, th), label.texture.pixels).getchannel("A")
    x, top = round(box[0]), shot.height - round(box[3])
    drawn = shot.crop((x, top, x + tw, top + th)).convert("RGB")
    solid = glyphs.point(lambda a: 255 if a >= 250 else 0)
    if not solid.getbbox():
        solid = glyphs.point(lambda a: 255 if a >= 160 else 0)
    near = glyphs.point(lambda a: 255 if a > 0 else 0).filter(ImageFilter.MaxFilter(5))
    ink = [p for p, m in zip(drawn.getdata(), solid.getdata(), strict=True) if m]
    ground = Counter(p for p, m in zip(drawn.getdata(), near.getdata(), strict=True) if not m)
    if not ink or not ground:
        return 21.0
    text = tuple(sorted(c[i] for c in ink)[len(ink) // 2] / 255 for i in range(3))
    ratios = sorted((contrast(text, tuple(v / 255 for v in c)), n) for c, n in ground.items())
    total, seen = sum(ground.values()), 0
    for ratio, n in ratios:
        seen += n
        if seen >= total * 0.05:
            return ratio
    return ratios[-1][0]


def walk_problems(ui, screen, state: str, measure: bool = True) -> list[str]:
    """What a visitor could not read on the walk as drawn now: text below the contrast the
    theme asks (4.5:1, 7:1 in high contrast; only if `measure`: it reads a screenshot), text
    shortened or reaching outside its widget or a widget it sits in, the walk's panels over
    each other, markers under a panel or over each other, the map's places over each other
    or outside the map."""
    from kivy.uix.scrollview import ScrollView
    from PIL import Image

    from kiosk.ui.widgets.text import TightLabel

    app = ui.app
    need = 7.0 if app.high_contrast else 4.5
    shot = Image.open(ui.screenshot(f"walk-check-{state}")) if measure else None
    found = []
    for label in [w for w in Widget_walk(screen) if isinstance(w, TightLabel)]:
        if not label.text or not effectively_visible(label):
            continue
        box = text_box(label)
        if box is None:
            continue
        name = f"{state}: {type(label).__name__} {label.text[:24]!r}"
        clip = next((a for a in ancestors(label) if isinstance(a, ScrollView)), None)
        if clip is not None and not overlap(box, window_box(clip)):
            continue  # scrolled out of the strip's view
        if shown_text(label) != label.text.replace(" ", "").replace("\n", ""):
            found.append(f"{name} shown as {shown_text(label)!r}")
        if not inside(box, window_box(label)):
            found.append(f"{name} drawn outside its widget")
        for parent in ancestors(label):
            if parent is clip or parent is screen:
                break
            if parent.width and parent.height and not inside(box, window_box(parent)):
                found.append(f"{name} drawn outside its {type(parent).__name__}")
                break
        if shot is None or clip is not None and not inside(box, window_box(clip)):
            continue  # not measured, or half scrolled out of the strip
        ratio = drawn_contrast(shot, label, box)
        if ratio < need:
            found.append(f"{name} contrast {ratio:.1f}:1 < {need}:1")
    panels = [
        (type(w).__name__ + (f" {w.text[:16]!r}" if hasattr(w, "text") else ""), window_box(w))
        for w in screen.ids.overlay.children
        if effectively_visible(w)
    ]
    for i, (a, abox) in enumerate(panels):
        for b, bbox in panels[i + 1 :]:
            if overlap(abox, bbox):
                found.append(f"{state}: {a} over {b}")
    markers = [m for m in screen._markers if effectively_visible(m)]
    for marker in markers:
        for part in marker_parts(marker):
            for b, bbox in panels:
                if overlap(part, bbox):
                    found.append(f"{state}: marker {marker.caption!r} under {b}")
    parts = [(m.caption, p) for m in markers for p in marker_parts(m)]
    for i, (a, abox) in enumerate(parts):
        for b, bbox in parts[i + 1 :]:
            if a != b and overlap(abox, bbox):
                found.append(f"{state}: marker {a!r} over marker {b!r}")
    points = [
        p for p in Widget_walk(screen) if type(p).__name__ == "MapPoint" and effectively_visible(p)
    ]
    for i, p in enumerate(points):
        pbox = point_box(p)
        if not inside(pbox, window_box(screen._map)):
            found.append(f"{state}: map point {p.title!r} outside the map")
        for q in points[i + 1 :]:
            if overlap(pbox, point_box(q)):
                found.append(f"{state}: map point {p.title!r} over {q.title!r}")
    return found


def Widget_walk(root):  # noqa: N802 (WalkScreen.walk is the walk, not Widget.walk)
    from kivy.uix.widget import Widget

    return Widget.walk(root, restrict=True)


def ancestors(widget):
    node = widget.parent
    while node is not None and node is not node.parent:
        yield node
        node = node.parent


def marker_parts(marker) -> list[Box]:
    """A hotspot marker's disc and its caption, as drawn."""
    boxes = [window_box(marker)]
    boxes += [
        window_box(w)
        for w in Widget_walk(marker)
        if w is not marker and getattr(w, "text", "") == marker.caption and marker.caption
    ]
    return boxes


def point_box(point) -> Box:
    """A map point's dot and its name, as drawn."""
    boxes = [window_box(w) for w in Widget_walk(point) if w.width and w.height]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def set_mode(app, high_contrast: bool, larger: bool) -> None:
    if app.high_contrast != high_contrast:
        app.toggle_high_contrast()
    if (app.font_scale > 1) != larger:
        app.toggle_larger_text()


def look_at_the_town_hall(ui, screen) -> None:
    """Turn until the town hall's "i" shows, an arrow to another place beside it if it can."""
    views = [View(yaw, pitch, 75) for yaw in (25, 0, -25) for pitch in (12, 18, 24, 6, 0)]
    for view in views:
        screen.view.look_at(view)
        ui.frames(2)
        shown = {m.kind for m in screen._markers if m.opacity > 0}
        if shown == {"info", "go"}:
            return
    for view in views:
        screen.view.look_at(view)
        ui.frames(2)
        if "info" in {m.kind for m in screen._markers if m.opacity > 0}:
            return
    raise AssertionError("the town hall's note is nowhere to be seen")


@pytest.mark.parametrize("size_name", list(WALK_SIZES))
def test_every_walk_panel_is_readable_and_in_its_place(kiosk_app, size_name: str) -> None:
    """pl and uk, default and high contrast with larger text: the place, the hint, the
    markers and a note, the map, the strip."""
    app, ui = kiosk_app(
        content=SAMPLE_CONTENT, size=WALK_SIZES[size_name], clock=FakeClock(DAYTIME)
    )
    screen = open_walk(ui)
    screen.view.control.autorotate_after = 1e9  # the markers hold still
    found = []
    for lang in ("pl", "uk"):
        for mode, (high, larger) in MODES.items():
            state = f"{size_name}-{lang}-{mode}"
            app.set_language(lang)
            set_mode(app, high, larger)
            screen.hint = "look"  # the how-to hint shows
            look_at_the_town_hall(ui, screen)
            found += walk_problems(ui, screen, f"{state}-place")
            marker = next(m for m in screen._markers if m.kind == "info")
            ui.tap(marker)
            assert screen._info is not None
            found += walk_problems(ui, screen, f"{state}-note")
            # a note longer than the room: it stays in its place and its text scrolls
            note = screen._info
            screen.open_info(note.heading, " ".join([note.text] * 20))
            ui.frames(3)
            body, box = screen._info.ids.body, screen._info.ids.body_box
            assert body.height > box.height and screen._info.y >= 0, state
            found += walk_problems(ui, screen, f"{state}-long-note", measure=False)
            ui.tap(ui.button(app._("Close", lang), root=screen._info))
            ui.tap(screen.ids.map_button)
            assert screen.map_open
            ui.wait(0.3)
            found += walk_problems(ui, screen, f"{state}-map")
            ui.tap(screen.ids.map_button)
            assert not screen.map_open
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("size_name", ["landscape", *WALK_SIZES])
def test_every_name_is_whole_in_every_language_and_text_size(kiosk_app, size_name) -> None:
    """The strip's names, the markers' captions, the map's places: whole and in their boxes
    in the five languages with default and larger text (laid out, not measured: the test
    above reads the colours)."""
    size = {"landscape": (1920, 1080), **WALK_SIZES}[size_name]
    app, ui = kiosk_app(content=SAMPLE_CONTENT, size=size, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    screen.view.control.autorotate_after = 1e9
    found = []
    for larger in (False, True):
        set_mode(app, False, larger)
        for lang in ("pl", "en", "de", "cs", "uk"):
            app.set_language(lang)
            state = f"{size_name}-{lang}-{'larger' if larger else 'default'}"
            screen.view.look_at(View(25, 12, 75))
            ui.frames(3)
            found += walk_problems(ui, screen, state, measure=False)
            screen.toggle_map()
            ui.frames(3)
            found += walk_problems(ui, screen, f"{state}-map", measure=False)
            screen.close_map()
    assert found == [], "\n".join(found)


def test_a_strip_wider_than_the_screen_shows_arrows_and_the_place_shown(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, size=(1080, 1920), clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    app.set_language("uk")
    set_mode(app, False, True)
    ui.frames(3)
    box, back, on = screen.ids.strip_box, screen.ids.strip_back, screen.ids.strip_on
    thumbs = sorted(ui.find("WalkThumb"), key=lambda t: t.x)
    assert screen.strip_scrolls, "five Ukrainian names with larger text do not fit across"
    assert on.opacity > 0 and back.opacity == 0  # more to the right, nothing to the left
    assert not inside(window_box(thumbs[-1]), window_box(box))
    ui.screenshot("walk-strip-arrows")
    ui.tap(on)
    ui.frames(2)
    assert inside(window_box(thumbs[-1]), window_box(box))  # the last place scrolled in
    assert back.opacity > 0
    ui.tap(back)
    ui.frames(2)
    assert inside(window_box(thumbs[0]), window_box(box))
    # going to a place out of sight (here from the map) brings its cell into view
    screen.jump("dworzec")
    ui.wait(0.5)
    cell = next(t for t in thumbs if t.node_id == "dworzec")
    assert cell.selected and inside(window_box(cell), window_box(box))


def test_back_steps_back_through_the_places_and_leave_the_walk_leaves_at_once(
    kiosk_app,
) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(DAYTIME))
    screen = open_walk(ui)
    leave, hint = screen.ids.leave_button, screen.ids.hint
    assert leave.text == "✕  Zakończ spacer" and effectively_visible(leave)
    assert hint.text.startswith("Przesuń palcem") and hint.opacity > 0
    ui.tap(next(t for t in ui.find("WalkThumb") if t.title == "Most na Białce"))
    ui.wait(0.5)
    # the first step tells what Back does from now on
    assert hint.text == "Przycisk „Wstecz” zabierze Cię z powrotem do: Rynek."
    assert hint.opacity > 0
    ui.screenshot("walk-back-hint")
    ui.tap(next(t for t in ui.find("WalkThumb") if t.title == "Park Zdrojowy"))
    ui.wait(0.5)
    assert hint.opacity == 0  # told once
    ui.tap(ui.button("Wstecz"))
    ui.wait(0.5)
    assert app.manager.current == "walk" and screen.item_id == "most"
    ui.tap(leave)
    ui.wait(0.3)
    assert app.manager.current == "home"
    assert screen._trail == []
