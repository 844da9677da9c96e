"""How a place fades in over the one before: timed from the touch, fast at first, and timed
for the moment a frame reaches the screen rather than the moment it is computed.

A visitor who touches an arrow should see the new place at once. The fade is counted in wall
time from the touch, not in frames, so a slow frame (a software renderer takes tens of
milliseconds for one) cannot stretch it. It eases out: most of the new place is there early,
and the old one lingers only as a short ghost. A frame computed now is seen a frame's drawing
time later, so each frame shows the blend of the moment it is seen: on a slow renderer the
first frame after a touch already shows mostly the new place, instead of a costly frame of
the old place alone.

Plain Python driven by explicit timestamps; the widget (kiosk.ui.widgets.panorama) calls it
once a frame.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_LEAD = 0.12
"""Seconds at most that a frame's blend runs ahead of the clock: one slow frame (a texture
being allocated) must not make the next fade jump."""
LEAD_WEIGHT = 0.5
"""How much the newest drawing time counts against the ones before (a running average)."""


def fade_in(elapsed: float, duration: float) -> float:
    """Share of the new place on screen `elapsed` seconds into a fade of `duration` seconds:
    0 at the start, 1 at the end, eased out (a cubic: half there after a fifth of the time)."""
    if duration <= 0 or elapsed >= duration:
        return 1.0
    if elapsed <= 0:
        return 0.0
    rest = 1.0 - elapsed / duration
    return 1.0 - rest * rest * rest


@dataclass
class FramePace:
    """How long a frame takes from being computed to being on screen, learnt from the frames
    that drew the panorama."""

    lead: float = 0.0
    """Seconds from computing a frame to seeing it (a running average, at most MAX_LEAD)."""
    _computed: float | None = None
    _drawn: bool = False

    def computed(self, now: float) -> None:
        """A frame is being computed now (once a frame, before drawing)."""
        if self._drawn and self._computed is not None:
            took = min(MAX_LEAD, max(0.0, now - self._computed))
            self.lead = took if self.lead == 0.0 else self.lead + LEAD_WEIGHT * (took - self.lead)
        self._computed = now
        self._drawn = False

    def drawn(self) -> None:
        """The frame computed last drew the panorama; it is on screen when the next frame is
        computed."""
        self._drawn = True


@dataclass
class Fade:
    """One fade in progress: started at `start` (the touch), lasting `duration` seconds."""

    start: float
    duration: float

    def blend(self, now: float, lead: float = 0.0) -> float:
        """The blend to draw now, for a frame seen `lead` seconds from now."""
        return fade_in(now + lead - self.start, self.duration)
