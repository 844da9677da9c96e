"""The panorama camera in plain Python: known directions, poles, the 0°/360° join, hotspot
hit-testing from a touch, and looking around with drags, flicks, pinches and the idle turn."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from kiosk.walk import hotspots
from kiosk.walk.motion import LookControl
from kiosk.walk.projection import (
    MAX_FOV,
    MIN_FOV,
    View,
    Viewport,
    direction,
    equirect_uv,
    image_point,
    max_pitch,
    project,
    ray,
    wrap_yaw,
    yaw_pitch,
)

SCREEN = Viewport(1920, 1080)
CENTRE = (960.0, 540.0)


def close(a: float, b: float, tol: float = 1e-9) -> bool:
    return abs(a - b) <= tol


def same_column(u1: float, u2: float, tol: float = 1e-9) -> bool:
    """Columns of an equirectangular image compared around the 0°/360° join."""
    d = abs(u1 - u2) % 1.0
    return min(d, 1.0 - d) <= tol


# --- known directions ----------------------------------------------------------------------


def test_yaw_0_shows_the_image_centre() -> None:
    assert image_point(View(0, 0, 75), SCREEN, *CENTRE) == pytest.approx((0.5, 0.5))


@pytest.mark.parametrize(
    ("yaw", "u"), [(90, 0.75), (-90, 0.25), (45, 0.625), (-135, 0.125), (180, 0.0)]
)
def test_yaw_turns_across_the_image(yaw: float, u: float) -> None:
    """Yaw 90 shows a quarter of the image to the right of its centre, and so on."""
    got_u, got_v = image_point(View(yaw, 0, 75), SCREEN, *CENTRE)
    assert same_column(got_u, u)
    assert got_v == pytest.approx(0.5)


@pytest.mark.parametrize(("pitch", "v"), [(90, 0.0), (-90, 1.0), (45, 0.25), (-30, 2 / 3)])
def test_pitch_reaches_the_poles(pitch: float, v: float) -> None:
    """Straight up is the image's top row, straight down its bottom row."""
    _u, got_v = image_point(View(0, pitch, 75), SCREEN, *CENTRE)
    assert got_v == pytest.approx(v)


def test_off_centre_pixels_follow_the_field_of_view() -> None:
    """With a 90° field across the long side, the right edge looks 45° right, and the
    top edge of a square viewport 45° up."""
    u, v = image_point(View(0, 0, 90), SCREEN, 1920, 540)
    assert (u, v) == pytest.approx((0.625, 0.5))
    square = Viewport(1000, 1000)
    u, v = image_point(View(0, 0, 90), square, 500, 1000)
    assert (u, v) == pytest.approx((0.5, 0.25))
    u, v = image_point(View(0, 0, 90), square, 0, 500)
    assert (u, v) == pytest.approx((0.375, 0.5))


def test_the_long_side_takes_the_field_of_view_in_portrait_too() -> None:
    portrait = Viewport(1080, 1920)
    _u, v = image_point(View(0, 0, 90), portrait, 540, 1920)
    assert v == pytest.approx(0.25)  # 45° up at the top edge


def test_the_0_360_join_is_one_column() -> None:
    """Just left and just right of the join are neighbouring columns, not opposite ends."""
    left = image_point(View(179.99, 0, 75), SCREEN, *CENTRE)[0]
    right = image_point(View(-179.99, 0, 75), SCREEN, *CENTRE)[0]
    assert same_column(left, right, 1e-4)
    # a row of pixels across the join at yaw 180 walks steadily from u≈1 to u≈0
    row = [image_point(View(180, 0, 75), SCREEN, x, 540)[0] for x in range(950, 971)]
    steps = [(b - a + 0.5) % 1.0 - 0.5 for a, b in zip(row, row[1:], strict=False)]
    assert all(0 < s < 1e-3 for s in steps)


def test_rays_and_projection_are_inverse() -> None:
    view = View(37, -12, 64)
    for x, y in [(100, 200), (960, 540), (1800, 1000), (0, 0)]:
        yaw, pitch = yaw_pitch(ray(view, SCREEN, x, y))
        assert project(view, SCREEN, yaw, pitch) == pytest.approx((x, y), abs=1e-6)


def test_directions_behind_the_visitor_are_not_on_screen() -> None:
    assert project(View(0, 0, 75), SCREEN, 180, 0) is None
    assert project(View(0, 0, 75), SCREEN, 100, 0) is None
    assert project(View(0, 0, 75), SCREEN, 0, 0) == pytest.approx(CENTRE)


