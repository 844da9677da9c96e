"""Benchmark: preparing an uploaded phone photograph for the kiosks (hub.content.uploads).

A 12-megapixel and a 48-megapixel JPEG, prepared as an event's poster and as an attract
slide, and two 360° photographs of the walk (a 72-megapixel camera's 11968x5984 and the
largest accepted, 16384x8192), each in a fresh process so its peak memory is its own; the
baseline, measured in the same run, decodes the same file whole and scales it with the same
filter (what the module would cost without libjpeg's reduced-scale decoding). Also the
editor's thumbnail of a stored poster. Run: .venv/bin/python bench/uploads_bench.py
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

PROBE = """
import io, json, re, sys, time
from PIL import Image, ImageOps
from hub.content.uploads import Purpose, prepare_image, _encode, _shrunk, _srgb
data = open(sys.argv[1], "rb").read()
purpose = Purpose[sys.argv[2]]
def peak():  # this process's own high-water mark (ru_maxrss counts its parent's too)
    status = open("/proc/self/status").read()
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
before = peak()
times = []
for _ in range(3):
    started = time.perf_counter()
    if sys.argv[3] == "module":
        prepare_image(data, purpose)
    else:
        img = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
        _encode(_shrunk(_srgb(img), purpose.side), False)
    times.append(time.perf_counter() - started)
grown = peak() - before
print(json.dumps({"ms": 1000 * min(times), "mb": grown / 1024}))
"""


def photo(width: int, height: int) -> bytes:
    """A photograph-like JPEG (smooth gradients under camera noise), as a phone saves it."""
    base = Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").resize((width, height)),
            Image.radial_gradient("L").resize((width, height)),
            Image.linear_gradient("L").rotate(90).resize((width, height)),
        ],
    )
    noise = Image.effect_noise((width, height), 25).convert("RGB")
    out = io.BytesIO()
    Image.blend(base, noise, 0.25).save(out, "JPEG", quality=92)
    return out.getvalue()


def panorama(width: int, height: int) -> bytes:
    """A 360° photograph-like JPEG: a photo-like tile repeated (a fresh one of this size
    would take gigabytes to make)."""
    tile = Image.open(io.BytesIO(photo(2048, 1024)))
    whole = Image.new("RGB", (width, height))
    for x in range(0, width, tile.width):
        for y in range(0, height, tile.height):
            whole.paste(tile, (x, y))
    out = io.BytesIO()
    whole.save(out, "JPEG", quality=92)
    return out.getvalue()


def probe(path: Path, purpose: str, how: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), purpose, how],
        capture_output=True,
        check=True,
        text=True,
    )
    return json.loads(done.stdout)


def thumbnail_ms(poster: bytes, n: int = 20) -> float:
    import time

    from hub.content import uploads
    from hub.context import Hub, init_data
    from hub.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(Path(tmp))
        init_data(settings)
        hub = Hub.open(settings)
        try:
            with hub.transaction() as conn:
                path = uploads.store_image(conn, hub.blobs, poster, uploads.Purpose.POSTER)
            times = []
            with hub.transaction(write=False) as conn:
                for _ in range(n):
                    started = time.perf_counter()
                    uploads.thumbnail(conn, hub.blobs, path)
                    times.append(time.perf_counter() - started)
        finally:
            hub.close()
    return 1000 * statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cases = (
            (4000, 3000, photo, ("POSTER", "ATTRACT")),
            (8000, 6000, photo, ("POSTER", "ATTRACT")),
            (11968, 5984, panorama, ("PANORAMA",)),
            (16384, 8192, panorama, ("PANORAMA",)),
        )
        for width, height, make, purposes in cases:
            path = Path(tmp) / f"{width}x{height}.jpg"
            data = make(width, height)
            path.write_bytes(data)
            for purpose in purposes:
                module = probe(path, purpose, "module")
                whole = probe(path, purpose, "whole")
                print(
                    f"{width}x{height} JPEG ({len(data) / 1e6:.1f} MB) as {purpose.lower()}: "
                    f"{module['ms']:.0f} ms, +{module['mb']:.0f} MB peak; "
                    f"baseline (decoded whole) {whole['ms']:.0f} ms, +{whole['mb']:.0f} MB"
                )
        poster = (Path(tmp) / "4000x3000.jpg").read_bytes()
        print(f"editor thumbnail of a stored poster: median {thumbnail_ms(poster):.1f} ms")


if __name__ == "__main__":
    main()
