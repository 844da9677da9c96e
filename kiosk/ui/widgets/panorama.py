"""The 360° panorama on screen: a GLSL shader projects the equirectangular image, per pixel,
on a quad that fills the widget; Python only moves the camera.

The fragment shader turns each screen pixel into a view ray (the same maths as
kiosk.walk.projection, which the tests check against known directions), turns the ray into
longitude and latitude, and samples the left or the right half texture. `fract` makes the
0°/360° join one continuous column, and without mipmaps nothing blurs along it. A single
whole texture (a place's small preview) works the same way while the halves load. Moving to
another place cross-fades: the shader draws the old place (frozen where the visitor looked)
under the new one for a moment. The fade is timed from the touch, and each frame blends for
the moment it will be seen (kiosk.walk.fade), so even a slow renderer shows mostly the new
place in its first frame after the touch.

Touches: one finger drags the view (with inertia after a flick), two fingers pinch to zoom,
a short touch without movement is a tap (`on_tap`, for the hotspots). Every change of view
fires `on_view`, once per frame at most, for the markers drawn above.

`GpuTextures` uploads places ahead of need, a band of rows per frame (kiosk.walk.uploads).
Kivy can only allocate a texture by uploading a whole texture of zeros, which costs about as
much as uploading the picture itself: a band that allocates is one long step, done only in
frames where nothing moves (never while a finger drags, never during a fade).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

from kivy.clock import Clock
from kivy.graphics import BindTexture, Callback, Color, Rectangle, RenderContext
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.widget import Widget

from kiosk.walk.fade import Fade, FramePace
from kiosk.walk.motion import LookControl
from kiosk.walk.preload import Pixels
from kiosk.walk.projection import View, Viewport
from kiosk.walk.uploads import BYTES_PER_TEXEL, DEFAULT_BUDGET, Band, UploadPlan

FRAGMENT = """
$HEADER$
uniform sampler2D texture1;  // the right half (texture0: the left half, or the whole image)
uniform sampler2D texture2;  // the place faded out from: left half or whole
uniform sampler2D texture3;  // ... and its right half
uniform vec2 view_size;
uniform float focal;
uniform float focal_old;
uniform vec4 rot;      // cos yaw, sin yaw, cos pitch, sin pitch
uniform vec4 rot_old;
uniform float halves;  // 1.0: two half textures; 0.0: one whole image
uniform float halves_old;
uniform float blend;   // 1.0: only the place now; below: fading in over the place before

const float TWO_PI = 6.28318530718;
const float PI = 3.14159265359;

// Where on the equirectangular image the view ray through this pixel lands.
vec2 equirect(vec4 r, float f) {
    // the ray in camera coordinates: x right, y up, z ahead
    vec3 c = vec3((tex_coord0 - 0.5) * view_size, f);
    // pitch about the camera's x axis, then yaw about the vertical axis
    float y1 = c.y * r.z + c.z * r.w;
    float z1 = c.z * r.z - c.y * r.w;
    vec3 d = vec3(c.x * r.x + z1 * r.y, y1, z1 * r.x - c.x * r.y);
    // longitude 0 is the image's centre column; fract() closes the 0/360 join
    float u = fract(0.5 + atan(d.x, d.z) / TWO_PI);
    float v = 0.5 - atan(d.y, length(d.xz)) / PI;
    return vec2(u, v);
}

void main(void) {
    vec2 a = equirect(rot, focal);
    vec4 left = texture2D(texture0, vec2(mix(a.x, 2.0 * a.x, halves), a.y));
    vec4 right = texture2D(texture1, vec2(2.0 * a.x - 1.0, a.y));
    vec3 rgb = mix(left, right, halves * step(0.5, a.x)).rgb;
    if (blend < 1.0) {
        vec2 b = equirect(rot_old, focal_old);
        vec4 old_left = texture2D(texture2, vec2(mix(b.x, 2.0 * b.x, halves_old), b.y));
        vec4 old_right = texture2D(texture3, vec2(2.0 * b.x - 1.0, b.y));
        vec3 old = mix(old_left, old_right, halves_old * step(0.5, b.x)).rgb;
        rgb = mix(old, rgb, blend);
    }
    gl_FragColor = vec4(rgb, 1.0);
}
"""
"""GLSL ES 1.0 (OpenGL ES 2), as the Raspberry Pi's V3D and every desktop driver take it."""

