"""Media files referenced by content: safe to read, of a known kind, not too large."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})
VIDEO_SUFFIXES = frozenset({".mp4", ".webm", ".mkv"})
MAX_IMAGE_BYTES = 25 * 1024 * 1024
MAX_VIDEO_BYTES = 1024 * 1024 * 1024
MAX_PANORAMA_BYTES = 200 * 1024 * 1024


class MediaError(ValueError):
    """A media reference that cannot go into a release; the message says why."""


def resolve_media(
    root: Path,
    ref: str,
    suffixes: frozenset[str] = IMAGE_SUFFIXES,
    max_bytes: int = MAX_IMAGE_BYTES,
) -> Path:
    """The file `ref` names inside `root`, refusing anything that could leave the tree."""
    if "\\" in ref or "\x00" in ref:
        raise MediaError("use forward slashes and plain characters in media paths")
    pure = PurePosixPath(ref)
    if pure.is_absolute():
        raise MediaError(f"{ref!r} is an absolute path; give a path inside the content folder")
    if ".." in pure.parts:
        raise MediaError(f"{ref!r} leaves the content folder ('..' is not allowed)")
    if pure.suffix.lower() not in suffixes:
        allowed = ", ".join(sorted(suffixes))
        raise MediaError(f"{ref!r} is not a supported file type (use {allowed})")
    candidate = root / pure
    if not candidate.exists() and not candidate.is_symlink():
        raise MediaError(f"{ref!r} does not exist")
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise MediaError(f"{ref!r} points outside the content folder (a link)")
    if not resolved.is_file():
        raise MediaError(f"{ref!r} is not a file")
    size = resolved.stat().st_size
    if size > max_bytes:
        raise MediaError(f"{ref!r} is {size:,} bytes, more than the {max_bytes:,} allowed")
    if size == 0:
        raise MediaError(f"{ref!r} is empty")
    return resolved
