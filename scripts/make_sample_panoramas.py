#!/usr/bin/env python3
"""Render the SYNTHETIC 360° panoramas of the sample virtual walk (content/panoramas/).

No real photographs of the (fictional) town Jodłów Śląski exist, so each place is a small 3D
scene — sky and clouds, hills on the horizon, paving or grass, houses with windows and
roofs, trees, and a signpost for every way on — drawn in equirectangular projection: every
3D edge is cut into short pieces and each piece projected, so a straight wall edge becomes
the curve it would be in a real 360° photograph and looks straight again in the kiosk's
viewer. Texts (signposts, shop signs) are mapped onto their 3D boards strip by strip.

The signposts are placed from content/panoramas/walk.yaml: one board per hotspot that leads
to another place, in the hotspot's direction, with that place's Polish name and its distance
(from the locations in walk.yaml). Edit walk.yaml, run this again, and the pictures follow.
Output is deterministic (no clock, seeded randomness): the same files on every run.

    .venv/bin/python scripts/make_sample_panoramas.py [--size 4096] [--only rynek]
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from PIL import Image, ImageDraw, ImageFilter, ImageFont

REPO = Path(__file__).resolve().parent.parent
PANORAMAS = REPO / "content" / "panoramas"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
EYE = 1.6
"""Camera height in metres."""
SUPERSAMPLE = 2
"""Draw at twice the size and scale down: smooth edges from Pillow's aliased polygons."""

Point = tuple[float, float, float]
RGB = tuple[int, int, int]


def font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    return ImageFont.truetype(str(path), size) if path.is_file() else ImageFont.load_default(size)


def mix(a: Sequence[float], b: Sequence[float], t: float) -> RGB:
    t = max(0.0, min(1.0, t))
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b, strict=False))  # type: ignore[return-value]


def shade(c: RGB, f: float) -> RGB:
    return tuple(max(0, min(255, int(v * f))) for v in c)  # type: ignore[return-value]


# --- projection -----------------------------------------------------------------------------


class Canvas:
    """An equirectangular image being drawn: 3D points in metres, camera at (0, EYE, 0),
    x to the right of the image centre, z towards it, y up."""

    def __init__(self, width: int):
        self.w, self.h = width, width // 2
        self.img = Image.new("RGB", (self.w, self.h))
        self.draw = ImageDraw.Draw(self.img)

    def project(self, p: Point) -> tuple[float, float]:
        x, y, z = p
        lon = math.atan2(x, z)
        lat = math.atan2(y - EYE, math.hypot(x, z))
        return (lon / (2 * math.pi) + 0.5) * self.w, (0.5 - lat / math.pi) * self.h

    def path(self, points: Sequence[Point], closed: bool = True, step: float = 0.5) -> list:
        """Project a 3D outline cut into pieces of about `step` metres, unwrapped so it
        never jumps across the image's left/right join."""
        pts = list(points) + ([points[0]] if closed else [])
        out: list[tuple[float, float]] = []
        for a, b in zip(pts, pts[1:], strict=False):
            n = max(1, min(200, int(math.dist(a, b) / step)))
            for i in range(n):
                t = i / n
                out.append(self.project(tuple(a[k] + (b[k] - a[k]) * t for k in range(3))))
        if not closed:
            out.append(self.project(pts[-1]))
        for i in range(1, len(out)):  # unwrap
            dx = out[i][0] - out[i - 1][0]
            if dx > self.w / 2:
                out[i] = (out[i][0] - self.w, out[i][1])
            elif dx < -self.w / 2:
                out[i] = (out[i][0] + self.w, out[i][1])
        return out

    def polygon(self, points: Sequence[Point], colour: RGB, step: float = 0.5) -> None:
        flat = self.path(points, True, step)
        for off in (-self.w, 0, self.w):
            self.draw.polygon([(x + off, y) for x, y in flat], fill=colour)

    def line(self, points: Sequence[Point], colour: RGB, width: int, step: float = 0.5) -> None:
        flat = self.path(points, False, step)
        for off in (-self.w, 0, self.w):
            self.draw.line([(x + off, y) for x, y in flat], fill=colour, width=width)

    def texture(self, tex: Image.Image, corners: Sequence[Point], strips: int = 8) -> None:
        """Map an RGBA image onto a 3D quad (top-left, top-right, bottom-right, bottom-left),
        strip by strip so the equirectangular curvature is followed."""
        tl, tr, br, bl = corners
        tw, th = tex.size
        for i in range(strips):
            t0, t1 = i / strips, (i + 1) / strips
            q = [lerp3(tl, tr, t0), lerp3(tl, tr, t1), lerp3(bl, br, t1), lerp3(bl, br, t0)]
            dst = [self.project(p) for p in q]
            for k in range(1, 4):
                if dst[k][0] - dst[0][0] > self.w / 2:
                    dst[k] = (dst[k][0] - self.w, dst[k][1])
                elif dst[k][0] - dst[0][0] < -self.w / 2:
                    dst[k] = (dst[k][0] + self.w, dst[k][1])
            x0, y0 = math.floor(min(p[0] for p in dst)), math.floor(min(p[1] for p in dst))
            x1, y1 = math.ceil(max(p[0] for p in dst)), math.ceil(max(p[1] for p in dst))
            if x1 - x0 < 1 or y1 - y0 < 1:
                continue
            sx0, sx1 = t0 * tw, t1 * tw
            src = [(sx0, 0), (sx1, 0), (sx1, th), (sx0, th)]
            coeffs = homography([(x - x0, y - y0) for x, y in dst], src)
            piece = tex.transform(
                (x1 - x0 + 1, y1 - y0 + 1),
                Image.Transform.PERSPECTIVE,
                coeffs,
                Image.Resampling.BICUBIC,
            )
            for off in (-self.w, 0, self.w):
                self.img.paste(piece, (x0 + off, y0), piece)


