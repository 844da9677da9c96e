"""Looking around: drags turn the view, a flick keeps turning and slows down, two fingers
zoom, and nobody touching for a while starts a slow turn on its own.

Plain Python driven by explicit timestamps, so tests replay a gesture exactly. The widget
calls `press`, `drag`, `release`, `pinch`, and `step(now)` once a frame; `view` is the result.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace

from kiosk.walk.projection import View, Viewport

VELOCITY_WINDOW = 0.1
"""Seconds of drag history that make the flick's speed (older motion is not the flick)."""
MAX_SPEED = 360.0
"""Degrees per second: a violent flick must not spin the visitor into nausea."""
STOP_SPEED = 1.0
"""Degrees per second under which inertia stops."""


@dataclass
class LookControl:
    view: View
    viewport: Viewport = Viewport(1920, 1080)
    friction: float = 0.45
    """Seconds in which inertia loses about two thirds of its speed."""
    autorotate_after: float = 8.0
    """Seconds without a touch before the view starts turning by itself."""
    autorotate_speed: float = 4.0
    """Degrees per second of that slow turn (reached after a gentle start)."""
    autorotate_ramp: float = 2.0
    last_touch: float = 0.0
    velocity: tuple[float, float] = (0.0, 0.0)
    touching: bool = False
    _samples: deque = field(default_factory=lambda: deque(maxlen=16), repr=False)
    _pinch: tuple[float, float] | None = field(default=None, repr=False)
    _last_step: float | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.view = self.view.limited(self.viewport)

    # --- what the widget reports -----------------------------------------------------------

    def resize(self, viewport: Viewport) -> None:
        self.viewport = viewport
        self.view = self.view.limited(viewport)

    def look_at(self, view: View, now: float) -> None:
        """Jump to a view (a new place's initial direction); any motion stops."""
        self.view = view.limited(self.viewport)
        self.velocity = (0.0, 0.0)
        self.last_touch = now

    def press(self, now: float) -> None:
        """A finger down: whatever was moving stops under it."""
        self.touching = True
        self.velocity = (0.0, 0.0)
        self.last_touch = now
        self._samples.clear()
        self._samples.append((now, self.view.yaw, self.view.pitch))

    def drag(self, dx: float, dy: float, now: float) -> None:
        """The finger moved by (dx, dy) pixels (y up): the scene follows the finger."""
        focal = self.view.focal(self.viewport)
        yaw = self.view.yaw - math.degrees(dx / focal)
        pitch = self.view.pitch - math.degrees(dy / focal)
        before = self.view
        self.view = replace(self.view, yaw=yaw, pitch=pitch).limited(self.viewport)
        self.last_touch = now
        # unwrapped yaw, so a drag across 180° does not look like a jump of 360°
        prev_t, prev_yaw, _ = self._samples[-1] if self._samples else (now, before.yaw, 0.0)
        unwrapped = prev_yaw + (self.view.yaw - before.yaw + 180.0) % 360.0 - 180.0
        self._samples.append((now, unwrapped, self.view.pitch))

    def release(self, now: float) -> None:
        """The finger left: keep turning at the flick's speed, then slow down."""
        self.touching = False
        self.last_touch = now
        samples = list(self._samples)
        self._samples.clear()
        if len(samples) < 2 or now - samples[-1][0] > VELOCITY_WINDOW:
            self.velocity = (0.0, 0.0)  # no drag, or the finger rested before it lifted
            return
        last = samples[-1][0]
        recent = [s for s in samples if last - s[0] <= VELOCITY_WINDOW] or samples
        if len(recent) < 2:
            recent = samples[-2:]  # slow touch events: the last step is the flick
        if recent[-1][0] - recent[0][0] < 1e-3:
            self.velocity = (0.0, 0.0)
            return
        span = recent[-1][0] - recent[0][0]
        vy = (recent[-1][1] - recent[0][1]) / span
        vp = (recent[-1][2] - recent[0][2]) / span
        speed = math.hypot(vy, vp)
        if speed > MAX_SPEED:
            vy, vp = vy * MAX_SPEED / speed, vp * MAX_SPEED / speed
        self.velocity = (vy, vp)

    def pinch(self, distance: float, now: float) -> None:
        """Two fingers `distance` pixels apart; the first call starts the pinch. Spreading
        them zooms in: the field of view shrinks as the distance grows."""
        self.last_touch = now
        self.velocity = (0.0, 0.0)
        if self._pinch is None:
            self._pinch = (max(distance, 1.0), self.view.fov)
            return
        start, fov = self._pinch
        half = math.atan(math.tan(math.radians(fov) / 2) * start / max(distance, 1.0))
        self.view = replace(self.view, fov=math.degrees(2 * half)).limited(self.viewport)

    def pinch_end(self, now: float) -> None:
        """The pinch is over (a finger lifted); a drag may go on with the other."""
        if self._pinch is None:
            return
        self._pinch = None
        self.last_touch = now
        self._samples.clear()

    def zoom(self, factor: float, now: float) -> None:
        """Zoom in (factor > 1) or out by a step: a mouse wheel on a development machine."""
        self.last_touch = now
        half = math.atan(math.tan(math.radians(self.view.fov) / 2) / factor)
        self.view = replace(self.view, fov=math.degrees(2 * half)).limited(self.viewport)

    # --- once a frame ----------------------------------------------------------------------

    def step(self, now: float) -> bool:
        """Advance inertia or the idle turn to `now`; True if the view changed."""
        dt = 0.0 if self._last_step is None else min(0.1, max(0.0, now - self._last_step))
        self._last_step = now
        if self.touching or dt == 0.0:
            return False
        vy, vp = self.velocity
        if vy or vp:
            pitch = self.view.pitch + vp * dt
            self.view = replace(self.view, yaw=self.view.yaw + vy * dt, pitch=pitch).limited(
                self.viewport
            )
            if abs(self.view.pitch - pitch) > 1e-9:
                vp = 0.0  # stopped at a pole's limit
            decay = math.exp(-dt / self.friction)
            vy, vp = vy * decay, vp * decay
            self.velocity = (vy, vp) if math.hypot(vy, vp) >= STOP_SPEED else (0.0, 0.0)
            return True
        idle = now - self.last_touch - self.autorotate_after
        if idle <= 0:
            return False
        speed = self.autorotate_speed * min(1.0, idle / self.autorotate_ramp)
        self.view = replace(self.view, yaw=self.view.yaw + speed * dt).limited(self.viewport)
        return True
