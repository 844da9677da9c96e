"""Decoding panoramas ahead of need: on worker threads, within a memory budget."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image

from kiosk.walk.preload import Pixels, Preloader, decode


def jpeg(path: Path, size=(256, 128), colour=(200, 10, 10)) -> Path:
    Image.new("RGB", size, colour).save(path, quality=90)
    return path


def test_decode_gives_rgb_rows_from_the_top(tmp_path: Path) -> None:
    img = Image.new("RGB", (64, 32), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 64, 1))  # a red top row
    img.save(tmp_path / "p.png")
    pixels = decode(tmp_path / "p.png")
    assert (pixels.width, pixels.height, pixels.nbytes) == (64, 32, 64 * 32 * 3)
    assert pixels.data[:3] == bytes((255, 0, 0))
    assert pixels.data[-3:] == bytes((0, 0, 255))


def test_wanted_places_are_decoded_and_the_rest_forgotten(tmp_path: Path) -> None:
    a = [jpeg(tmp_path / "a1.jpg"), jpeg(tmp_path / "a2.jpg")]
    b = [jpeg(tmp_path / "b1.jpg")]
    loader = Preloader()
    try:
        loader.want([("a", a, 1000), ("b", b, 1000)])
        pixels = loader.wait("a", timeout=10)
        assert pixels is not None and len(pixels) == 2
        assert loader.wait("b", timeout=10) is not None
        assert loader.held_bytes() == 3 * 256 * 128 * 3
        loader.want([("b", b, 1000)])
        assert loader.wanted() == ["b"]
        assert loader.get("a") is None
        assert loader.held_bytes() == 256 * 128 * 3
    finally:
        loader.close()


def test_the_budget_keeps_the_most_important_first(tmp_path: Path) -> None:
    files = [jpeg(tmp_path / "x.jpg")]
    loader = Preloader(budget=2500)
    try:
        loader.want([("here", files, 2000), ("next", files, 1000), ("small", files, 400)])
        assert loader.wanted() == ["here", "small"]
        loader.want([("huge", files, 10_000)])  # the place on screen is kept whatever it costs
        assert loader.wanted() == ["huge"]
    finally:
        loader.close()


def test_get_never_waits_for_a_slow_decode(tmp_path: Path) -> None:
    gate = threading.Event()

    def slow(path: Path) -> Pixels:
        gate.wait(10)
        return Pixels(1, 1, b"\x00\x00\x00")

    loader = Preloader(decoder=slow)
    try:
        loader.want([("a", [tmp_path / "whatever.jpg"], 3)])
        assert loader.get("a") is None
        gate.set()
        assert loader.wait("a", timeout=10) == [Pixels(1, 1, b"\x00\x00\x00")]
    finally:
        loader.close()


def test_a_damaged_file_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    loader = Preloader()
    try:
        loader.want([("bad", [bad], 100)])
        assert loader.wait("bad", timeout=10) is None
        assert loader.failed("bad")
        assert loader.held_bytes() == 0
    finally:
        loader.close()


def test_decoding_runs_below_the_drawing(tmp_path: Path) -> None:
    """Decoding a panorama must not take the processor from the frames being drawn: the
    worker threads run at a lower priority than the program."""
    import os
    import sys

    from kiosk.walk.preload import NICENESS

    if not sys.platform.startswith("linux"):
        pytest.skip("per-thread nice levels are Linux's")
    seen: list[int] = []

    def decoder(path: Path) -> Pixels:
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return Pixels(1, 1, b"\x00\x00\x00")

    main = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    loader = Preloader(decoder=decoder)
    try:
        loader.want([("a", [tmp_path / "a.jpg", tmp_path / "b.jpg"], 6)])
        assert loader.wait("a", timeout=10) is not None
    finally:
        loader.close()
    assert seen and all(nice == min(19, main + NICENESS) for nice in seen)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main  # only theirs
