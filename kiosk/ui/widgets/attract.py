"""The attract loop on screen: the playlist's images and videos over the whole window.

It only shows what it is given and advances on its own; when it starts and stops is the app's
decision (`kiosk.appliance.attract`). The app stops it on the first touch, before anything else
sees it. Over the slides, "Touch the screen to start" in each of the kiosk's languages in turn.
"""

from __future__ import annotations

import time

from kivy.app import App
from kivy.clock import Clock
from kivy.logger import Logger
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.appliance.attract import (
    INVITATION,
    INVITATION_SECONDS,
    Invitation,
    Playlist,
    Slide,
)

POLL_SECONDS = 0.2


class AttractOverlay(ModalView):
    kind = StringProperty("")
    """What shows now: "image", "video" or "" (between slides)."""
    image_source = StringProperty("")
    player = ObjectProperty(None, allownone=True)
    """A `kiosk.appliance.video.VlcPlayer`, or None when videos cannot play."""
    invitation = StringProperty("")
    """"Touch the screen to start", in one of the kiosk's languages."""
    invitation_lang = StringProperty("")

    def __init__(self, playlist: Playlist, player=None, languages: tuple[str, ...] = (), **kwargs):
        super().__init__(**kwargs)
        self.playlist = playlist
        self.player = player
        self._invitation = Invitation(languages)
        self._inviting = None
        self.slide: Slide | None = None
        self.shown = 0
        """Slides shown so far."""
        self._timer = None
        self._slide_started = 0.0

    def begin(self) -> None:
        self.open(animation=False)
        self.next_slide()
        self.invite()
        self._inviting = Clock.schedule_interval(self.invite, INVITATION_SECONDS)

    def invite(self, *_args) -> None:
        """The invitation in the next language."""
        lang = self._invitation.next()
        if lang is not None:
            self.invitation_lang = lang
            self.invitation = App.get_running_app().translator.gettext(INVITATION, lang)

    def next_slide(self, *_args) -> None:
        self._cancel()
        slide = self.playlist.next()
        if slide is None:
            self.end()
            return
        self.slide = slide
        self.shown += 1
        self._slide_started = time.monotonic()
        if slide.kind == "video" and self.player is not None:
            self.image_source = ""
            self.kind = "video"
            surface = self.ids.video
            surface.player = self.player
            self.player.play(slide.path)
            surface.start()
            self._timer = Clock.schedule_interval(self._watch_video, POLL_SECONDS)
        else:
            self._stop_video()
            self.kind = "image"
            self.image_source = str(slide.path)
            self._timer = Clock.schedule_once(self.next_slide, slide.duration or 8)

    def _watch_video(self, _dt: float) -> None:
        slide, player = self.slide, self.player
        if slide is None or player is None:
            return
        if player.failed:
            Logger.warning(f"Attract: {slide.path.name} cannot be played; left out of the loop")
            self.playlist.drop(slide)
            self.next_slide()
        elif player.ended or (
            slide.duration and time.monotonic() - self._slide_started >= slide.duration
        ):
            self.next_slide()

    def _stop_video(self) -> None:
        surface = self.ids.video
        surface.stop()
        surface.clear()
        if self.player is not None and self.kind == "video":
            self.player.stop()

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def end(self) -> None:
        """Stop at once: off the screen first, then the player (which may take a moment)."""
        self._cancel()
        if self._inviting is not None:
            self._inviting.cancel()
            self._inviting = None
        self.dismiss(animation=False)
        self._stop_video()
        self.kind = ""
        self.image_source = ""