TAP_DISTANCE = 20.0
"""Pixels a finger may move and still make a tap."""
TAP_SECONDS = 0.6
BAND_BYTES = 1024 * 1024
"""Pixels per band upload: a few milliseconds on a Raspberry Pi."""


def _new_texture(width: int, height: int, allocate: bool) -> Texture:
    """A GPU texture for panorama pixels: linear filtering, no mipmaps (nothing to blur across
    the halves' edges or the 0°/360° join), clamped edges. Without `allocate` no zeros are
    uploaded first: the first blit must then be the whole image."""
    callback = None if allocate else _no_pixels
    texture = Texture.create(
        size=(width, height), colorfmt="rgb", bufferfmt="ubyte", mipmap=False, callback=callback
    )
    texture.wrap = "clamp_to_edge"
    texture.min_filter = "linear"
    texture.mag_filter = "linear"
    return texture


def _no_pixels(_texture: Texture) -> None:
    """Kivy's hook for filling a texture on first use: the pixels come by blit instead."""


def make_texture(pixels: Pixels) -> Texture:
    """Upload decoded pixels as a GPU texture in one go (one upload, no zero fill first)."""
    texture = _new_texture(pixels.width, pixels.height, allocate=False)
    texture.blit_buffer(pixels.data, colorfmt="rgb", bufferfmt="ubyte")
    return texture


def texture_bytes(texture: Texture | None) -> int:
    """GPU memory a texture takes, counted as 4 bytes a texel (GPUs often pad RGB)."""
    return 0 if texture is None else texture.width * texture.height * BYTES_PER_TEXEL


class GpuTextures:
    """Places' textures on the GPU, uploaded ahead in bands within a memory budget."""

    def __init__(self, budget: int = DEFAULT_BUDGET):
        self.plan = UploadPlan(budget)
        self._textures: dict[str, list[Texture | None]] = {}

    def want(self, wanted: Sequence[tuple[str, Sequence[tuple[int, int]]]]) -> None:
        """Keep these places (key, texture sizes), most important first; release the rest."""
        for key in self.plan.want(wanted):
            self._textures.pop(key, None)
        kept = self.plan.kept()
        for key, sizes in wanted:
            if key in kept and key not in self._textures:
                self._textures[key] = [None] * len(sizes)

    def get(self, key: str) -> list[Texture] | None:
        """The place's textures if they are complete on the GPU."""
        if not self.plan.complete(key):
            return None
        return [t for t in self._textures[key] if t is not None]

    def step(
        self,
        pixels_of: Callable[[str], list[Pixels] | None],
        seconds: float = 0.004,
        clock: Callable[[], float] = time.perf_counter,
    ) -> list[str]:
        """Upload bands for about `seconds`; returns the places completed by it."""
        end = clock() + seconds
        completed: list[str] = []
        while clock() < end:
            band = self.plan.next_band(lambda k: pixels_of(k) is not None, BAND_BYTES)
            if band is None:
                break
            self._upload(band, pixels_of(band.key))  # type: ignore[arg-type]
            if self.plan.complete(band.key):
                completed.append(band.key)
        return completed

    def held_bytes(self) -> int:
        return sum(texture_bytes(t) for ts in self._textures.values() for t in ts if t)

    def ready(self) -> list[str]:
        """The places complete on the GPU."""
        return [k for k in self._textures if self.plan.complete(k)]

    def clear(self) -> None:
        self.want([])

    def _upload(self, band: Band, pixels: list[Pixels]) -> None:
        image = pixels[band.index]
        slots = self._textures[band.key]
        if band.allocate:
            texture = _new_texture(image.width, image.height, allocate=True)
            texture.bind()  # allocates the whole texture (zeros) once
            slots[band.index] = texture
        else:
            stride = image.width * 3
            rows = image.data[band.y0 * stride : band.y1 * stride]
            slots[band.index].blit_buffer(  # type: ignore[union-attr]
                rows,
                size=(image.width, band.y1 - band.y0),
                pos=(0, band.y0),
                colorfmt="rgb",
                bufferfmt="ubyte",
            )
        self.plan.done(band)