def test_equirect_uv_of_axes() -> None:
    assert equirect_uv((0, 0, 1)) == pytest.approx((0.5, 0.5))
    assert equirect_uv((1, 0, 0)) == pytest.approx((0.75, 0.5))
    assert equirect_uv((0, 1, 0))[1] == pytest.approx(0.0)
    assert direction(90, 0) == pytest.approx((1, 0, 0), abs=1e-12)


# --- limits ----------------------------------------------------------------------------------


def test_limits_keep_the_view_sane() -> None:
    assert View(0, 0, 10).limited(SCREEN).fov == MIN_FOV
    assert View(0, 0, 170).limited(SCREEN).fov == MAX_FOV
    assert View(540, 0, 75).limited(SCREEN).yaw == pytest.approx(180)
    assert View(-190, 0, 75).limited(SCREEN).yaw == pytest.approx(170)
    assert wrap_yaw(-180) == 180


def test_pitch_stops_where_the_view_edge_reaches_a_pole() -> None:
    view = View(0, 89, 75).limited(SCREEN)
    assert view.pitch == pytest.approx(max_pitch(view, SCREEN))
    assert view.pitch < 90
    top = image_point(view, SCREEN, 960, 1080)  # the top edge's centre sees the zenith
    assert top[1] == pytest.approx(0.0, abs=1e-9)
    assert View(0, -89, 75).limited(SCREEN).pitch == pytest.approx(-view.pitch)


# --- hotspots ------------------------------------------------------------------------------


@dataclass
class Spot:
    yaw: float
    pitch: float


def test_a_touch_on_a_marker_hits_its_hotspot() -> None:
    view = View(0, 0, 75)
    spots = [Spot(0, 0), Spot(20, -5), Spot(180, 0)]
    x, y = project(view, SCREEN, 20, -5)
    assert hotspots.hit(view, SCREEN, spots, x + 10, y - 10, radius=40) == 1
    assert hotspots.hit(view, SCREEN, spots, *CENTRE, radius=40) == 0
    assert hotspots.hit(view, SCREEN, spots, 200, 900, radius=40) is None


def test_the_nearest_of_two_close_markers_wins() -> None:
    view = View(0, 0, 75)
    spots = [Spot(0, 0), Spot(2, 0)]
    x, y = project(view, SCREEN, 2, 0)
    assert hotspots.hit(view, SCREEN, spots, x - 5, y, radius=80) == 1


def test_hotspots_behind_outside_or_covered_are_not_hit() -> None:
    view = View(0, 0, 75)
    spots = [Spot(180, 0), Spot(0, 0)]
    assert hotspots.positions(view, SCREEN, spots)[0] is None
    # the strip covers the bottom: a marker there is neither drawn nor hit
    bounds = hotspots.inset(SCREEN, 40, 600, 40, 40)
    assert hotspots.positions(view, SCREEN, [Spot(0, -10)], bounds) == [None]
    assert hotspots.hit(view, SCREEN, [Spot(0, -10)], 960, 400, 80, bounds) is None
    covered = [(900.0, 500.0, 1020.0, 580.0)]
    assert hotspots.hit(view, SCREEN, spots, *CENTRE, 40, None, covered) is None


def test_a_marker_is_drawn_only_where_all_of_it_is_clear() -> None:
    """Its footprint (disc and caption) inside the view and clear of what lies over the
    panorama; the caption goes above where it has no room below; of two markers that would
    overlap, the one nearer the middle of the view is drawn (and only it can be touched)."""
    view = View(0, 0, 75)
    below, above = (60.0, 120.0, 60.0, 40.0), (60.0, 40.0, 60.0, 120.0)
    # low in the view: no room for the caption below, so it goes above
    low = Spot(0, -math.degrees(math.atan(500 / View(0, 0, 75).focal(SCREEN))))
    x, y = project(view, SCREEN, low.yaw, low.pitch)
    assert y == pytest.approx(40, abs=1)
    assert hotspots.placements(view, SCREEN, [low], footprints=[[below, above]]) == [((x, y), 1)]
    assert hotspots.positions(view, SCREEN, [low], footprints=[[below]]) == [None]
    # a panel over the caption's place hides the marker though its point is clear
    panel = [(900.0, 380.0, 1020.0, 470.0)]
    assert hotspots.positions(view, SCREEN, [Spot(0, 0)], None, (), [[below]]) == [CENTRE]
    assert hotspots.positions(view, SCREEN, [Spot(0, 0)], None, panel, [[below]]) == [None]
    # two markers side by side whose captions would overlap: the middle one wins
    near, off = Spot(0, 0), Spot(3, 0)
    shown = hotspots.positions(view, SCREEN, [off, near], None, (), [[below], [below]])
    assert shown[0] is None and shown[1] == pytest.approx(CENTRE)
    ox, oy = project(view, SCREEN, 3, 0)
    hit = hotspots.hit(view, SCREEN, [off, near], ox, oy, 40, None, (), [[below], [below]])
    assert hit is None  # the hidden one cannot be touched: the touch is too far from the other
    far = Spot(20, 0)
    assert None not in hotspots.positions(view, SCREEN, [far, near], None, (), [[below]] * 2)


