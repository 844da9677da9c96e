"""Video through libVLC into memory, for the UI to upload as a texture (no Kivy here).

libVLC decodes on its own threads and calls back for each frame. Here those callbacks do as
little Python as possible: VLC converts (swscale) straight into one of three RGBA buffers we
own, and on `display` the buffer just written is swapped with the "ready" one under a lock. The
UI's main thread, once per frame, swaps "ready" with the buffer it uploads from (`take`), so:

- the only copy of a frame's pixels on VLC's thread is VLC's own conversion into our buffer,
  and the only one on the main thread is the texture upload (glTexSubImage2D);
- neither thread ever waits for the other beyond a pointer swap, and a slow UI simply skips
  frames instead of stalling the decoder.

The frame size is chosen in VLC's format callback: the video's own size, scaled down to fit
`max_size` (1920x1080 by default), so a 4K file costs no more memory than a 1080p one.

Sound is off (`--no-audio`: not even decoded) unless the kiosk is configured to play it.
Everything VLC needs is checked once by `vlc_status()`: without libVLC the attract loop plays
its images only, and the log says why.
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CHROMA = b"RGBA"
BYTES_PER_PIXEL = 4
MAX_SIZE = (1920, 1080)

# python-vlc declares the format callback's chroma as c_char_p, which hands Python a copy:
# writing our chroma into it would change nothing (and corrupt an immutable bytes object).
# So this one callback and its setter are declared here, with a plain pointer.
_uint_p = ctypes.POINTER(ctypes.c_uint)
_FormatCb = ctypes.CFUNCTYPE(
    ctypes.c_uint, ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p, _uint_p, _uint_p, _uint_p,
    _uint_p,
)  # fmt: skip
_CleanupCb = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


@dataclass(frozen=True)
class VlcStatus:
    available: bool
    detail: str
    """The libVLC version, or why video cannot play."""


@cache
def vlc_status() -> VlcStatus:
    """Whether libVLC and its python binding load here (checked once per process)."""
    try:
        import vlc
    except ImportError:
        return VlcStatus(False, "python-vlc is not installed")
    except (OSError, NotImplementedError, AttributeError, SystemExit) as exc:
        # python-vlc raises NotImplementedError without libvlc.so.5, and exits (SystemExit)
        # when PYTHON_VLC_LIB_PATH names a library it cannot load.
        reason = exc if str(exc) and not isinstance(exc, SystemExit) else "not found"
        return VlcStatus(False, f"libVLC could not be loaded ({reason}); apt-get install libvlc5")
    try:
        version = vlc.libvlc_get_version().decode()
    except (OSError, NotImplementedError, AttributeError) as exc:
        return VlcStatus(False, f"libVLC could not be loaded ({exc}); apt-get install libvlc5")
    return VlcStatus(True, f"libVLC {version}")


def fit(width: int, height: int, max_size: tuple[int, int]) -> tuple[int, int]:
    """The video's size scaled down (never up) to fit `max_size`; even numbers for VLC."""
    scale = min(1.0, max_size[0] / max(1, width), max_size[1] / max(1, height))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


@dataclass
class Frame:
    width: int
    height: int
    pixels: bytearray
    """RGBA, top row first; valid until the next `take`."""
    serial: int


