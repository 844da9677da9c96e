"""Pictures staff upload for the content: checked, made safe and small, stored once.

A clerk's upload is usually a phone photograph: 4000x3000 pixels or more, lying on its side
with an EXIF orientation flag, carrying the GPS position of whoever took it. Before it goes
into the draft it is

- checked before anything is decoded: at most MAX_UPLOAD_BYTES; a JPEG or a PNG by the
  file's first bytes, never by its name (the kiosk shows only those:
  kiosk_core.content.media.IMAGE_FORMATS); its pixel dimensions read from the header (PIL's
  `Image.open` reads only that) and refused above the limit, so a small file claiming
  billions of pixels (a decompression bomb) never allocates them;
- turned upright from its EXIF orientation, converted to sRGB pixels when it carries another
  colour profile (the kiosk ignores profiles: Kivy shows the pixel values as sRGB, so a
  converted picture shows as the photographer saw it), and written out again without any
  metadata: no EXIF (GPS, camera, time), no XMP, no comments, no profile;
- scaled down, never up, to what the kiosk needs for its purpose (`Purpose`; a 360°
  photograph of the walk to what the build cuts into textures), and encoded the same way
  every time, so the same upload gives the same bytes, hence one blob and one
  `media/<sha256>.<ext>` path, the name a release gives the file too
  (kiosk_core.content.build).

Refusals are `ImageRefused` (a `FieldRefused`): an English message id with its values that
a page translates and shows by the file field.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from enum import Enum

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy import Connection

from hub.content import draft
from hub.content.blobs import BlobStore
from hub.errors import FieldRefused, NotFound
from kiosk_core.content.media import IMAGE_FORMATS, MAX_IMAGE_BYTES, MAX_PANORAMA_BYTES
from kiosk_core.content.panorama import MAX_SOURCE, MAX_TEXTURE, MIN_SOURCE, equirectangular
from kiosk_core.i18n import N_

MAX_UPLOAD_BYTES = MAX_IMAGE_BYTES
"""What a build accepts for one image (25 MiB): a phone's JPEG is 2-12 MB."""
MAX_JPEG_PIXELS = 64_000_000
"""A JPEG is decoded at 1/2, 1/4 or 1/8 of its size when that is still larger than the
kiosk needs (libjpeg's DCT scaling), so a 48 megapixel phone photograph costs what a 12
megapixel one does (about 60 MB at the peak, bench/uploads_bench.py, instead of 550 decoded
whole). Larger ones (200 MP modes) are refused: export them smaller."""
MAX_PNG_PIXELS = 24_000_000
"""A PNG is always decoded whole (RGBA: 4 bytes a pixel, about 100 MB at this limit)."""
MAX_PANORAMA_PIXELS = MAX_SOURCE[0] * MAX_SOURCE[1]
"""A 360° photograph as large as `kiosk content check` takes one (16384x8192): a JPEG
decoded at the scale that still gives the build's widest textures (8192), so 16384 wide
costs what 8192 does (about 230 MB at the peak, 0.8 s); between the two it is decoded whole
and scaled (a 72-megapixel 360° camera's 11968x5984: about 590 MB, 2.7 s;
bench/uploads_bench.py). The walk's pages prepare one at a time."""
ORIENTATION = 0x0112
TURNED = frozenset({5, 6, 7, 8})
"""EXIF orientations that turn the picture by a quarter: its header's width is its height."""
MAX_SIDE = 20_000
"""Longer than this is a strip no kiosk screen shows, or a lie in a header."""
THUMBNAIL_SIDE = 240
"""The long side of the editor's thumbnails: sharp at 120 CSS pixels on a 2x screen (a
phone's), at 240 on an ordinary one."""
JPEG_QUALITY = 85

_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError)
"""What PIL raises for a damaged or cut-off file (truncated data: OSError)."""


