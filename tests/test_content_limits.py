"""Hostile content files are refused quickly, with the file and line, before they are built
(issue 15, item 6): YAML whose aliases expand to billions of values (400 bytes took 67 s and
4.3 GB), aliases that contain themselves, nesting deeper than content ever is, and images
whose header declares absurd dimensions (a 2.4 MB PNG of 50,000 x 50,000 was accepted as
the logo and shipped to kiosks).
"""

from __future__ import annotations

import resource
import struct
import subprocess
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from kiosk_core.content.problems import ContentError
from kiosk_core.content.source import load_source
from tests.hubtools import KIOSK_CLI, REPO

MEMORY = 2 * 1024**3
"""Address space the checking process may use: far more than a check needs, far less
than an alias bomb expands to. Every bomb is checked in such a process, so that code
without these limits (the test run against the unfixed code) fails instead of taking the
machine's memory."""


def alias_bomb(levels: int, width: int = 9) -> str:
    """The "billion laughs": each anchor is a list of `width` aliases of the one before."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def png_header_of(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of `width` x `height`, all black: tiny however large it claims."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    packer = zlib.compressobj(9)
    row = b"\0" * (1 + (width + 7) // 8)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )


def check_in_a_process(src: Path, timeout: float = 30) -> tuple[int, str, float]:
    """`kiosk content check` in its own process with bounded memory and time."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    began = time.monotonic()
    done = subprocess.run(
        [*KIOSK_CLI, "content", "check", str(src)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
    )
    return done.returncode, done.stdout + done.stderr, time.monotonic() - began


def problems(src: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_source(src)
    return [str(p) for p in info.value.problems]


def test_content_check_refuses_an_alias_bomb_at_once_with_its_line(source: Path) -> None:
    (source / "services" / "bomb.yaml").write_text(alias_bomb(10))  # 10**9 values: 480 bytes
    code, out, took = check_in_a_process(source)
    assert code == 1, out
    assert "Traceback" not in out and "MemoryError" not in out
    assert "services/bomb.yaml:7" in out  # the innermost anchor over the limit
    assert "aliases (*name)" in out and "1,000,000 values" in out
    assert took < 15


def test_aliases_that_contain_themselves_or_nest_too_deep_are_refused(source: Path) -> None:
    (source / "events" / "loop.yaml").write_text("- &me {id: x, title: {pl: A}, more: [*me]}\n")
    (source / "alerts.yaml").write_text("- " + "[" * 60 + "]" * 60 + "\n")
    deep = "- " + "[" * 5000 + "]" * 5000 + "\n"  # deeper than the parser itself recurses
    (source / "services" / "deep.yaml").write_text(deep)
    code, out, _took = check_in_a_process(source)
    assert code == 1 and "Traceback" not in out, out
    assert "events/loop.yaml:1: an alias (*name) refers to the block it is in" in out
    assert "alerts.yaml:1: is nested more than 50 levels deep" in out
    assert "services/deep.yaml: is nested more than 50 levels deep" in out


def test_merge_keys_and_long_texts_count_as_expanded_too(source: Path) -> None:
    merges = ["m0: &m0 {k0: 1, k1: 2, k2: 3}"]
    for i in range(1, 12):
        merges.append(f"m{i}: &m{i} {{<<: [" + ",".join([f"*m{i - 1}"] * 9) + "]}")
    (source / "events" / "merge.yaml").write_text("\n".join(merges) + "\n")
    text = "t: &t " + "x" * 100_000 + "\nl: [" + ",".join(["*t"] * 200) + "]\n"
    (source / "events" / "text.yaml").write_text(text)
    code, out, took = check_in_a_process(source)
    assert code == 1 and "Traceback" not in out, out
    assert "events/merge.yaml:7: with its aliases (*name) expanded" in out
    assert "events/text.yaml:2: with its aliases (*name) expanded" in out
    assert "more than 10,485,760 characters" in out
    assert took < 15


def test_aliases_used_as_people_use_them_still_work(source: Path) -> None:
    (source / "services" / "more.yaml").write_text(
        "- {id: a1, title: &t {pl: A}, <<: &common {category: dokumenty, summary: {pl: O}}}\n"
        "- {<<: *common, id: a2, title: {pl: B}}\n"
        "- {id: a3, category: podatki, title: *t, summary: {pl: Inny}}\n"
    )
    services = {s.id: s for s in load_source(source).content.services}
    assert services["a2"].summary == services["a1"].summary == {"pl": "O"}
    assert services["a2"].category == "dokumenty"
    assert services["a3"].title == {"pl": "A"}


def test_an_image_declaring_absurd_dimensions_is_refused_without_decoding(source: Path) -> None:
    huge = png_header_of(50_000, 50_000)
    assert len(huge) < 400_000
    (source / "media" / "logo.png").write_bytes(huge)
    (source / "media" / "map.png").write_bytes(png_header_of(5000, 3000))
    code, out, took = check_in_a_process(source)
    assert code == 1, out
    assert "Traceback" not in out
    assert "settings.yaml:2: logo: 'media/logo.png' has hundreds of millions of pixels" in out
    assert "settings.yaml:10: map.image: 'media/map.png' is 5000x3000 pixels" in out
    assert "at most 4096x4096 pixels" in out
    assert took < 15


def test_a_file_that_is_no_image_or_another_kind_is_refused(source: Path) -> None:
    (source / "media" / "logo.png").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    Image.new("P", (4, 4)).save(source / "media" / "map.png", format="GIF")
    found = problems(source)
    assert "settings.yaml:2: logo: 'media/logo.png' is not a readable PNG or JPEG image" in found
    assert "settings.yaml:10: map.image: 'media/map.png' is a GIF image; use PNG or JPEG" in found


def test_a_panorama_declaring_absurd_dimensions_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    from kiosk_core.content.panorama import PanoramaError, inspect

    path = tmp_path / "p.jpg"
    Image.new("L", (64, 32)).save(path, format="JPEG")
    data = bytearray(path.read_bytes())
    frame = data.index(b"\xff\xc0") + 5  # the frame header: height, then width
    data[frame : frame + 4] = struct.pack(">HH", 30000, 60000)
    path.write_bytes(data)
    with pytest.raises(PanoramaError, match="far larger than 16384x8192"):
        inspect(path)
