"""The attract loop: what a kiosk at rest shows to draw people in, and when.

The playlist comes with the content (`attract.yaml`: videos and images, each image with a
duration). It starts once the kiosk has been at rest (after the idle reset) for
`idle.attract_after` seconds and the display is on; the first touch stops it. Without libVLC
the videos are left out and the images still play. Over it, "Touch the screen to start" is
said in each of the kiosk's languages in turn (`Invitation`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from kiosk_core.i18n import N_

DEFAULT_IMAGE_SECONDS = 8.0
INVITATION = N_("Touch the screen to start")
INVITATION_SECONDS = 4.0
"""How long the invitation stays in one language before the next."""


@dataclass(frozen=True)
class Slide:
    kind: Literal["video", "image"]
    path: Path
    duration: float | None
    """Seconds on screen; for a video None means until it ends."""


def slides_for(
    items: Iterable, media_path, kiosk_id: str | None, groups: frozenset[str], now: datetime
) -> list[Slide]:
    """The playlist for one kiosk now: items targeted at it and valid, media resolved."""
    slides = []
    for item in items:
        if not (item.targets(kiosk_id, groups) and item.valid_at(now)):
            continue
        if item.video:
            slides.append(Slide("video", media_path(item.video), item.duration))
        elif item.image:
            duration = item.duration or DEFAULT_IMAGE_SECONDS
            slides.append(Slide("image", media_path(item.image), duration))
    return slides


class Playlist:
    """Cycles through the slides for ever; videos only where they can be played."""

    def __init__(self, slides: list[Slide], videos: bool):
        self.slides = [s for s in slides if videos or s.kind == "image"]
        self.skipped = len(slides) - len(self.slides)
        self._next = 0

    def __bool__(self) -> bool:
        return bool(self.slides)

    def next(self) -> Slide | None:
        if not self.slides:
            return None
        slide = self.slides[self._next % len(self.slides)]
        self._next = (self._next + 1) % len(self.slides)
        return slide

    def rewind(self) -> None:
        self._next = 0

    def drop(self, slide: Slide) -> None:
        """Leave out a slide that cannot play (a damaged video), so the loop goes on."""
        if slide in self.slides:
            index = self.slides.index(slide)
            self.slides.remove(slide)
            if index < self._next:
                self._next -= 1
            self._next = self._next % len(self.slides) if self.slides else 0


def should_start(resting: bool, rested_for: float, after: float, display_on: bool) -> bool:
    return resting and display_on and rested_for >= after


class Invitation:
    """Which language the invitation is in: each of the kiosk's in turn, the first first."""

    def __init__(self, languages: Iterable[str]):
        self.languages = list(languages)
        self._turn = 0

    def next(self) -> str | None:
        """The next language; None for a kiosk without languages."""
        if not self.languages:
            return None
        lang = self.languages[self._turn % len(self.languages)]
        self._turn = (self._turn + 1) % len(self.languages)
        return lang