def lerp3(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


def homography(dst: Sequence[tuple[float, float]], src: Sequence[tuple[float, float]]) -> list:
    """Pillow's PERSPECTIVE coefficients taking output points `dst` to input points `src`."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rhs.append(u)
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.append(v)
    return solve(rows, rhs)


def solve(a: list[list[float]], b: list[float]) -> list[float]:
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col and m[col][col]:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def at(yaw: float, dist: float, y: float = 0.0) -> Point:
    r = math.radians(yaw)
    return (dist * math.sin(r), y, dist * math.cos(r))


def rotate(p: tuple[float, float], deg: float) -> tuple[float, float]:
    r = math.radians(deg)
    return (p[0] * math.cos(r) + p[1] * math.sin(r), -p[0] * math.sin(r) + p[1] * math.cos(r))


# --- the scene ------------------------------------------------------------------------------


@dataclass
class Look:
    """Sky, light and ground colours of one scene."""

    zenith: RGB = (58, 112, 188)
    horizon: RGB = (196, 218, 236)
    ground_near: RGB = (150, 146, 138)
    ground_far: RGB = (170, 172, 168)
    sun_yaw: float = 200.0
    sun_pitch: float = 38.0
    hills: RGB = (120, 146, 150)
    near_hills: RGB = (82, 112, 86)
    seed: int = 1
    sign_distance: float = 4.5
    """How far away the signposts stand (closer where a parapet is in the way)."""


@dataclass
class Scene:
    look: Look
    ground: list[tuple[list[Point], RGB]] = field(default_factory=list)
    lines: list[tuple[list[Point], RGB, int]] = field(default_factory=list)
    solids: list[tuple[float, Callable[[Canvas], None]]] = field(default_factory=list)

    def add(self, distance: float, draw: Callable[[Canvas], None]) -> None:
        self.solids.append((distance, draw))

    def render(self, width: int) -> Image.Image:
        c = Canvas(width * SUPERSAMPLE)
        self._sky(c)
        self._hills(c)
        self._ground(c)
        for pts, colour in self.ground:
            c.polygon(pts, colour, step=1.0)
        for pts, colour, w in self.lines:
            c.line(pts, colour, w * SUPERSAMPLE, step=0.5)
        for _d, draw in sorted(self.solids, key=lambda s: -s[0]):
            draw(c)
        self._nadir(c)
        return c.img.resize((width, width // 2), Image.Resampling.LANCZOS)

    def _sky(self, c: Canvas) -> None:
        lk = self.look
        half = c.h // 2
        for y in range(half + 1):
            t = (y / half) ** 2.2
            c.draw.line([(0, y), (c.w, y)], fill=mix(lk.zenith, lk.horizon, t))
        # the sun's glow, then clouds on their own layer, softened
        glow = Image.new("L", (c.w, half), 0)
        gd = ImageDraw.Draw(glow)
        sx, sy = c.project(at(lk.sun_yaw, 100, EYE + 100 * math.tan(math.radians(lk.sun_pitch))))
        for r in range(30, 0, -1):
            rr = r * c.w / 400
            gd.ellipse(
                [sx - rr * 1.3, sy - rr, sx + rr * 1.3, sy + rr], fill=int(255 * (1 - r / 30) ** 2)
            )
        sun = Image.new("RGB", (c.w, half), (255, 248, 226))
        c.img.paste(sun, (0, 0), glow.filter(ImageFilter.GaussianBlur(c.w / 500)))
        rng = random.Random(lk.seed)
        clouds = Image.new("L", (c.w, half), 0)
        cd = ImageDraw.Draw(clouds)
        for _ in range(26):
            lon = rng.uniform(0, c.w)
            lat = rng.uniform(4, 38)
            y = (0.5 - lat / 180) * c.h
            stretch = 1 / math.cos(math.radians(lat))
            size = rng.uniform(0.012, 0.03) * c.w * (1.2 - lat / 60)
            for _ in range(rng.randint(6, 12)):
                dx, dy = rng.gauss(0, size * 1.4), rng.gauss(0, size * 0.25)
                r = size * rng.uniform(0.4, 0.9)
                box = [
                    lon + dx - r * stretch,
                    y + dy - r * 0.55,
                    lon + dx + r * stretch,
                    y + dy + r * 0.55,
                ]
                for off in (-c.w, 0, c.w):
                    cd.ellipse(
                        [box[0] + off, box[1], box[2] + off, box[3]], fill=rng.randint(170, 235)
                    )
        clouds = clouds.filter(ImageFilter.GaussianBlur(c.w / 900))
        c.img.paste(Image.new("RGB", (c.w, half), (250, 251, 253)), (0, 0), clouds)

    def _hills(self, c: Canvas) -> None:
        lk = self.look
        rng = random.Random(lk.seed + 7)
        for colour, base, amp, waves in ((lk.hills, 1.2, 2.6, 5), (lk.near_hills, 0.3, 1.4, 9)):
            phases = [rng.uniform(0, 2 * math.pi) for _ in range(waves)]
            pts = []
            for i in range(0, c.w + 1, max(1, c.w // 1024)):
                lon = i / c.w * 2 * math.pi
                e = base + sum(
                    amp / (k + 1) * (0.5 + 0.5 * math.sin((k + 1) * lon + ph))
                    for k, ph in enumerate(phases)
                )
                pts.append((i, (0.5 - e / 180) * c.h))
            c.draw.polygon([(0, c.h // 2 + 2), *pts, (c.w, c.h // 2 + 2)], fill=colour)

    def _ground(self, c: Canvas) -> None:
        lk = self.look
        half = c.h // 2
        for y in range(half, c.h):
            lat = (0.5 - y / c.h) * 180
            dist = EYE / math.tan(math.radians(max(0.05, -lat)))
            c.draw.line([(0, y), (c.w, y)], fill=mix(lk.ground_near, lk.ground_far, dist / 120))
        rng = random.Random(lk.seed + 3)
        for _ in range(14000):  # speckles: gravel, tufts, worn stones near the camera
            d = 0.35 + rng.random() ** 2 * 28
            yaw = rng.uniform(-180, 180)
            x, _, z = at(yaw, d)
            s = rng.uniform(0.02, 0.06) * (0.6 + d / 10)
            colour = shade(lk.ground_near, rng.uniform(0.82, 1.12))
            c.polygon(
                [(x - s, 0, z - s), (x + s, 0, z - s), (x + s, 0, z + s), (x - s, 0, z + s)],
                colour,
                step=1,
            )

    def _nadir(self, c: Canvas) -> None:
        """A dark cap under the camera, as the tripod leaves in a real panorama."""
        top = int((0.5 + 82 / 180) * c.h)
        fade = int(c.h / 180)
        for y in range(top - fade, c.h):
            t = (y - top) / max(1, c.h - top)
            if y < top:
                under = c.img.getpixel((0, top - fade - 1))
                colour = mix(under, (60, 60, 62), (y - top + fade) / fade)
            else:
                colour = mix((60, 60, 62), (38, 38, 40), t)
            c.draw.line([(0, y), (c.w, y)], fill=colour)


# --- things in it ---------------------------------------------------------------------------


def ground_rect(
    scene: Scene, x0: float, z0: float, x1: float, z1: float, colour: RGB, turn: float = 0.0
) -> None:
    corners = [(x0, z0), (x1, z0), (x1, z1), (x0, z1)]
    pts = [rotate(p, turn) for p in corners]
    scene.ground.append(([(x, 0.0, z) for x, z in pts], colour))


def strip(scene: Scene, yaw: float, start: float, end: float, width: float, colour: RGB) -> None:
    """A path or road on the ground from `start` to `end` metres away towards `yaw`."""
    ground_rect(scene, -width / 2, start, width / 2, end, colour, turn=yaw)


def house(
    scene: Scene,
    cx: float,
    cz: float,
    width: float,
    depth: float,
    height: float,
    colour: RGB,
    roof: RGB = (150, 62, 44),
    turn: float = 0.0,
    floors: int = 3,
    sign: str | None = None,
    gable: bool = False,
    tower: float = 0.0,
    look: Look | None = None,
) -> None:
    """A house: a box with a pitched roof, windows on every floor, a door, maybe a shop sign.
    `turn` rotates it about its centre (degrees); only walls facing the camera are drawn."""
    hw, hd = width / 2, depth / 2
    base = [rotate(p, turn) for p in ((-hw, -hd), (hw, -hd), (hw, hd), (-hw, hd))]
    base = [(x + cx, z + cz) for x, z in base]
    ridge_h = height + (width if gable else depth) * 0.45
    sun = look.sun_yaw if look else 200.0

    def draw(c: Canvas) -> None:
        walls = []
        for i in range(4):
            a, b = base[i], base[(i + 1) % 4]
            nx, nz = (b[1] - a[1]), -(b[0] - a[0])  # outward normal (counter-clockwise)
            mx, mz = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
            if nx * (0 - mx) + nz * (0 - mz) <= 0:
                continue
            walls.append((i, a, b, nx, nz))
        front = (
            max(
                walls,
                key=lambda w: (
                    -(w[3] * (w[1][0] + w[2][0]) + w[4] * (w[1][1] + w[2][1]))
                    / math.hypot(w[3], w[4])
                    / max(1e-6, math.hypot(w[1][0] + w[2][0], w[1][1] + w[2][1]))
                ),
            )[0]
            if walls
            else -1
        )
        for i, a, b, nx, nz in walls:
            n = math.hypot(nx, nz)
            light = 0.78 + 0.3 * max(
                0.0, (nx * math.sin(math.radians(sun)) + nz * math.cos(math.radians(sun))) / n
            )
            wall = shade(colour, light)
            pts = [(a[0], 0, a[1]), (b[0], 0, b[1]), (b[0], height, b[1]), (a[0], height, a[1])]
            gable_end = (i % 2 == 0) == gable
            if gable_end:
                mid = ((a[0] + b[0]) / 2, ridge_h, (a[1] + b[1]) / 2)
                pts.insert(3, mid)
            c.polygon(pts, wall, step=0.4)
            length = math.dist(a, b)
            _windows(c, a, b, length, height, floors, wall, sign if i == front else None)
        _roof(c, base, height, ridge_h, gable, shade(roof, 0.95))
        if tower:
            _tower(c, cx, cz, height, tower, colour, roof)

    scene.add(math.hypot(cx, cz), draw)


def _windows(
    c: Canvas,
    a: tuple,
    b: tuple,
    length: float,
    height: float,
    floors: int,
    wall: RGB,
    sign: str | None,
) -> None:
    ux, uz = (b[0] - a[0]) / length, (b[1] - a[1]) / length
    per_floor = max(1, int(length / 2.6))
    floor_h = height / (floors + 0.3)
    glass, frame = (52, 66, 84), shade(wall, 1.25)

    def quad(u0: float, u1: float, v0: float, v1: float, fill: RGB) -> None:
        # a hair in front of the wall, so it never fights with it
        off = 0.02
        nx, nz = uz * off, -ux * off
        p = [
            (a[0] + ux * u + nx, v, a[1] + uz * u + nz)
            for u, v in ((u0, v0), (u1, v0), (u1, v1), (u0, v1))
        ]
        c.polygon(p, fill, step=0.4)

    for f in range(floors):
        v0 = 0.3 * floor_h + f * floor_h + (0.25 if f else 0.0)
        for k in range(per_floor):
            u = (k + 0.5) * length / per_floor
            if f == 0 and k == per_floor // 2:
                quad(u - 0.6, u + 0.6, 0.0, 2.3, (92, 58, 36))  # the door
                continue
            w, hgt = (0.55, 0.8) if f else (0.8, 0.85)
            quad(u - w - 0.08, u + w + 0.08, v0 - 0.08, v0 + hgt * floor_h * 0.75 + 0.08, frame)
            quad(u - w, u + w, v0, v0 + hgt * floor_h * 0.75, glass)
    if sign:
        tex = board_texture(sign, None, (250, 246, 236), (70, 40, 30), 900, 150)
        u0, u1 = length * 0.2, length * 0.8
        v = floor_h * 1.02
        off = 0.05
        nx, nz = uz * off, -ux * off
        tl = (a[0] + ux * u0 + nx, v + 0.7, a[1] + uz * u0 + nz)
        tr = (a[0] + ux * u1 + nx, v + 0.7, a[1] + uz * u1 + nz)
        br = (a[0] + ux * u1 + nx, v, a[1] + uz * u1 + nz)
        bl = (a[0] + ux * u0 + nx, v, a[1] + uz * u0 + nz)
        c.texture(tex, (tl, tr, br, bl), strips=6)


def _roof(c: Canvas, base: list, height: float, ridge_h: float, gable: bool, roof: RGB) -> None:
    # the ridge runs between the midpoints of the two gable-end walls
    if gable:
        r0 = ((base[0][0] + base[1][0]) / 2, (base[0][1] + base[1][1]) / 2)
        r1 = ((base[2][0] + base[3][0]) / 2, (base[2][1] + base[3][1]) / 2)
        slopes = [(base[1], base[2], r1, r0), (base[3], base[0], r0, r1)]
    else:
        r0 = ((base[1][0] + base[2][0]) / 2, (base[1][1] + base[2][1]) / 2)
        r1 = ((base[3][0] + base[0][0]) / 2, (base[3][1] + base[0][1]) / 2)
        slopes = [(base[0], base[1], r0, r1), (base[2], base[3], r1, r0)]
    for k, (a, b, rb, ra) in enumerate(slopes):
        pts = [
            (a[0], height, a[1]),
            (b[0], height, b[1]),
            (rb[0], ridge_h, rb[1]),
            (ra[0], ridge_h, ra[1]),
        ]
        e1 = [pts[1][i] - pts[0][i] for i in range(3)]
        e2 = [pts[3][i] - pts[0][i] for i in range(3)]
        n = [
            e1[1] * e2[2] - e1[2] * e2[1],
            e1[2] * e2[0] - e1[0] * e2[2],
            e1[0] * e2[1] - e1[1] * e2[0],
        ]
        if n[1] < 0:
            n = [-v for v in n]
        to_eye = (-pts[0][0], EYE - pts[0][1], -pts[0][2])
        if sum(n[i] * to_eye[i] for i in range(3)) > 0:
            c.polygon(pts, shade(roof, 1.0 if k else 0.85), step=0.4)


def _tower(
    c: Canvas, cx: float, cz: float, bottom: float, top: float, colour: RGB, roof: RGB
) -> None:
    s = 2.2
    d = math.hypot(cx, cz)
    ux, uz = -cz / d, cx / d  # across the line of sight
    p = [
        (cx - ux * s, bottom, cz - uz * s),
        (cx + ux * s, bottom, cz + uz * s),
        (cx + ux * s, top, cz + uz * s),
        (cx - ux * s, top, cz - uz * s),
    ]
    c.polygon(p, shade(colour, 0.95), step=0.5)
    c.polygon(
        [
            (cx - ux * (s + 0.3), top, cz - uz * (s + 0.3)),
            (cx + ux * (s + 0.3), top, cz + uz * (s + 0.3)),
            (cx, top + 7, cz),
        ],
        shade(roof, 0.8),
        step=0.5,
    )
    # the clock: a white disc with two hands
    cy = top - 2.2
    ring = [
        (cx + ux * 1.3 * math.cos(t), cy + 1.3 * math.sin(t), cz + uz * 1.3 * math.cos(t))
        for t in (i * math.pi / 18 for i in range(36))
    ]
    c.polygon([(x - cx / d * 0.1, y, z - cz / d * 0.1) for x, y, z in ring], (246, 242, 230))
    c.line([(cx, cy, cz), (cx + ux * 0.9, cy + 0.3, cz + uz * 0.9)], (30, 30, 30), 5)
    c.line([(cx, cy, cz), (cx - ux * 0.2, cy + 1.1, cz - uz * 0.2)], (30, 30, 30), 5)


def tree(
    scene: Scene,
    x: float,
    z: float,
    height: float = 9.0,
    crown: float = 3.0,
    colour: RGB = (64, 112, 52),
    seed: int = 0,
) -> None:
    d = math.hypot(x, z)
    ux, uz = -z / d, x / d
    rng = random.Random(seed)

    def draw(c: Canvas) -> None:
        t = 0.18 + height * 0.01
        c.polygon(
            [
                (x - ux * t, 0, z - uz * t),
                (x + ux * t, 0, z + uz * t),
                (x + ux * t * 0.6, height * 0.6, z + uz * t * 0.6),
                (x - ux * t * 0.6, height * 0.6, z - uz * t * 0.6),
            ],
            (84, 64, 46),
        )
        cy = height - crown
        for k, (dx, dy, r, f) in enumerate(
            [
                (0, 0, 1.0, 0.8),
                (-0.35, 0.3, 0.7, 0.95),
                (0.3, 0.45, 0.6, 1.05),
                (-0.1, 0.65, 0.45, 1.15),
            ]
        ):
            pts = []
            wobble = [rng.uniform(0.9, 1.1) for _ in range(9)]
            for i in range(36):
                a = i * math.pi / 18
                rr = crown * r * wobble[i % 9]
                px = x + ux * (dx * crown + rr * math.cos(a))
                pz = z + uz * (dx * crown + rr * math.cos(a))
                pts.append((px, cy + dy * crown + rr * math.sin(a) * 0.9, pz))
            c.polygon(pts, shade(colour, f + 0.02 * k))

    scene.add(d, draw)


def fir(scene: Scene, x: float, z: float, height: float = 14.0, colour: RGB = (34, 74, 46)) -> None:
    d = math.hypot(x, z)
    ux, uz = -z / d, x / d
    w = height * 0.22

    def draw(c: Canvas) -> None:
        t = 0.2
        c.polygon(
            [
                (x - ux * t, 0, z - uz * t),
                (x + ux * t, 0, z + uz * t),
                (x + ux * t, height * 0.3, z + uz * t),
                (x - ux * t, height * 0.3, z - uz * t),
            ],
            (70, 52, 38),
        )
        for k in range(4):
            b = height * (0.18 + k * 0.2)
            r = w * (1 - k * 0.2)
            c.polygon(
                [
                    (x - ux * r, b, z - uz * r),
                    (x + ux * r, b, z + uz * r),
                    (x, b + height * 0.36, z),
                ],
                shade(colour, 0.9 + k * 0.07),
                step=0.4,
            )

    scene.add(d, draw)


def lamp(scene: Scene, x: float, z: float) -> None:
    def draw(c: Canvas) -> None:
        c.line([(x, 0, z), (x, 4.2, z)], (40, 44, 48), 3 * SUPERSAMPLE, step=0.2)
        c.polygon(
            [(x - 0.25, 4.2, z), (x + 0.25, 4.2, z), (x + 0.15, 4.7, z), (x - 0.15, 4.7, z)],
            (236, 226, 180),
        )

    scene.add(math.hypot(x, z), draw)


def bench(scene: Scene, x: float, z: float, turn: float = 0.0) -> None:
    def draw(c: Canvas) -> None:
        a = rotate((-0.9, 0), turn)
        b = rotate((0.9, 0), turn)
        for y, col in ((0.45, (120, 84, 52)), (0.8, (130, 92, 58))):
            c.line([(x + a[0], y, z + a[1]), (x + b[0], y, z + b[1])], col, 4 * SUPERSAMPLE)
        for p in (a, b):
            c.line(
                [(x + p[0], 0, z + p[1]), (x + p[0], 0.8, z + p[1])], (50, 50, 50), 2 * SUPERSAMPLE
            )

    scene.add(math.hypot(x, z), draw)


def board_texture(text: str, sub: str | None, bg: RGB, fg: RGB, w: int, h: int) -> Image.Image:
    """A sign board with one or two lines of text, as an RGBA image."""
    img = Image.new("RGBA", (w, h), (*bg, 255))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w - 1, h - 1], outline=(*fg, 255), width=max(3, h // 24))
    size = int(h * (0.44 if sub else 0.6))
    f = font(size)
    while d.textlength(text, font=f) > w * 0.9 and size > 10:
        size -= 2
        f = font(size)
    if sub:
        d.text((w / 2, h * 0.36), text, font=f, fill=(*fg, 255), anchor="mm")
        sub_size = int(h * 0.26)
        while d.textlength(sub, font=font(sub_size, bold=False)) > w * 0.9 and sub_size > 10:
            sub_size -= 2
        d.text(
            (w / 2, h * 0.76), sub, font=font(sub_size, bold=False), fill=(*fg, 255), anchor="mm"
        )
    else:
        d.text((w / 2, h / 2), text, font=f, fill=(*fg, 255), anchor="mm")
    return img


def signpost(scene: Scene, yaw: float, title: str, distance: str, dist: float = 4.5) -> None:
    """A fingerpost in the hotspot's direction: a post and a board facing the visitor."""
    x, _, z = at(yaw, dist)
    ux, uz = math.cos(math.radians(yaw)), -math.sin(math.radians(yaw))
    half = 0.95

    def draw(c: Canvas) -> None:
        post = 0.06
        c.polygon(
            [
                (x - ux * post, 0, z - uz * post),
                (x + ux * post, 0, z + uz * post),
                (x + ux * post, 2.6, z + uz * post),
                (x - ux * post, 2.6, z - uz * post),
            ],
            (96, 70, 44),
            step=0.2,
        )
        tex = board_texture(f"↑ {title}", distance, (252, 250, 240), (24, 62, 40), 1000, 260)
        top, bottom = 2.45, 1.9
        corners = (
            (x - ux * half, top, z - uz * half),
            (x + ux * half, top, z + uz * half),
            (x + ux * half, bottom, z + uz * half),
            (x - ux * half, bottom, z - uz * half),
        )
        c.texture(tex, corners, strips=8)

    scene.add(dist, draw)


# --- the places -------------------------------------------------------------------------------

TENEMENT = [
    (226, 196, 150),
    (198, 214, 196),
    (232, 210, 196),
    (214, 184, 132),
    (236, 226, 200),
    (188, 204, 222),
    (222, 172, 150),
    (208, 200, 176),
]
SHOPS = ["APTEKA", "PIEKARNIA", "KAWIARNIA", "KSIĘGARNIA", "POCZTA", "CUKIERNIA", "KWIACIARNIA"]


def gaps_ok(yaw: float, gaps: Sequence[float], width: float) -> bool:
    return all(abs((yaw - g + 180) % 360 - 180) > width for g in gaps)


def ring_of_houses(
    scene: Scene,
    radius_x: float,
    radius_z: float,
    gaps: Sequence[float],
    seed: int,
    look: Look,
    gap_width: float = 11.0,
) -> None:
    """Tenement houses around a square, leaving a street open towards every way on."""
    rng = random.Random(seed)
    # walk the rectangle's sides, a house every ~9 m
    sides = [
        ((-radius_x, radius_z), (radius_x, radius_z)),
        ((radius_x, radius_z), (radius_x, -radius_z)),
        ((radius_x, -radius_z), (-radius_x, -radius_z)),
        ((-radius_x, -radius_z), (-radius_x, radius_z)),
    ]
    shop = 0
    for a, b in sides:
        length = math.dist(a, b)
        n = int(length / 9)
        for k in range(n):
            t = (k + 0.5) / n
            px, pz = a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
            yaw = math.degrees(math.atan2(px, pz))
            if not gaps_ok(yaw, gaps, gap_width):
                continue
            turn = -math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
            # push the house outwards so its front is on the side line
            nx, nz = (b[1] - a[1]) / length, -(b[0] - a[0]) / length
            depth = 10.0
            cx, cz = px - nx * depth / 2, pz - nz * depth / 2
            sign = SHOPS[shop % len(SHOPS)] if rng.random() < 0.45 else None
            shop += 1 if sign else 0
            house(
                scene,
                cx,
                cz,
                length / n - 0.15,
                depth,
                rng.uniform(11, 15),
                rng.choice(TENEMENT),
                roof=rng.choice([(156, 66, 46), (122, 60, 48), (92, 92, 96)]),
                turn=turn,
                floors=rng.choice([3, 3, 4]),
                sign=sign,
                gable=rng.random() < 0.5,
                look=look,
            )


def rynek(scene: Scene, ways: list) -> None:
    lk = scene.look
    gaps = [w[0] for w in ways]
    ring_of_houses(scene, 38, 44, gaps, seed=11, look=lk)
    for yaw in gaps:  # the streets out of the square, with houses further along
        strip(scene, yaw, 36, 160, 7, (128, 126, 122))
        for side in (-1, 1):
            for k in range(3):
                d = 60 + k * 20
                x, _, z = at(yaw + side * math.degrees(math.atan2(9.5, d)), d)
                house(
                    scene,
                    x,
                    z,
                    8,
                    8,
                    10 + k,
                    TENEMENT[(k + side) % len(TENEMENT)],
                    turn=yaw,
                    floors=3,
                    look=lk,
                )
    # the town hall stands in the square, straight ahead, with its clock tower
    house(
        scene,
        0,
        31,
        16,
        12,
        9,
        (236, 228, 206),
        roof=(120, 58, 42),
        floors=2,
        gable=False,
        tower=24,
        look=lk,
    )
    # cobbles: a grid of joints, fading with distance
    col = (118, 114, 108)
    for k in range(-30, 30):
        v = (k + 0.5) * 1.2
        scene.lines.append(([(v, 0, -40), (v, 0, 15)], col, 1))
    for k in range(-34, 13):
        v = (k + 0.5) * 1.2
        scene.lines.append(([(-36, 0, v), (36, 0, v)], col, 1))
    for x, z in ((-9, 6), (9, 6), (-9, -8), (9, -8), (-14, 14), (14, 16)):
        lamp(scene, x, z)
    for k, (x, z) in enumerate(((-22, 14), (22, 12), (-20, -16), (24, -14))):
        tree(scene, x, z, 8, 2.6, seed=k)
    bench(scene, -5, -6, 20)
    bench(scene, 6, -7, -30)


def most(scene: Scene, ways: list) -> None:
    lk = scene.look
    # the bridge runs across the image (yaw ±90); the river flows ahead (yaw 0) and behind
    water, bank = (70, 112, 134), (96, 132, 70)
    for sz in (1, -1):
        ground_rect(scene, -13, 3.2 * sz, 13, 320 * sz, water)
        ground_rect(scene, 13, 3.2 * sz, 300, 320 * sz, bank)
        ground_rect(scene, -300, 3.2 * sz, -13, 320 * sz, bank)
    for sx in (1, -1):
        ground_rect(scene, 40 * sx, -3.2, 300 * sx, 3.2, (110, 110, 112))
    rng = random.Random(5)
    for _ in range(160):  # ripples
        x, z = rng.uniform(-11, 11), rng.choice([1, -1]) * rng.uniform(6, 150)
        scene.lines.append(([(x - 0.8, 0.01, z), (x + 0.8, 0.01, z)], (120, 160, 182), 1))
    for sz in (1, -1):  # railings: a stone parapet along each side of the deck
        z = 3.2 * sz

        def parapet(c: Canvas, z: float = z) -> None:
            for x0 in range(-40, 40, 2):
                c.polygon(
                    [(x0, 0, z), (x0 + 2, 0, z), (x0 + 2, 0.95, z), (x0, 0.95, z)],
                    (168, 158, 144),
                    step=0.3,
                )
                c.line([(x0, 0, z), (x0, 0.95, z)], (128, 120, 108), 2 * SUPERSAMPLE, step=0.2)
                c.line([(x0, 0.45, z), (x0 + 2, 0.45, z)], (150, 140, 126), SUPERSAMPLE, step=0.2)
            c.polygon(
                [(-40, 0.95, z), (40, 0.95, z), (40, 1.1, z), (-40, 1.1, z)],
                (196, 188, 174),
                step=0.3,
            )

        scene.add(3.2, parapet)
    for k in range(14):  # trees on both banks, houses behind them
        for sx in (1, -1):
            tree(
                scene,
                sx * rng.uniform(17, 24),
                rng.uniform(-160, 160),
                rng.uniform(8, 13),
                rng.uniform(2.5, 4),
                seed=k * 2 + (sx > 0),
            )
    for k in range(6):
        for sx in (1, -1):
            house(
                scene,
                sx * 34,
                -110 + k * 40,
                10,
                9,
                9,
                TENEMENT[k % len(TENEMENT)],
                turn=0,
                floors=2,
                look=lk,
            )
    for sx in (1, -1):
        lamp(scene, sx * 12, 2.6)
        lamp(scene, sx * 12, -2.6)


def park(scene: Scene, ways: list) -> None:
    lk = scene.look
    grass = (92, 138, 64)
    for sx in (1, -1):
        for sz in (1, -1):
            ground_rect(scene, 1.6 * sx, 1.6 * sz, 200 * sx, 200 * sz, grass)
    # the pump room at the end of the path ahead: a pavilion with columns
    house(
        scene,
        0,
        44,
        22,
        12,
        7,
        (240, 236, 222),
        roof=(70, 96, 90),
        floors=1,
        gable=False,
        sign="PIJALNIA WÓD",
        look=lk,
    )
    rng = random.Random(3)
    k = 0
    for x in range(-60, 61, 12):
        for z in range(-60, 61, 14):
            if abs(x) < 7 or abs(z) < 7 or (abs(x) < 16 and 30 < z < 56):
                continue
            tree(
                scene,
                x + rng.uniform(-3, 3),
                z + rng.uniform(-3, 3),
                rng.uniform(9, 15),
                rng.uniform(3, 4.5),
                colour=(58 + rng.randint(0, 20), 110, 50),
                seed=k,
            )
            k += 1
    for z in (-12, 12):
        bench(scene, -3, z, 90)
        bench(scene, 3, z, 90)
    for z in (-20, 20):
        lamp(scene, -2.4, z)


def las(scene: Scene, ways: list) -> None:
    lk = scene.look
    dirt = (130, 108, 80)
    for yaw, *_ in ways:
        strip(scene, yaw, 0.9, 300, 2.6, dirt)
    strip(scene, 150, 0.9, 120, 2.2, dirt)  # the nature trail into the forest
    rng = random.Random(9)
    for _ in range(340):  # the forest fills the half behind the visitor
        yaw = rng.uniform(60, 300)
        if not gaps_ok(yaw, [150], 4):
            continue
        d = rng.uniform(12, 90)
        x, _, z = at(yaw, d)
        fir(scene, x, z, rng.uniform(12, 22))
    # towards the town: fields, a few houses on the horizon
    for k in range(9):
        x, _, z = at(-40 + k * 10, 260 + (k % 3) * 30)
        house(scene, x, z, 9, 9, 8, TENEMENT[k % len(TENEMENT)], turn=k * 7, floors=2, look=lk)
    # an information board at the trail
    x, _, z = at(150, 6)
    ux, uz = math.cos(math.radians(150)), -math.sin(math.radians(150))

    def board(c: Canvas) -> None:
        tex = board_texture(
            "ŚCIEŻKA PRZYRODNICZA", "Las Jodłowy · 4,5 km", (92, 66, 40), (250, 240, 220), 1000, 420
        )
        for s in (-1, 1):
            c.line(
                [(x + s * ux, 0, z + s * uz), (x + s * ux, 2.1, z + s * uz)],
                (80, 56, 36),
                4 * SUPERSAMPLE,
                step=0.2,
            )
        c.texture(
            tex,
            (
                (x - ux * 1.1, 2.2, z - uz * 1.1),
                (x + ux * 1.1, 2.2, z + uz * 1.1),
                (x + ux * 1.1, 1.3, z + uz * 1.1),
                (x - ux * 1.1, 1.3, z - uz * 1.1),
            ),
        )

    scene.add(6, board)


def dworzec(scene: Scene, ways: list) -> None:
    lk = scene.look
    # the forecourt (paving, under the camera); the station building ahead, rails beyond it
    scene.ground.append(([(-120, 0, 32), (120, 0, 32), (120, 0, 44), (-120, 0, 44)], (96, 88, 80)))
    for zr in (35.0, 36.5, 40.0, 41.5):
        scene.lines.append(([(-120, 0.02, zr), (120, 0.02, zr)], (150, 150, 156), 2))
    house(
        scene,
        0,
        24,
        34,
        10,
        9,
        (178, 96, 70),
        roof=(90, 90, 96),
        floors=2,
        gable=False,
        sign="JODŁÓW ŚLĄSKI",
        look=lk,
    )
    for sx in (-1, 1):  # platform canopies left and right of the building
        house(
            scene, sx * 34, 30, 30, 5, 4.2, (210, 210, 204), roof=(100, 100, 104), floors=1, look=lk
        )
    for yaw, *_ in ways:
        strip(scene, yaw, 8, 200, 7, (120, 118, 114))
    rng = random.Random(4)
    for k in range(10):
        tree(
            scene,
            rng.uniform(-60, 60),
            rng.uniform(-70, -25),
            rng.uniform(8, 12),
            rng.uniform(2.5, 3.5),
            seed=k,
        )
    for x in (-14, -6, 6, 14):
        lamp(scene, x, 12)
    bench(scene, -8, 15, 0)
    bench(scene, 8, 15, 0)


SCENES: dict[str, tuple[Callable[[Scene, list], None], Look]] = {
    "rynek": (rynek, Look(seed=11, sun_yaw=180)),
    "most": (
        most,
        Look(
            seed=22,
            ground_near=(122, 120, 118),
            ground_far=(150, 156, 150),
            sun_yaw=110,
            sign_distance=2.8,
        ),
    ),
    "park": (
        park,
        Look(seed=33, ground_near=(178, 164, 132), ground_far=(120, 150, 96), sun_yaw=230),
    ),
    "las": (
        las,
        Look(
            seed=44,
            ground_near=(110, 140, 72),
            ground_far=(130, 150, 100),
            zenith=(70, 120, 190),
            sun_yaw=-70,
        ),
    ),
    "dworzec": (dworzec, Look(seed=55, ground_near=(140, 136, 130), sun_yaw=160)),
}


def distance_label(a: dict, b: dict) -> str:
    """Walking distance as a signpost says it: 180 m, 1 km."""
    lat = math.radians((a["lat"] + b["lat"]) / 2)
    dx = (b["long"] - a["long"]) * 111_320 * math.cos(lat)
    dy = (b["lat"] - a["lat"]) * 110_570
    metres = math.hypot(dx, dy)
    if metres >= 950:
        return f"{metres / 1000:.1f} km".replace(".0 km", " km").replace(".", ",")
    return f"{int(round(metres / 10) * 10)} m"


def render_node(node: dict, nodes: dict[str, dict], width: int) -> Image.Image:
    build, look = SCENES[node["id"]]
    scene = Scene(look)
    ways = []
    for spot in node.get("hotspots", []):
        target = nodes.get(spot.get("target", ""))
        if target is None:
            continue
        title = target["title"]["pl"] if isinstance(target["title"], dict) else target["title"]
        label = distance_label(node["location"], target["location"])
        ways.append((float(spot["yaw"]), title, label))
    build(scene, ways)
    for yaw, title, label in ways:
        signpost(scene, yaw, title, label, look.sign_distance)
    return scene.render(width)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=4096, help="image width (height is half)")
    parser.add_argument("--only", help="render only this node id")
    args = parser.parse_args()
    walk = yaml.safe_load((PANORAMAS / "walk.yaml").read_text(encoding="utf-8"))
    nodes = {n["id"]: n for n in walk["nodes"]}
    for node in walk["nodes"]:
        if args.only and node["id"] != args.only:
            continue
        if node["id"] not in SCENES:
            print(f"skipped {node['id']}: no synthetic scene for it")
            continue
        out = REPO / "content" / node["image"]
        render_node(node, nodes, args.size).save(out, quality=86, optimize=True)
        print(f"wrote {out.relative_to(REPO)} ({out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
