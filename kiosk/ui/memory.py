"""What keeps the kiosk's memory small and flat over months of visits: how glibc's malloc
and Python's garbage collector are used, which the rest of the app does not see.

- `tune_malloc` (once, before the window opens): large blocks in mappings of their own;
- `give_back_memory` (when a visitor's screens were let go, after the warm-up, at the idle
  reset): a full collection, then `gc.freeze`, then free heap pages back to the system;
  `trim_heap` alone after smaller changes.

Each is measured by bench/ui_bench.py: RSS after visiting every screen and after the idle
reset (taking one out and running the bench against the same commit shows what it buys);
tests/test_ui_warm_up.py checks that what a new release takes off the screen is freed. The
"label texture tricks" are kiosk.ui.kivypatches (no second copy of a label's pixels, a font
per pixel size) and TightLabel (kiosk.ui.widgets.text: textures only as wide as their text).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc

from kivy.clock import Clock

M_MMAP_THRESHOLD = -3  # mallopt() parameter, from glibc's malloc.h
MMAP_THRESHOLD = 128 * 1024
"""Blocks from this size up get their own mapping (glibc's starting value, kept fixed)."""
TRIM_AGAIN_AFTER = 0.5
"""Seconds after a garbage collection before freed memory is returned once more: the
textures of the screens collected go with the next frame, a panorama's pixels with the
threads that decoded them."""


def tune_malloc() -> None:
    """glibc serves blocks under its mmap threshold from the heap, and raises that threshold
    to the largest block freed so far: after a few label textures every later one lands in
    the heap, which then holds the peak of all of them. A fixed threshold keeps large blocks
    (textures, label pixels) in their own mappings, returned to the system when freed."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: its own policy
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def give_back_memory() -> None:
    """Collect garbage and return freed heap to the system (glibc keeps it otherwise), so
    months of visits do not grow the kiosk's memory.

    What survives is frozen (gc.freeze): the collections Python starts by itself while a
    visitor touches the screen look only at objects made since, a millisecond's work, where
    a full one over the whole kiosk would hold up the frame after a touch by some 30 ms.
    Every call here (at quiet moments) looks at everything again."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    trim_heap()
    Clock.schedule_once(trim_heap, TRIM_AGAIN_AFTER)


def trim_heap(_dt: float = 0) -> None:
    """Return the heap's free pages to the system: glibc keeps them otherwise, and after a
    change of language every label's pixels were made anew (about a millisecond)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)
