"""Panorama images for the virtual walk: checked when content is checked, cut into GPU
textures when a release is built.

A Raspberry Pi 4 or 5 GPU takes textures of at most 4096 px a side, and a kiosk should not
decode a 16384x8192 photograph on every visit. So the build scales the equirectangular
image to a power-of-two width of at most 8192 (twice the texture limit), cuts it into a left
and a right half of at most 4096x4096 each, and adds a small preview for the thumbnail strip
and for showing a place at once while its full textures load. The JPEG decoder's own scaling
(draft mode) reads a 16384x8192 photograph at half size straight away: less memory, less time.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

MAX_TEXTURE = 4096
"""Largest texture side on the Raspberry Pi 4 and 5 GPUs."""
MAX_SOURCE = (16384, 8192)
MIN_SOURCE = (1024, 512)
PREVIEW_SIZE = (512, 256)
TEXTURE_QUALITY = 90
PREVIEW_QUALITY = 85
SUFFIXES = frozenset({".jpg", ".jpeg"})


class PanoramaError(ValueError):
    """An image that cannot be a panorama; the message says why, in staff's terms."""


@dataclass(frozen=True)
class Cut:
    """The files one panorama became: left and right halves, and a preview."""

    halves: tuple[Path, Path]
    preview: Path
    width: int
    height: int


def inspect(path: Path) -> tuple[int, int]:
    """The size of a panorama image, read from its header; PanoramaError if it is not an
    equirectangular JPEG of a size the build can handle."""
    from PIL import Image, UnidentifiedImageError

    try:
        with _quiet(), Image.open(path) as img:
            kind, (width, height) = img.format, img.size
    except Image.DecompressionBombError as exc:  # hundreds of millions of pixels
        raise PanoramaError(
            f"is far larger than {MAX_SOURCE[0]}x{MAX_SOURCE[1]}, the largest panorama accepted"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PanoramaError("is not a readable image") from exc
    if kind != "JPEG":
        raise PanoramaError(f"is a {kind} image; panoramas must be JPEG")
    if not equirectangular(width, height):
        raise PanoramaError(
            f"is {width}x{height}; an equirectangular panorama is twice as wide as high"
        )
    if width > MAX_SOURCE[0] or height > MAX_SOURCE[1]:
        raise PanoramaError(
            f"is {width}x{height}; the largest panorama accepted is {MAX_SOURCE[0]}x{MAX_SOURCE[1]}"
        )
    if width < MIN_SOURCE[0]:
        raise PanoramaError(
            f"is {width}x{height}; a panorama needs at least {MIN_SOURCE[0]}x{MIN_SOURCE[1]}"
        )
    return width, height


def equirectangular(width: int, height: int) -> bool:
    """Twice as wide as high, give or take the pixel or two a camera's or an editor's
    rounding leaves."""
    return abs(width - 2 * height) <= 2


def texture_size(width: int) -> tuple[int, int]:
    """The whole equirectangular size the textures make up: the largest power of two not
    above the source width, at most twice the texture limit (power-of-two textures sample
    the same on every GPU)."""
    target = 1
    while target * 2 <= min(width, 2 * MAX_TEXTURE):
        target *= 2
    return target, target // 2


def cut(source: Path, out_dir: Path, stem: str) -> Cut:
    """Write `stem`-left.jpg, `stem`-right.jpg and `stem`-preview.jpg into `out_dir`."""
    from PIL import Image

    width, height = inspect(source)
    size = texture_size(width)
    with _quiet(), Image.open(source) as img:
        img.draft("RGB", size)  # the JPEG decoder scales by 1/2, 1/4, 1/8 as it reads
        full = img.convert("RGB")
    if full.size != size:
        full = full.resize(size, Image.Resampling.LANCZOS)
    half = size[0] // 2
    left, right = out_dir / f"{stem}-left.jpg", out_dir / f"{stem}-right.jpg"
    full.crop((0, 0, half, size[1])).save(left, quality=TEXTURE_QUALITY)
    full.crop((half, 0, size[0], size[1])).save(right, quality=TEXTURE_QUALITY)
    preview = out_dir / f"{stem}-preview.jpg"
    full.reduce(size[0] // PREVIEW_SIZE[0]).resize(PREVIEW_SIZE).save(
        preview, quality=PREVIEW_QUALITY
    )
    return Cut((left, right), preview, size[0], size[1])


@contextmanager
def _quiet() -> Iterator[None]:
    """A 16384x8192 photograph is over Pillow's decompression-bomb warning size; the size
    is checked here before decoding, so the warning is noise."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield
