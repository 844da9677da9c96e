"""Media files referenced by content: safe to read, of a known kind, not too large."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})
VIDEO_SUFFIXES = frozenset({".mp4", ".webm", ".mkv"})
MAX_IMAGE_BYTES = 25 * 1024 * 1024
MAX_VIDEO_BYTES = 1024 * 1024 * 1024
MAX_PANORAMA_BYTES = 200 * 1024 * 1024
MAX_IMAGE_SIDE = 4096
"""The largest texture the Raspberry Pi 4 and 5 GPUs take: the kiosk shows an image (a logo,
the map, an event's picture, an attract slide) as one texture. Panoramas are cut into
textures by the build and have their own limits (kiosk_core.content.panorama)."""
IMAGE_FORMATS = frozenset({"PNG", "JPEG"})


class MediaError(ValueError):
    """A media reference that cannot go into a release; the message says why, `code` and
    `params` say it for `kiosk_core.content.problemtext`."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def resolve_media(
    root: Path,
    ref: str,
    suffixes: frozenset[str] = IMAGE_SUFFIXES,
    max_bytes: int = MAX_IMAGE_BYTES,
) -> Path:
    """The file `ref` names inside `root`, refusing anything that could leave the tree."""
    if "\\" in ref or "\x00" in ref:
        raise MediaError(
            "media_bad_path", "use forward slashes and plain characters in media paths"
        )
    pure = PurePosixPath(ref)
    if pure.is_absolute():
        raise MediaError(
            "media_absolute", f"{ref!r} is an absolute path; give a path inside the content folder"
        )
    if ".." in pure.parts:
        raise MediaError(
            "media_outside", f"{ref!r} leaves the content folder ('..' is not allowed)"
        )
    if pure.suffix.lower() not in suffixes:
        allowed = ", ".join(sorted(suffixes))
        raise MediaError(
            "media_type", f"{ref!r} is not a supported file type (use {allowed})", allowed=allowed
        )
    candidate = root / pure
    if not candidate.exists() and not candidate.is_symlink():
        raise MediaError("media_missing", f"{ref!r} does not exist")
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise MediaError("media_outside", f"{ref!r} points outside the content folder (a link)")
    if not resolved.is_file():
        raise MediaError("media_not_file", f"{ref!r} is not a file")
    size = resolved.stat().st_size
    if size > max_bytes:
        raise MediaError(
            "media_too_big",
            f"{ref!r} is {size:,} bytes, more than the {max_bytes:,} allowed",
            megabytes=max_bytes // (1024 * 1024),
        )
    if size == 0:
        raise MediaError("media_empty", f"{ref!r} is empty")
    return resolved


def check_image(path: Path, ref: str) -> tuple[int, int]:
    """The width and height an image's header declares (nothing is decoded, so a small file
    claiming billions of pixels costs nothing); MediaError unless it is a PNG or JPEG of at
    most MAX_IMAGE_SIDE pixels a side."""
    from PIL import Image, UnidentifiedImageError

    limit = (
        f"an image may be at most {MAX_IMAGE_SIDE}x{MAX_IMAGE_SIDE} pixels (the most a "
        "kiosk's graphics can show): scale it down"
    )
    try:
        with Image.open(path) as img:
            kind, (width, height) = img.format, img.size
    except Image.DecompressionBombError as exc:  # over 2 x Image.MAX_IMAGE_PIXELS
        raise MediaError(
            "image_too_large",
            f"{ref!r} has hundreds of millions of pixels; {limit}",
            side=MAX_IMAGE_SIDE,
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise MediaError(
            "image_unreadable", f"{ref!r} is not a readable PNG or JPEG image"
        ) from exc
    if kind not in IMAGE_FORMATS:
        raise MediaError("image_format", f"{ref!r} is a {kind} image; use PNG or JPEG")
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
        raise MediaError(
            "image_too_large",
            f"{ref!r} is {width}x{height} pixels; {limit}",
            side=MAX_IMAGE_SIDE,
            width=width,
            height=height,
        )
    return width, height
