"""The hidden gesture that asks for the staff PIN: five taps in a corner within three seconds.

No visitor does that by chance, and staff need no tool or key to do it. The corner is the
top-left one (the municipality's logo), a square a little larger than a fingertip.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

TAPS = 5
WITHIN = 3.0
CORNER = 0.12
"""The corner square's side, as a share of the screen's shorter side."""


@dataclass
class CornerTaps:
    taps: int = TAPS
    within: float = WITHIN
    corner: float = CORNER
    _times: deque[float] = field(default_factory=deque, repr=False)

    def in_corner(self, x: float, y: float, width: float, height: float) -> bool:
        """Top-left, in window coordinates whose origin is the bottom-left (Kivy's)."""
        side = self.corner * min(width, height)
        return x <= side and y >= height - side

    def touch(self, x: float, y: float, width: float, height: float, now: float) -> bool:
        """Record a touch-down; True when it completes the gesture (then it starts over)."""
        if not self.in_corner(x, y, width, height):
            self._times.clear()  # a touch elsewhere breaks the sequence
            return False
        self._times.append(now)
        while self._times and now - self._times[0] > self.within:
            self._times.popleft()
        if len(self._times) >= self.taps:
            self._times.clear()
            return True
        return False
