"""A video on screen: frames from a `kiosk.appliance.video.VlcPlayer`, uploaded on Kivy's main
thread.

Once per frame the widget takes the newest frame the player has (a buffer swap, no copy) and
uploads it into its texture with `blit_buffer`; the texture is drawn letterboxed to fit.
"""

from __future__ import annotations

import time

from kivy.clock import Clock
from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import NumericProperty, ObjectProperty
from kivy.uix.widget import Widget


class VideoSurface(Widget):
    player = ObjectProperty(None, allownone=True)
    texture = ObjectProperty(None, allownone=True)
    uploaded = NumericProperty(0)
    """Frames uploaded so far (for tests and the benchmark)."""
    upload_seconds = NumericProperty(0.0)
    """Time spent uploading, all frames together."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.canvas:
            self._color = Color(1, 1, 1, 1)
            self._rect = Rectangle()
        self._event = None
        self.bind(pos=self._layout, size=self._layout, texture=self._layout)

    def start(self) -> None:
        if self._event is None:
            self._event = Clock.schedule_interval(self._upload, 0)

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def clear(self) -> None:
        self.texture = None

    def _upload(self, _dt: float) -> None:
        player = self.player
        frame = player.take() if player is not None else None
        if frame is None:
            return
        started = time.perf_counter()
        texture = self.texture
        if texture is None or texture.size != (frame.width, frame.height):
            texture = Texture.create(size=(frame.width, frame.height), colorfmt="rgba")
            texture.flip_vertical()  # VLC's rows run top to bottom, GL's bottom to top
            self.texture = texture
        texture.blit_buffer(frame.pixels, colorfmt="rgba", bufferfmt="ubyte")
        self.canvas.ask_update()
        self.upload_seconds += time.perf_counter() - started
        self.uploaded += 1

    def _layout(self, *_args) -> None:
        texture = self.texture
        self._rect.texture = texture
        if texture is None:
            self._rect.size = (0, 0)
            return
        scale = min(self.width / texture.width, self.height / texture.height)
        w, h = texture.width * scale, texture.height * scale
        self._rect.pos = (self.x + (self.width - w) / 2, self.y + (self.height - h) / 2)
        self._rect.size = (w, h)
