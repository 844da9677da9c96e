"""Panorama textures decoded ahead of need, on worker threads, within a memory budget.

Decoding a 4096x4096 JPEG takes a Raspberry Pi longer than a visitor should wait after
touching a hotspot, so the places one touch away are decoded while the visitor looks around.
Moving there then costs only the upload to the GPU, hidden in the fade. Decoded pixels live
in ordinary memory, not on the GPU: the GPU holds only the place on screen.

The workers run at a lower scheduling priority than the program: decoding is work for later,
and the frame being drawn now (on a kiosk without a GPU, drawn by the processor itself) must
not wait for it.

Plain Python and Pillow (which decodes without holding the GIL); the Kivy widget turns the
pixels into textures.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

NICENESS = 10
"""How much lower the decoding threads run than the rest of the program (Linux nice levels:
a thread at +10 gets about a tenth of a processor that a busy normal thread wants)."""
DEFAULT_BUDGET = 512 * 1024 * 1024
"""Bytes of decoded pixels kept at once: the place shown and three neighbours at the
largest texture size (2 x 4096 x 4096 x 3 bytes = 96 MiB a place)."""


@dataclass(frozen=True)
class Pixels:
    """A decoded image: RGB bytes, rows from the top, ready for a GPU upload."""

    width: int
    height: int
    data: bytes

    @property
    def nbytes(self) -> int:
        return len(self.data)


def decode(path: Path) -> Pixels:
    """Read a JPEG (or PNG) into RGB pixels."""
    from PIL import Image

    with Image.open(path) as img:
        rgb = img.convert("RGB")
    return Pixels(rgb.width, rgb.height, rgb.tobytes())


def lower_priority(step: int = NICENESS) -> None:
    """Lower the calling thread's scheduling priority by `step` nice levels. On Linux a
    thread has its own nice level; where that cannot be set, decoding runs as it is."""
    try:
        thread = threading.get_native_id()
        now = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, now + step))
    except (AttributeError, OSError) as exc:  # not Linux, or not allowed
        log.info("decoding threads keep their priority: %s", exc)


@dataclass
class _Entry:
    futures: list[Future]
    size: int


class Preloader:
    """Keeps the pixels of the places asked for, most important first, within `budget`."""

    def __init__(
        self,
        decoder: Callable[[Path], Pixels] = decode,
        budget: int = DEFAULT_BUDGET,
        workers: int = 2,
    ):
        self.decoder = decoder
        self.budget = budget
        self._pool = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="panorama", initializer=lower_priority
        )
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def want(self, wanted: Sequence[tuple[str, Sequence[Path], int]]) -> None:
        """Keep these (key, files, estimated bytes) in order of importance; start decoding
        what is missing and forget everything else. What does not fit the budget is left
        out, except the first, which is always kept."""
        keep: dict[str, tuple[Sequence[Path], int]] = {}
        total = 0
        for key, files, size in wanted:
            if key in keep:
                continue
            if keep and total + size > self.budget:
                continue
            keep[key] = (files, size)
            total += size
        with self._lock:
            for key in list(self._entries):
                if key not in keep:
                    for future in self._entries.pop(key).futures:
                        future.cancel()
            for key, (files, size) in keep.items():
                if key not in self._entries:
                    futures = [self._pool.submit(self.decoder, Path(f)) for f in files]
                    self._entries[key] = _Entry(futures, size)

    def get(self, key: str) -> list[Pixels] | None:
        """The decoded pixels of `key` if they are ready (never waits)."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or not all(f.done() for f in entry.futures):
            return None
        try:
            return [f.result() for f in entry.futures]
        except Exception as exc:  # a damaged file: the place shows its preview instead
            log.error("panorama %s could not be decoded: %s", key, exc)
            return None

    def wait(self, key: str, timeout: float | None = None) -> list[Pixels] | None:
        """The pixels of `key`, waiting for the decoding (benchmarks, tests)."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return None
        for future in entry.futures:
            future.exception(timeout)
        return self.get(key)

    def failed(self, key: str) -> bool:
        with self._lock:
            entry = self._entries.get(key)
        return entry is not None and any(
            f.done() and not f.cancelled() and f.exception() for f in entry.futures
        )

    def held_bytes(self) -> int:
        """Bytes of decoded pixels held now (finished decodes only)."""
        with self._lock:
            futures = [f for e in self._entries.values() for f in e.futures]
        held = 0
        for f in futures:
            if f.done() and not f.cancelled() and f.exception() is None:
                held += f.result().nbytes
        return held

    def wanted(self) -> list[str]:
        """The places kept or being decoded, most important first."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        self.want([])

    def close(self) -> None:
        self.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)