class Purpose(Enum):
    """What a picture is for, by the largest box it has to fill on a kiosk screen (1920x1080
    landscape or 1080x1920 portrait; `app.unit` scales the layout by the shorter side / 1080,
    so 1.0 on those screens, at most 2.0 on a 4K one). The boxes are square, so a picture
    fits whichever way it is turned.

    - `POSTER`: an event's picture. The event screen shows it 360 units high (720 pixels on a
      4K screen); 1080 leaves room for a full-height view on a landscape screen and the full
      width of a portrait one, at 4.7 MB of texture.
    - `ATTRACT`: a slide of the attract loop, over the whole window: 1920, the long side of
      either screen.
    - `MAP`: the municipality map residents tap to say where: it fills most of the screen,
      and a tap's precision is a pixel of it: 1920, kept PNG when it is one (lines and text).
    - `LOGO`: the municipality's logo, a square as high as the top bar (110 units landscape,
      200 portrait: at most 400 pixels): 512, kept PNG when it is one (transparency).

    - `PANORAMA`: a place of the virtual walk, a 360° photograph twice as wide as high
      (equirectangular). The build cuts it into two textures of at most 4096 pixels
      (kiosk_core.content.panorama), from a picture at most 8192 wide: kept up to that,
      never less, so the kiosk gets everything it can show. Stored as a baseline JPEG (the
      build decodes it at once, without a progressive JPEG's buffers).

    Photographs (posters, slides, panoramas) are always JPEG; a transparent PNG poster is laid
    on white.
    """

    POSTER = ("poster", 1080, True)
    ATTRACT = ("attract", 1920, True)
    MAP = ("map", 1920, False)
    LOGO = ("logo", 512, False)
    PANORAMA = ("panorama", 2 * MAX_TEXTURE, True)

    def __init__(self, label: str, side: int, photo: bool) -> None:
        self.label = label
        self.side = side
        self.photo = photo
        """Always a JPEG; otherwise a PNG stays a PNG."""

    @property
    def max_bytes(self) -> int:
        """The largest file accepted: a 360° photograph may be as large as a source tree's."""
        return MAX_PANORAMA_BYTES if self is Purpose.PANORAMA else MAX_UPLOAD_BYTES


@dataclass(frozen=True)
class PreparedImage:
    data: bytes
    format: str
    """"JPEG" or "PNG"."""
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def suffix(self) -> str:
        return ".jpg" if self.format == "JPEG" else ".png"

    @property
    def media_type(self) -> str:
        return "image/jpeg" if self.format == "JPEG" else "image/png"


class ImageRefused(FieldRefused):
    """An upload that cannot become a kiosk's picture; the message says why in plain words."""


