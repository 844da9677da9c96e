"""When a kiosk is idle: the visitor walked away, so warn, then reset for the next one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

SPOKEN_WARNING = 30.0
"""Seconds the "are you still there?" warning lasts at least while the kiosk reads aloud: the
warning takes some eight seconds to say, and a listener then has to find the button."""


class Phase(StrEnum):
    ACTIVE = "active"
    WARNING = "warning"
    EXPIRED = "expired"
    RESTING = "resting"
    """Reset already done; nobody has touched since."""


@dataclass
class IdleWatch:
    """Idle timing driven by the caller's clock, so it is testable without waiting."""

    reset_after: float = 90.0
    countdown: float = 10.0
    last_touch: float = 0.0
    resting: bool = True

    def touched(self, now: float) -> bool:
        """Record a touch; True when it starts a new session (first touch after rest)."""
        new_session = self.resting
        self.last_touch = now
        self.resting = False
        return new_session

    def phase(self, now: float) -> Phase:
        if self.resting:
            return Phase.RESTING
        quiet = now - self.last_touch
        if quiet < self.reset_after:
            return Phase.ACTIVE
        if quiet < self.reset_after + self.countdown:
            return Phase.WARNING
        return Phase.EXPIRED

    def remaining(self, now: float) -> int:
        """Whole seconds left on the warning countdown (shown to the visitor)."""
        left = self.reset_after + self.countdown - (now - self.last_touch)
        return max(0, int(left + 0.999))

    def reset(self) -> None:
        self.resting = True

    def countdown_for(self, countdown: float, spoken: bool) -> None:
        """The warning's length: the settings' `countdown`, at least SPOKEN_WARNING while the
        warning is said aloud."""
        self.countdown = max(countdown, SPOKEN_WARNING) if spoken else countdown

    def quiet_for(self, now: float) -> float:
        return now - self.last_touch
