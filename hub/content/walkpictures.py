"""The pictures of the walk's editor: a place's photograph to click on, and its thumbnail.

A place has its photograph in one of two forms: the 360° photograph someone uploaded
(`image`, until the next publication's build cuts it), or, taken from a published release,
the build's two textures (the left and right halves) and its small preview. The editor shows
either the same way: the whole panorama at one of the page's widths, made when a page asks
for it and not stored (a browser keeps it: its address names the files it was made from).
"""

from __future__ import annotations

import hashlib
from typing import Any

from PIL import Image
from sqlalchemy import Connection

from hub.content.blobs import BlobStore
from hub.content.uploads import PreparedImage, as_jpeg, picture, thumbnail


def sources(place: dict[str, Any]) -> list[str]:
    """The media paths the place's picture is made from, best first."""
    if place.get("image"):
        return [place["image"]]
    files = (place.get("textures") or {}).get("files") or []
    if len(files) == 2:
        return list(files)
    return [place["preview"]] if place.get("preview") else []


def picture_key(place: dict[str, Any]) -> str:
    """A short name of the files the place's picture is made from: a page puts it in the
    picture's address, so a new photograph is a new address and the old one may be cached
    for good."""
    return hashlib.sha256("\n".join(sources(place)).encode()).hexdigest()[:16]


def view(conn: Connection, blobs: BlobStore, place: dict[str, Any], width: int) -> PreparedImage:
    """The whole panorama `width` wide and half as high, as a JPEG."""
    size = (width, width // 2)
    found = sources(place)
    if len(found) == 2 and not place.get("image"):
        whole = Image.new("RGB", size)
        for n, path in enumerate(found):
            half, _kind = picture(conn, blobs, path, width // 2)
            whole.paste(_fitted(half, (width // 2, width // 2)), (n * width // 2, 0))
    elif found:
        whole, _kind = picture(conn, blobs, found[0], width)
        whole = _fitted(whole, size)
    else:
        whole = Image.new("RGB", size, (201, 208, 216))
    return as_jpeg(whole)


def _fitted(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    img = img.convert("RGB")
    return img if img.size == size else img.resize(size, Image.Resampling.LANCZOS)


def place_thumbnail(conn: Connection, blobs: BlobStore, place: dict[str, Any]) -> PreparedImage:
    """A small picture of the place for the list of places: its preview, or its photograph."""
    path = place.get("preview") if not place.get("image") else place["image"]
    if not path:
        return as_jpeg(Image.new("RGB", (240, 120), (201, 208, 216)))
    return thumbnail(conn, blobs, path)