def test_markers_follow_the_view() -> None:
    spot = [Spot(30, 0)]
    first = hotspots.positions(View(0, 0, 75), SCREEN, spot)[0]
    turned = hotspots.positions(View(30, 0, 75), SCREEN, spot)[0]
    assert first[0] > CENTRE[0]
    assert turned == pytest.approx(CENTRE)


# --- looking around ---------------------------------------------------------------------------


def drag(control: LookControl, dx: float, steps: int = 10, t0: float = 0.0, dt: float = 1 / 60):
    control.press(t0)
    t = t0
    for _ in range(steps):
        t += dt
        control.drag(dx / steps, 0, t)
    return t


def test_dragging_left_turns_right_by_the_angle_under_the_finger() -> None:
    control = LookControl(View(0, 0, 75), SCREEN)
    focal = control.view.focal(SCREEN)
    t = drag(control, -300)
    assert control.view.yaw == pytest.approx(math.degrees(300 / focal))
    control.release(t + 0.2)  # the finger rested before lifting: no flick
    assert control.velocity == (0.0, 0.0)


def test_a_flick_keeps_turning_and_slows_down() -> None:
    control = LookControl(View(0, 0, 75), SCREEN, autorotate_after=1e9)
    t = drag(control, -400, steps=6)
    control.release(t)
    speed = control.velocity[0]
    assert speed > 50
    yaw = control.view.yaw
    control.step(t)
    for i in range(1, 30):
        control.step(t + i / 60)
    assert control.view.yaw > yaw
    assert 0 < control.velocity[0] < speed
    for i in range(30, 600):
        control.step(t + i / 60)
    assert control.velocity == (0.0, 0.0)


def test_a_drag_across_the_join_is_not_a_wild_spin() -> None:
    control = LookControl(View(178, 0, 75), SCREEN, autorotate_after=1e9)
    t = drag(control, -200, steps=8)
    control.release(t)
    assert control.view.yaw < -170  # wrapped past 180
    assert 0 < control.velocity[0] < 360


def test_pitch_drags_stop_at_the_pole_limit() -> None:
    control = LookControl(View(0, 0, 75), SCREEN)
    control.press(0)
    control.drag(0, -5000, 0.1)  # finger down a long way: look up
    assert control.view.pitch == pytest.approx(max_pitch(control.view, SCREEN))


def test_pinch_zooms_between_30_and_100_degrees() -> None:
    control = LookControl(View(0, 0, 75), SCREEN)
    control.pinch(200, 0)
    control.pinch(400, 0.1)  # fingers spread: zoom in
    narrow = control.view.fov
    assert narrow < 75
    assert math.tan(math.radians(narrow / 2)) == pytest.approx(math.tan(math.radians(37.5)) / 2)
    control.pinch(20, 0.2)
    assert control.view.fov == MAX_FOV
    control.pinch(5000, 0.3)
    assert control.view.fov == MIN_FOV
    control.pinch_end(0.4)


def test_the_view_turns_by_itself_when_nobody_touches_it() -> None:
    control = LookControl(View(0, 0, 75), SCREEN, autorotate_after=8, autorotate_speed=4)
    control.press(0)
    control.release(0)
    assert not control.step(1)
    assert not control.step(7.9)
    t = 8.0
    while t < 20:
        t += 1 / 30
        control.step(t)
    assert control.view.yaw > 20  # ramped up to 4°/s
    control.press(t)  # a touch stops it at once
    yaw = control.view.yaw
    control.step(t + 1)
    assert control.view.yaw == yaw