def _kind(data: bytes) -> str | None:
    """What the first bytes say the file is: "JPEG", "PNG", another picture's name (so the
    refusal can say what to do), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"avif"):
        return "HEIC"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:2] == b"BM" or data[:4] in (b"II*\x00", b"MM\x00*"):
        return "BMP/TIFF"
    return None


def check_size(size: int, purpose: Purpose, field: str = "image") -> None:
    """Refuse a file of `size` bytes that is empty or larger than `purpose` takes; a page
    asks before it reads an upload into memory."""
    if not size:
        raise ImageRefused(field, N_("The file is empty."))
    if size > purpose.max_bytes:
        raise ImageRefused(
            field,
            N_("The file is {megabytes} MB; at most {limit} MB are accepted."),
            megabytes=round(size / 1024 / 1024, 1),
            limit=purpose.max_bytes // (1024 * 1024),
        )


def _check(data: bytes, field: str, purpose: Purpose = Purpose.POSTER) -> str:
    """Refuse what is empty, too many bytes or not a JPEG/PNG, before PIL sees it."""
    check_size(len(data), purpose, field)
    kind = _kind(data)
    if kind is None:
        raise ImageRefused(field, N_("The file is not a picture: choose a JPEG or PNG file."))
    if kind not in IMAGE_FORMATS:
        raise ImageRefused(
            field,
            N_("The picture is a {kind} file; save it as JPEG or PNG and upload that."),
            kind=kind,
        )
    return kind


def _too_large(field: str, width: int, height: int, limit: int) -> ImageRefused:
    return ImageRefused(
        field,
        N_(
            "The picture is {width}x{height} pixels; at most {megapixels} megapixels are "
            "accepted: save it smaller."
        ),
        width=width,
        height=height,
        megapixels=limit // 1_000_000,
    )


def _open(data: bytes, kind: str, field: str, jpeg_limit: int = MAX_JPEG_PIXELS) -> Image.Image:
    """The image with only its header read, refused when it declares too many pixels."""
    limit = jpeg_limit if kind == "JPEG" else MAX_PNG_PIXELS
    try:
        with warnings.catch_warnings():
            # PIL warns from 89 megapixels; the limits below are lower
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=[kind])
    except Image.DecompressionBombError:
        # PIL's own guard, beyond twice Image.MAX_IMAGE_PIXELS: before any pixel too
        raise ImageRefused(
            field,
            N_(
                "The picture claims hundreds of millions of pixels; at most {megapixels} "
                "megapixels are accepted: save it smaller."
            ),
            megapixels=limit // 1_000_000,
        ) from None
    except _ERRORS:
        raise ImageRefused(
            field, N_("The picture is damaged or incomplete: upload the original file again.")
        ) from None
    width, height = img.size
    if width * height > limit or max(width, height) > MAX_SIDE:
        img.close()
        raise _too_large(field, width, height, limit)
    return img


def _check_panorama(img: Image.Image, field: str) -> None:
    """Refuse, from the header alone, what cannot be a 360° photograph for the walk: not
    twice as wide as high once upright, or smaller or larger than the build takes."""
    width, height = img.size
    if img.getexif().get(ORIENTATION) in TURNED:
        width, height = height, width
    if not equirectangular(width, height):
        raise ImageRefused(
            field,
            N_(
                "The picture is {width}x{height} pixels; a 360° photograph is twice as wide "
                "as it is high: export it from the camera's app as an equirectangular picture."
            ),
            width=width,
            height=height,
        )
    if width < MIN_SOURCE[0] or width > MAX_SOURCE[0]:
        raise ImageRefused(
            field,
            N_(
                "The picture is {width}x{height} pixels; a 360° photograph must be between "
                "{min_width}x{min_height} and {max_width}x{max_height}."
            ),
            width=width,
            height=height,
            min_width=MIN_SOURCE[0],
            min_height=MIN_SOURCE[1],
            max_width=MAX_SOURCE[0],
            max_height=MAX_SOURCE[1],
        )


def _srgb(img: Image.Image) -> Image.Image:
    """Pixels in sRGB, RGB or RGBA: an embedded profile other than sRGB is applied (a CMYK
    JPEG without one is converted plainly), then forgotten."""
    profile = img.info.get("icc_profile")
    alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    mode = "RGBA" if alpha else "RGB"
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            if "srgb" not in (ImageCms.getProfileDescription(source) or "").lower():
                base = img if img.mode in ("RGB", "RGBA", "CMYK", "L") else img.convert(mode)
                out_mode = "RGBA" if base.mode == "RGBA" else "RGB"
                img = ImageCms.profileToProfile(
                    base, source, ImageCms.createProfile("sRGB"), outputMode=out_mode
                )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels as they are
    if img.mode.startswith("I") or img.mode == "F":  # 16-bit or wider greyscale
        img = img.convert("I").point(lambda v: v / 256).convert("L")
    if img.mode != mode:
        img = img.convert(mode)
    img.info.clear()
    return img


def _encode(img: Image.Image, as_png: bool, progressive: bool = True) -> PreparedImage:
    out = io.BytesIO()
    if as_png:
        img.save(out, "PNG", optimize=True)
    else:
        if img.mode == "RGBA":
            flat = Image.new("RGB", img.size, "white")
            flat.paste(img, mask=img.getchannel("A"))
            img = flat
        img.save(out, "JPEG", quality=JPEG_QUALITY, progressive=progressive, optimize=True)
    return PreparedImage(out.getvalue(), "PNG" if as_png else "JPEG", *img.size)


def as_jpeg(img: Image.Image) -> PreparedImage:
    """A picture the hub made (the walk editor's views) as a baseline JPEG."""
    return _encode(img, False, progressive=False)


def _shrunk(img: Image.Image, side: int) -> Image.Image:
    """The image scaled to fit `side` x `side`, never enlarged."""
    if max(img.size) <= side:
        return img
    scale = side / max(img.size)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.Resampling.LANCZOS)


