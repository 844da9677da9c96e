"""Whether a finger is on the glass: work that would hold up the frames of a touch (a full
garbage collection, loading a screen's code) waits until touches have been quiet a moment.
Plain Python; the app reports every touch event here."""

from __future__ import annotations

import time

TOUCH_QUIET = 0.5
"""Seconds without a touch event (down, move or up) before the tidy-up may run: a full
garbage collection must not land in the middle of a drag."""


class TouchActivity:
    def __init__(self) -> None:
        self._touched_at = 0.0
        """time.monotonic() of the last touch event (real time, whatever the app's clock)."""

    def touched(self) -> None:
        """A touch event (down, move or up) happened now."""
        self._touched_at = time.monotonic()

    def touching(self) -> bool:
        return time.monotonic() - self._touched_at < TOUCH_QUIET