class PanoramaView(Widget):
    blend = NumericProperty(1.0)
    """1: the place shown; below 1 while it fades in over the place before."""
    shader_ok = BooleanProperty(False)
    """Whether the projection shader compiled and linked in this window's GL context."""
    touching = BooleanProperty(False)

    __events__ = ("on_tap", "on_view")

    def __init__(self, clock: Callable[[], float] = time.monotonic, **kwargs):
        self.canvas = RenderContext(
            use_parent_projection=True,
            use_parent_modelview=True,
            use_parent_frag_modelview=True,
        )
        self.canvas.shader.fs = FRAGMENT
        super().__init__(**kwargs)
        self.shader_ok = bool(self.canvas.shader.success)
        self.clock = clock
        self.control = LookControl(View(), Viewport(max(1, self.width), max(1, self.height)))
        self.textures: list[Texture] = []
        self._old: list[Texture] = []
        self._touches: dict = {}
        self._tap: tuple[float, float, float] | None = None
        self._ticker = None
        self._fade: Fade | None = None
        self._fading = None
        self.pace = FramePace()
        self._view_sent: tuple[View, Viewport] | None = None
        with self.canvas:
            Color(1, 1, 1, 1)
            self._bind = [BindTexture(index=i) for i in (1, 2, 3)]
            self._rect = Rectangle(pos=self.pos, size=self.size)
            Callback(lambda _instr: self.pace.drawn())
        for index in (1, 2, 3):
            self.canvas[f"texture{index}"] = index
        self.canvas["halves"] = 0.0
        self.canvas["halves_old"] = 0.0
        self.canvas["blend"] = 1.0
        self.canvas["rot_old"] = [1.0, 0.0, 1.0, 0.0]
        self.canvas["focal_old"] = 1.0
        self.bind(pos=self._layout, size=self._layout, blend=self._on_blend)
        self._layout()

    # --- what the screen calls ---------------------------------------------------------------

    def show(self, textures: Sequence[Texture]) -> None:
        """Show one whole equirectangular texture, or its left and right halves, at once."""
        self._end_fade()
        self._set_textures(textures)

    def crossfade(self, textures: Sequence[Texture], view: View, duration: float) -> None:
        """Fade from what is shown now (frozen where it is) to `textures` seen from `view`,
        over `duration` seconds from now."""
        self._end_fade()
        if not self.textures or duration <= 0:
            self.show(textures)
            self.look_at(view)
            return
        old_view, viewport = self.control.view, self.control.viewport
        self._set_old(self.textures)
        self.canvas["rot_old"] = [float(v) for v in old_view.rotation()]
        self.canvas["focal_old"] = float(old_view.focal(viewport))
        self.canvas["halves_old"] = 1.0 if len(self.textures) > 1 else 0.0
        self._set_textures(textures)
        self.look_at(view)
        self._fade = Fade(self.clock(), duration)
        self._fading = Clock.schedule_interval(self._fade_step, 0)
        self._fade_step(0)  # the frame drawn next already blends, for when it is seen

    @property
    def fading(self) -> bool:
        return self._fade is not None

    def look_at(self, view: View) -> None:
        self.control.look_at(view, self.clock())
        self._apply()

    @property
    def view(self) -> View:
        return self.control.view

    @property
    def viewport(self) -> Viewport:
        return self.control.viewport

    def start(self) -> None:
        """Draw frames (inertia, the idle turn) while the view is on screen."""
        if self._ticker is None:
            self._ticker = Clock.schedule_interval(self._tick, 0)

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        self._touches.clear()
        self.control.touching = False
        self.touching = False

    def gpu_bytes(self) -> int:
        """GPU memory of the textures this view holds (the place, and during a fade the one
        before)."""
        held = {id(t): t for t in (*self.textures, *self._old)}
        return sum(texture_bytes(t) for t in held.values())

    # --- drawing -------------------------------------------------------------------------------

    def _set_textures(self, textures: Sequence[Texture]) -> None:
        self.textures = list(textures)
        self._rect.texture = self.textures[0] if self.textures else None
        self._rect.tex_coords = (0, 0, 1, 0, 1, 1, 0, 1)
        self._bind[0].texture = self.textures[-1] if self.textures else None
        self.canvas["halves"] = 1.0 if len(self.textures) > 1 else 0.0
        self.canvas.ask_update()

    def _set_old(self, textures: Sequence[Texture]) -> None:
        self._old = list(textures)
        self._bind[1].texture = self._old[0] if self._old else None
        self._bind[2].texture = self._old[-1] if self._old else None

    def _layout(self, *_args) -> None:
        self._rect.pos = self.pos
        self._rect.size = self.size
        self.control.resize(Viewport(max(1.0, self.width), max(1.0, self.height)))
        self._apply()

    def _apply(self) -> None:
        """Hand the camera to the shader; tell the markers where it looks now."""
        view, viewport = self.control.view, self.control.viewport
        self.canvas["view_size"] = (float(viewport.width), float(viewport.height))
        self.canvas["focal"] = float(view.focal(viewport))
        self.canvas["rot"] = [float(v) for v in view.rotation()]
        if (view, viewport) != self._view_sent:
            self._view_sent = (view, viewport)
            self.dispatch("on_view", view)

    def _on_blend(self, *_args) -> None:
        self.canvas["blend"] = float(self.blend)

    def _fade_step(self, _dt: float) -> None:
        """Once a frame during a fade: the blend of the moment this frame will be seen."""
        if self._fade is None:
            return
        blend = self._fade.blend(self.clock(), self.pace.lead)
        if blend >= 1.0:
            self._end_fade()
        else:
            self.blend = blend

    def _end_fade(self) -> None:
        """The fade is over (or cut short): only the place now, the place before let go."""
        if self._fading is not None:
            self._fading.cancel()
            self._fading = None
        self._fade = None
        self._set_old([])
        self.blend = 1.0

    def _tick(self, _dt: float) -> None:
        if self.get_root_window() is None:  # taken off screen without stop(): stop drawing
            self.stop()
            return
        now = self.clock()
        self.pace.computed(now)
        if self.control.step(now):
            self._apply()

    def on_view(self, view: View) -> None:
        pass

    def on_tap(self, x: float, y: float) -> None:
        pass

    # --- touches -----------------------------------------------------------------------------

    def on_touch_down(self, touch) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        if touch.is_mouse_scrolling:
            factor = 1.1 if touch.button == "scrolldown" else 1 / 1.1
            self.control.zoom(factor, self.clock())
            self._apply()
            return True
        touch.grab(self)
        self._touches[touch.uid] = touch.pos
        self.touching = True
        now = self.clock()
        if len(self._touches) == 1:
            self.control.press(now)
            self._tap = (touch.x, touch.y, now)
        else:
            self._tap = None
            self.control.pinch(self._spread(), now)
        return True

    def on_touch_move(self, touch) -> bool:
        if touch.grab_current is not self:
            return False
        before = self._touches.get(touch.uid, touch.pos)
        self._touches[touch.uid] = touch.pos
        now = self.clock()
        if len(self._touches) >= 2:
            self.control.pinch(self._spread(), now)
        else:
            self.control.drag(touch.x - before[0], touch.y - before[1], now)
            if self._tap and math.dist(self._tap[:2], touch.pos) > TAP_DISTANCE:
                self._tap = None
        self._apply()
        return True

    def on_touch_up(self, touch) -> bool:
        if touch.grab_current is not self:
            return False
        touch.ungrab(self)
        self._touches.pop(touch.uid, None)
        now = self.clock()
        if len(self._touches) == 1:  # one finger of a pinch left: go on dragging with it
            self.control.pinch_end(now)
            self.control.press(now)
        elif not self._touches:
            self.touching = False
            self.control.pinch_end(now)
            self.control.release(now)
            tap = self._tap
            self._tap = None
            if tap and now - tap[2] <= TAP_SECONDS:
                self.dispatch("on_tap", touch.x - self.x, touch.y - self.y)
        return True

    def _spread(self) -> float:
        points = list(self._touches.values())[:2]
        return math.dist(points[0], points[1]) if len(points) == 2 else 0.0