def _decode(img: Image.Image, side: int, field: str, gap: float = 2.0) -> Image.Image:
    """Decoded, upright. A JPEG is decoded at the smallest DCT scale whose long side is still
    `gap` times `side` (twice: what `Image.thumbnail` does with its `reducing_gap`, so the
    scaling that follows has the pixels it needs)."""
    if img.format == "JPEG":
        width, height = img.size
        scale = max(1.0, max(width, height) / (side * gap))
        mode = img.mode if img.mode in ("RGB", "L") else None
        img.draft(mode, (max(1, int(width / scale)), max(1, int(height / scale))))
    try:
        img.load()
        ImageOps.exif_transpose(img, in_place=True)  # no copy when it is upright already
        return img
    except _ERRORS:
        raise ImageRefused(
            field, N_("The picture is damaged or incomplete: upload the original file again.")
        ) from None


def prepare_image(data: bytes, purpose: Purpose, field: str = "image") -> PreparedImage:
    """The upload as the kiosk will get it (see the module's docstring); `ImageRefused` for
    `field` when it cannot be."""
    kind = _check(data, field, purpose)
    panorama = purpose is Purpose.PANORAMA
    limit = MAX_PANORAMA_PIXELS if panorama else MAX_JPEG_PIXELS
    with _open(data, kind, field, limit) as img:
        if panorama:
            _check_panorama(img, field)
        # A panorama is decoded at no less than it is kept at: the build's textures are cut
        # from these pixels, not shown scaled down as a poster is.
        upright = _srgb(_decode(img, purpose.side, field, 1.0 if panorama else 2.0))
    keep_png = kind == "PNG" and not purpose.photo
    return _encode(_shrunk(upright, purpose.side), keep_png, progressive=not panorama)


def store_image(
    conn: Connection, blobs: BlobStore, data: bytes, purpose: Purpose, field: str = "image"
) -> str:
    """Prepare the upload, store it once by content and name it in the draft; returns the
    `media/<sha256>.<ext>` path items refer to it with. The same picture again is the same
    blob and path."""
    return store_prepared(conn, blobs, prepare_image(data, purpose, field))


def store_prepared(conn: Connection, blobs: BlobStore, prepared: PreparedImage) -> str:
    """Store a prepared picture once by content and name it in the draft (a page prepares
    a large picture before it opens the transaction). The blob is written before `conn`
    commits: a rolled-back upload leaves an unreferenced blob, harmless and never
    half-written (hub.content.blobs)."""
    sha256 = prepared.sha256
    if not blobs.has(sha256, len(prepared.data)):
        blobs.put(prepared.data, sha256)
    path = f"media/{sha256}{prepared.suffix}"
    draft.add_media(conn, path, sha256, len(prepared.data))
    return path


def thumbnail(
    conn: Connection, blobs: BlobStore, path: str, side: int = THUMBNAIL_SIDE
) -> PreparedImage:
    """A small copy of the draft's picture at `path` for the editor, made when asked.

    Not stored: a stored picture never changes, so a page serves its thumbnail with
    `Cache-Control: immutable` and each browser asks once; storing them would need a table
    from picture to thumbnail and a clean-up when pictures go, to save a few milliseconds
    (a JPEG is decoded at 1/8 of its size for this). The draft's pictures passed the
    build's checks (at most 4096 pixels a side), so this decodes nothing unbounded."""
    small, kind = picture(conn, blobs, path, side)
    return _encode(small, kind == "PNG")


def picture(conn: Connection, blobs: BlobStore, path: str, side: int) -> tuple[Image.Image, str]:
    """The draft's picture at `path` decoded to fit `side` x `side` (never enlarged), and
    whether it is a "JPEG" or a "PNG": for a thumbnail, or for the editor to compose."""
    stored = draft.media(conn).get(path)
    if stored is None:
        raise NotFound(f"{path!r} is not among the draft's media")
    data = blobs.read(stored[0])
    kind = _check(data, "image", Purpose.PANORAMA)
    with _open(data, kind, "image") as img:
        return _shrunk(_srgb(_decode(img, side, "image")), side), kind
