"""The panorama camera in plain Python: the same maths the GPU shader runs, per pixel.

Conventions (shared with the shader in kiosk/ui/widgets/panorama.py):

- yaw is degrees to the right of the image centre (yaw 0 looks at the middle of the
  equirectangular image, yaw 90 a quarter of the image to the right); pitch is degrees up.
- The world has x to the right, y up and z forward (yaw 0, pitch 0).
- The field of view spans the viewport's longer side, so a portrait kiosk and a landscape
  one see the same amount of the scene across their long edge.
- Screen positions are pixels from the viewport's bottom-left corner, y up, as in Kivy.
- Image positions are fractions (u, v) of the equirectangular image: u from its left edge,
  v from its top edge.

The shader does this for every pixel; Python does it only for the few points that need it
(hotspot markers, touches), so a frame costs microseconds here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

Vector = tuple[float, float, float]

MIN_FOV = 30.0
MAX_FOV = 100.0


@dataclass(frozen=True)
class Viewport:
    width: float
    height: float

    @property
    def longer(self) -> float:
        return max(self.width, self.height)


@dataclass(frozen=True)
class View:
    """Where the visitor looks: yaw and pitch of the view's centre, field of view."""

    yaw: float = 0.0
    pitch: float = 0.0
    fov: float = 75.0

    def focal(self, viewport: Viewport) -> float:
        """Distance in pixels from the eye to the screen plane."""
        return viewport.longer / 2 / math.tan(math.radians(self.fov) / 2)

    def limited(self, viewport: Viewport) -> View:
        """This view kept in bounds: yaw in (-180, 180], field of view 30°-100°, and the
        pitch stopped where the view's top or bottom edge reaches a pole (never upside down)."""
        fov = min(MAX_FOV, max(MIN_FOV, self.fov))
        limit = max_pitch(replace(self, fov=fov), viewport)
        pitch = min(limit, max(-limit, self.pitch))
        return View(wrap_yaw(self.yaw), pitch, fov)

    def rotation(self) -> tuple[float, float, float, float]:
        """(cos yaw, sin yaw, cos pitch, sin pitch): the shader's rotation uniform."""
        y, p = math.radians(self.yaw), math.radians(self.pitch)
        return math.cos(y), math.sin(y), math.cos(p), math.sin(p)


def wrap_yaw(yaw: float) -> float:
    """The same direction with yaw in (-180, 180]."""
    wrapped = math.fmod(yaw, 360.0)
    if wrapped <= -180.0:
        wrapped += 360.0
    elif wrapped > 180.0:
        wrapped -= 360.0
    return wrapped


def max_pitch(view: View, viewport: Viewport) -> float:
    """How far up (or down) the view's centre may turn before its edge passes a pole."""
    half_vertical = math.degrees(math.atan(viewport.height / 2 / view.focal(viewport)))
    return max(0.0, 90.0 - half_vertical)


def direction(yaw: float, pitch: float) -> Vector:
    """The unit vector looking at (yaw, pitch)."""
    y, p = math.radians(yaw), math.radians(pitch)
    return (math.cos(p) * math.sin(y), math.sin(p), math.cos(p) * math.cos(y))


def yaw_pitch(vector: Vector) -> tuple[float, float]:
    """The (yaw, pitch) a vector points at; it need not be of unit length."""
    x, y, z = vector
    return math.degrees(math.atan2(x, z)), math.degrees(math.atan2(y, math.hypot(x, z)))


def camera_to_world(view: View, vector: Vector) -> Vector:
    """Turn a vector seen from the camera (x right, y up, z ahead) into the world."""
    cy, sy, cp, sp = view.rotation()
    x, y, z = vector
    y1, z1 = y * cp + z * sp, -y * sp + z * cp  # pitch: about the camera's x axis
    return (x * cy + z1 * sy, y1, -x * sy + z1 * cy)  # yaw: about the vertical axis


def world_to_camera(view: View, vector: Vector) -> Vector:
    cy, sy, cp, sp = view.rotation()
    x, y, z = vector
    x1, z1 = x * cy - z * sy, x * sy + z * cy
    return (x1, y * cp - z1 * sp, y * sp + z1 * cp)


def ray(view: View, viewport: Viewport, x: float, y: float) -> Vector:
    """The unit direction in the world seen at screen position (x, y)."""
    camera = (x - viewport.width / 2, y - viewport.height / 2, view.focal(viewport))
    wx, wy, wz = camera_to_world(view, camera)
    length = math.sqrt(wx * wx + wy * wy + wz * wz)
    return (wx / length, wy / length, wz / length)


def equirect_uv(vector: Vector) -> tuple[float, float]:
    """Where a direction lies on the equirectangular image, as fractions (u from the left,
    v from the top). u is in [0, 1): the 0°/360° join is one column, not a seam."""
    yaw, pitch = yaw_pitch(vector)
    u = (0.5 + yaw / 360.0) % 1.0
    return u, 0.5 - pitch / 180.0


def image_point(view: View, viewport: Viewport, x: float, y: float) -> tuple[float, float]:
    """The (u, v) of the panorama image shown at screen position (x, y)."""
    return equirect_uv(ray(view, viewport, x, y))


def project(view: View, viewport: Viewport, yaw: float, pitch: float) -> tuple[float, float] | None:
    """Where the direction (yaw, pitch) appears on screen, or None when it is behind the
    visitor. The point may lie outside the viewport."""
    return project_many(view, viewport, [(yaw, pitch)])[0]


def project_many(
    view: View, viewport: Viewport, directions: list[tuple[float, float]]
) -> list[tuple[float, float] | None]:
    """`project` for several directions, the camera worked out once (a frame's markers)."""
    cy, sy, cp, sp = view.rotation()
    focal = view.focal(viewport)
    half_w, half_h = viewport.width / 2, viewport.height / 2
    out: list[tuple[float, float] | None] = []
    for yaw, pitch in directions:
        x, y, z = direction(yaw, pitch)
        x1, z1 = x * cy - z * sy, x * sy + z * cy
        cam_y, cam_z = y * cp - z1 * sp, y * sp + z1 * cp
        if cam_z <= 1e-6:
            out.append(None)
            continue
        f = focal / cam_z
        out.append((half_w + x1 * f, half_h + cam_y * f))
    return out