class _Buffers:
    """Three RGBA buffers of one size: written by VLC, ready, read by the UI."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        size = width * height * BYTES_PER_PIXEL
        self.arrays = [bytearray(size) for _ in range(3)]
        # ctypes views keep the bytearrays' memory pinned while VLC holds a pointer into them.
        self.views = [(ctypes.c_char * size).from_buffer(a) for a in self.arrays]
        self.write, self.ready, self.read = 0, 1, 2


@dataclass
class PlayerStats:
    frames: int = 0
    """Frames VLC has delivered (display callbacks)."""
    callback_seconds: float = 0.0
    """Python time spent in the lock and display callbacks, all frames together."""


class VlcPlayer:
    """One libVLC player that renders into memory. Thread-safe where it must be: the
    callbacks run on VLC's threads, every public method on the caller's (the UI's)."""

    def __init__(self, sound: bool = False, volume: int = 70, max_size=MAX_SIZE):
        import vlc

        self._vlc = vlc
        # No hardware decoding: its surfaces would have to be copied back for the callbacks.
        args = ["--quiet", "--no-xlib", "--intf=dummy", "--no-video-title-show", "--no-osd"]
        args.append("--avcodec-hw=none")
        if not sound:
            # Without sound there is no lip-sync to keep: a frame decoded late is shown late,
            # never dropped, so a busy moment stutters instead of jumping.
            args += ["--no-audio", "--no-drop-late-frames", "--no-skip-frames"]
        self.instance = vlc.Instance(args)
        if self.instance is None:
            raise RuntimeError("libVLC did not start (see its messages above)")
        self.player = self.instance.media_player_new()
        self.sound = sound
        if sound:
            self.player.audio_set_volume(max(0, min(100, volume)))
        self.max_size = max_size
        self.stats = PlayerStats()
        self._lock = threading.Lock()
        self._buffers: _Buffers | None = None
        self._serial = 0
        self._taken = 0
        self._ended = threading.Event()
        self._failed = threading.Event()
        # The callbacks must outlive the player: keep references to the ctypes wrappers.
        cb = vlc.CallbackDecorators
        self._callbacks: list[Any] = [
            _FormatCb(self._on_format),
            _CleanupCb(self._on_cleanup),
            cb.VideoLockCb(self._on_lock),
            cb.VideoUnlockCb(self._on_unlock),
            cb.VideoDisplayCb(self._on_display),
        ]
        fmt, cleanup, lock, unlock, display = self._callbacks
        set_format = ctypes.CFUNCTYPE(None, ctypes.c_void_p, _FormatCb, _CleanupCb)(
            ("libvlc_video_set_format_callbacks", vlc.dll)
        )
        set_format(self.player._as_parameter_, fmt, cleanup)
        self.player.video_set_callbacks(lock, unlock, display, None)
        events = self.player.event_manager()
        events.event_attach(vlc.EventType.MediaPlayerEndReached, lambda _e: self._ended.set())
        events.event_attach(vlc.EventType.MediaPlayerEncounteredError, self._on_error)

    # --- VLC's threads ---------------------------------------------------------------------

    def _on_format(self, _opaque, chroma, width, height, pitches, lines) -> int:
        # width/height may include the decoder's padding (720 lines arrive as 738); the
        # player knows the visible size.
        visible = self.player.video_get_size(0) or (0, 0)
        source = visible if visible[0] and visible[1] else (width[0], height[0])
        w, h = fit(source[0], source[1], self.max_size)
        ctypes.memmove(chroma, CHROMA, 4)
        width[0], height[0] = w, h
        pitches[0] = w * BYTES_PER_PIXEL
        lines[0] = h
        with self._lock:
            self._buffers = _Buffers(w, h)
        return 1

    def _on_cleanup(self, _opaque) -> None:
        pass  # the buffers go when the player stops (`stop`), VLC may still hold them here

    def _on_lock(self, _opaque, planes):
        started = time.perf_counter()
        with self._lock:
            buffers = self._buffers
            if buffers is not None:
                planes[0] = ctypes.addressof(buffers.views[buffers.write])
        self.stats.callback_seconds += time.perf_counter() - started
        return None

    def _on_unlock(self, _opaque, _picture, _planes) -> None:
        pass

    def _on_display(self, _opaque, _picture) -> None:
        started = time.perf_counter()
        with self._lock:
            buffers = self._buffers
            if buffers is not None:
                buffers.write, buffers.ready = buffers.ready, buffers.write
                self._serial += 1
        self.stats.frames += 1
        self.stats.callback_seconds += time.perf_counter() - started

    def _on_error(self, _event) -> None:
        self._failed.set()
        self._ended.set()

    # --- the caller's thread ---------------------------------------------------------------

    def play(self, path: Path | str, repeat: bool = False) -> None:
        """Start `path` from its beginning; `repeat` loops it until `stop`."""
        self._ended.clear()
        self._failed.clear()
        media = self.instance.media_new_path(str(path))
        if repeat:
            media.add_option("input-repeat=65535")
        self.player.set_media(media)
        media.release()
        if self.player.play() != 0:
            self._failed.set()
            self._ended.set()

    def take(self) -> Frame | None:
        """The newest frame not yet taken, or None; swaps buffers, copies nothing."""
        with self._lock:
            buffers = self._buffers
            if buffers is None or self._serial == self._taken:
                return None
            buffers.ready, buffers.read = buffers.read, buffers.ready
            self._taken = self._serial
            return Frame(buffers.width, buffers.height, buffers.arrays[buffers.read], self._serial)

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    @property
    def failed(self) -> bool:
        return self._failed.is_set()

    @property
    def buffer_bytes(self) -> int:
        """Bytes of frame buffers held: three frames' pixels while a video plays."""
        with self._lock:
            return 0 if self._buffers is None else sum(len(a) for a in self._buffers.arrays)

    def stop(self) -> None:
        """Stop at once; returns when VLC no longer writes into our buffers, and lets them
        go (11 MB for a 720p video, kept through every rest until the next video before):
        the next video's format makes new ones anyway."""
        self.player.stop()
        self._ended.set()
        with self._lock:
            self._buffers = None

    def close(self) -> None:
        self.stop()
        self.player.release()
        self.instance.release()
