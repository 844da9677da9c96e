"""Pictures staff upload (hub.content.uploads): a phone photograph becomes an upright,
metadata-free picture of the size a kiosk needs, stored once in a real hub's blob store and
named in its draft; what is not a usable JPEG or PNG is refused before it is decoded."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from hub.content import draft
from hub.content.uploads import (
    MAX_UPLOAD_BYTES,
    THUMBNAIL_SIDE,
    ImageRefused,
    Purpose,
    prepare_image,
    store_image,
    thumbnail,
)
from kiosk_core.content.media import check_image, resolve_media
from tests.hubtools import REPO, HubEnv

RED, BLUE = (220, 20, 20), (20, 20, 220)
GPS_IFD = 0x8825
ORIENTATION = 0x0112


@pytest.fixture
def env(tmp_path: Path):
    env = HubEnv.create(tmp_path / "hub")
    yield env
    env.hub.close()


def phone_photo(width: int = 4000, height: int = 3000) -> bytes:
    """What a phone gives: a JPEG lying on its side (orientation 6: turn it clockwise to
    view), with the GPS position, a comment, XMP and a colour profile. Its top-left quarter
    is red, the rest blue."""
    img = Image.new("RGB", (width, height), BLUE)
    img.paste(RED, (0, 0, width // 2, height // 2))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (50.0, 17.0, 31.5), 3: "E", 4: (16.0, 52.0, 12.25)})
    out = io.BytesIO()
    img.save(
        out,
        "JPEG",
        quality=92,
        exif=exif.tobytes(),
        comment=b"taken at Jan's home",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">home</x:xmpmeta>',
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    return out.getvalue()


def blob_files(env: HubEnv) -> list[Path]:
    return [p for p in env.hub.blobs.root.iterdir() if p.is_file()]


def media(env: HubEnv) -> dict[str, tuple[str, int]]:
    with env.hub.transaction(write=False) as conn:
        return draft.media(conn)


def near(pixel: tuple[int, ...], color: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, color, strict=False))


def test_a_phone_photo_as_poster_is_stored_upright_small_without_metadata_once(
    env: HubEnv, tmp_path: Path
) -> None:
    upload = phone_photo()
    with Image.open(io.BytesIO(upload)) as original:  # the photo does carry all that
        assert original.getexif().get_ifd(GPS_IFD)
        assert {"comment", "xmp", "icc_profile"} <= set(original.info)

    with env.hub.transaction() as conn:
        path = store_image(conn, env.hub.blobs, upload, Purpose.POSTER)
    sha256, size = media(env)[path]
    assert path == f"media/{sha256}.jpg"
    stored = env.hub.blobs.read(sha256)
    assert len(stored) == size

    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == "JPEG"
        assert img.size == (810, 1080)  # upright: portrait, scaled to the poster's 1080
        assert not img.getexif()
        assert not set(img.info) & {"exif", "comment", "xmp", "icc_profile"}
        pixels = img.convert("RGB")
        # turned clockwise, the red top-left quarter is now the top-right one
        assert near(pixels.getpixel((img.width - 10, 10)), RED)
        assert near(pixels.getpixel((10, 10)), BLUE)
    for trace in (b"Exif", b"PhoneMaker", b"home", b"adobe:ns:meta", b"ICC_PROFILE"):
        assert trace not in stored, trace
    # The GPS IFD's tag (0x8825) with its type (LONG) in either byte order
    assert b"\x88\x25\x00\x04" not in stored and b"\x25\x88\x04\x00" not in stored

    with env.hub.transaction() as conn:
        again = store_image(conn, env.hub.blobs, upload, Purpose.POSTER)
    assert again == path
    assert blob_files(env) == [env.hub.blobs.path(sha256)]
    assert list(media(env)) == [path]

    # What a build takes: the kiosk's own checks of a media file accept it
    tree = tmp_path / "tree"
    (tree / "media").mkdir(parents=True)
    (tree / path).write_bytes(stored)
    assert check_image(resolve_media(tree, path), path) == (810, 1080)


def test_the_same_upload_gives_the_same_bytes_in_a_fresh_process(env: HubEnv) -> None:
    """Deterministic output: one blob for one picture across hub processes and restarts."""
    upload = phone_photo(1600, 1200)
    here = prepare_image(upload, Purpose.ATTRACT).sha256
    code = (
        "import sys; from hub.content.uploads import prepare_image, Purpose; "
        "print(prepare_image(sys.stdin.buffer.read(), Purpose.ATTRACT).sha256)"
    )
    there = subprocess.run(
        [sys.executable, "-c", code], input=upload, capture_output=True, check=True, cwd=REPO
    )
    assert there.stdout.decode().strip() == here


def test_a_transparent_png_logo_stays_png_with_its_transparency(env: HubEnv) -> None:
    logo = Image.new("RGBA", (1200, 600), (0, 0, 0, 0))
    logo.paste((0, 90, 160, 255), (300, 100, 900, 500))
    out = io.BytesIO()
    logo.save(out, "PNG")
    with env.hub.transaction() as conn:
        path = store_image(conn, env.hub.blobs, out.getvalue(), Purpose.LOGO)
    assert path.endswith(".png")
    with Image.open(env.hub.blobs.path(path[6:-4])) as img:
        assert (img.format, img.mode, img.size) == ("PNG", "RGBA", (512, 256))
        assert img.getpixel((5, 5))[3] == 0
        assert img.getpixel((256, 128)) == (0, 90, 160, 255)

    # as a poster the same picture is a photograph: JPEG, laid on white
    poster = prepare_image(out.getvalue(), Purpose.POSTER)
    assert (poster.format, poster.width, poster.height) == ("JPEG", 1080, 540)
    with Image.open(io.BytesIO(poster.data)) as img:
        assert near(img.getpixel((5, 5)), (255, 255, 255))


def test_a_small_picture_is_not_enlarged() -> None:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), RED).save(out, "JPEG")
    prepared = prepare_image(out.getvalue(), Purpose.ATTRACT)
    assert (prepared.width, prepared.height) == (300, 200)


def swapped_profile() -> bytes:
    """An ICC v2 RGB display profile whose red primary is sRGB's green and whose green is
    sRGB's red: a picture's (220, 20, 20) under it is a green (made here: PIL can make no
    RGB profile but sRGB, and no other lies around on this machine)."""

    def fixed(*values: float) -> bytes:
        return b"".join(struct.pack(">i", round(v * 65536)) for v in values)

    def xyz(*values: float) -> bytes:
        return b"XYZ \0\0\0\0" + fixed(*values)

    name = b"swapped primaries\0"
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 563) + b"\0\0"  # gamma 2.2
    tags = [
        (b"desc", b"desc\0\0\0\0" + struct.pack(">I", len(name)) + name + bytes(12) + bytes(67)),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.3851, 0.7169, 0.0971)),
        (b"gXYZ", xyz(0.4361, 0.2225, 0.0139)),
        (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = struct.pack(">I", len(tags)), b""
    for signature, data in tags:
        data += bytes(-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + bytes(4)
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + bytes(12)
        + b"acsp"
        + bytes(24)
        + bytes(4)
        + fixed(0.9642, 1.0, 0.8249)
        + bytes(48)
    )
    assert len(header) == 128
    return header + table + body


def test_a_photo_in_another_colour_space_comes_out_as_srgb_pixels() -> None:
    """The kiosk ignores colour profiles, so the picture's pixels are converted to sRGB and the
    profile dropped: what the photographer saw is what the kiosk shows."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), RED).save(out, "JPEG", icc_profile=swapped_profile())
    prepared = prepare_image(out.getvalue(), Purpose.POSTER)
    with Image.open(io.BytesIO(prepared.data)) as img:
        assert "icc_profile" not in img.info
        red, green, blue = img.getpixel((32, 32))
    assert green > 150 and red < 120, (red, green, blue)


def test_a_cmyk_jpeg_comes_out_rgb() -> None:
    """Print shops give posters as CMYK JPEGs; a kiosk is given RGB pixels."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), RED).convert("CMYK").save(out, "JPEG")
    prepared = prepare_image(out.getvalue(), Purpose.POSTER)
    with Image.open(io.BytesIO(prepared.data)) as img:
        assert img.mode == "RGB"
        assert near(img.getpixel((32, 32)), RED)


def jpeg(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(out, "JPEG")
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), RED).save(out, "WEBP")
    return out.getvalue()


def png_header(width: int, height: int, rows: int = 0) -> bytes:
    """A greyscale PNG declaring `width` x `height`; the first `rows` rows are really there
    (zeros: a few hundred kB for a hundred megapixels), the rest is cut off."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    packer = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    idat = b"".join(packer.compress(row) for _ in range(rows)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


REFUSED = {
    "empty": (lambda: b"", "The file is empty."),
    "html named .png": (
        lambda: b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        "The file is not a picture: choose a JPEG or PNG file.",
    ),
    "svg": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"/></svg>',
        "The file is not a picture: choose a JPEG or PNG file.",
    ),
    "webp": (webp, "The picture is a {kind} file; save it as JPEG or PNG and upload that."),
    "truncated jpeg": (
        lambda: jpeg()[:6000],
        "The picture is damaged or incomplete: upload the original file again.",
    ),
    "too many bytes": (
        lambda: jpeg()[:-2] + b"\x00" * MAX_UPLOAD_BYTES,
        "The file is {megabytes} MB; at most {limit} MB are accepted.",
    ),
    "60000x60000 header": (
        lambda: png_header(60000, 60000),
        "The picture claims hundreds of millions of pixels; at most {megapixels} "
        "megapixels are accepted: save it smaller.",
    ),
    "100 megapixels of zeros": (
        lambda: png_header(10000, 10000, rows=10),
        "The picture is {width}x{height} pixels; at most {megapixels} megapixels are "
        "accepted: save it smaller.",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_what_is_no_usable_picture_is_refused_in_plain_words_and_nothing_is_stored(
    env: HubEnv, case: str
) -> None:
    make, message = REFUSED[case]
    with pytest.raises(ImageRefused) as refused, env.hub.transaction() as conn:
        store_image(conn, env.hub.blobs, make(), Purpose.POSTER, field="poster")
    assert refused.value.message == message
    assert refused.value.field == "poster"
    assert refused.value.status == 422
    assert blob_files(env) == []
    assert media(env) == {}


BOMB_PROBE = """
import json, re, sys, time
from hub.content.uploads import ImageRefused, Purpose, prepare_image
data = open(sys.argv[1], "rb").read()
def peak():  # this process's own high-water mark (ru_maxrss counts its parent's too)
    status = open("/proc/self/status").read()
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
before = peak()
started = time.perf_counter()
try:
    prepare_image(data, Purpose.POSTER)
    refused = None
except ImageRefused as exc:
    refused = exc.detail
seconds = time.perf_counter() - started
grown = peak() - before
print(json.dumps({"refused": refused, "seconds": seconds, "kilobytes": grown}))
"""


@pytest.mark.parametrize("size", [(60000, 60000), (10000, 10000)])
def test_a_decompression_bomb_is_refused_before_its_pixels_are_allocated(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    """A PNG of zeros declaring 100 megapixels decodes to 100 MB (300 MB in RGB) from a few
    hundred kB; refused from its header, the process grows by less than 20 MB. Measured in a
    fresh process: PIL's pixel memory is C memory that tracemalloc does not see."""
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header(*size, rows=size[1] if size[0] <= 10000 else 0))
    assert bomb.stat().st_size < 2_000_000
    probe = subprocess.run(
        [sys.executable, "-c", BOMB_PROBE, str(bomb)],
        capture_output=True,
        check=True,
        cwd=REPO,
        timeout=120,
    )
    result = json.loads(probe.stdout)
    assert result["refused"] and "pixels" in result["refused"]
    assert result["kilobytes"] < 20_000, result
    assert result["seconds"] < 1.0, result


def test_the_editor_gets_a_small_thumbnail_of_a_stored_poster(env: HubEnv) -> None:
    with env.hub.transaction() as conn:
        path = store_image(conn, env.hub.blobs, phone_photo(), Purpose.POSTER)
        small = thumbnail(conn, env.hub.blobs, path)
    assert (small.format, small.width, small.height) == ("JPEG", 180, THUMBNAIL_SIDE)
    with Image.open(io.BytesIO(small.data)) as img:
        assert near(img.convert("RGB").getpixel((img.width - 5, 5)), RED)
    assert len(blob_files(env)) == 1  # made when asked, not stored


def test_a_16_bit_greyscale_png_keeps_its_greys() -> None:
    """A scanner's or a GIS tool's 16-bit map: 32768 of 65535 is a middle grey, not white."""
    grey = Image.new("I;16", (64, 64), 32768)
    out = io.BytesIO()
    grey.save(out, "PNG")
    prepared = prepare_image(out.getvalue(), Purpose.MAP)
    with Image.open(io.BytesIO(prepared.data)) as img:
        assert (img.format, img.mode) == ("PNG", "RGB")
        assert near(img.getpixel((32, 32)), (128, 128, 128))


def panorama(width: int, height: int, orientation: int = 1) -> bytes:
    """A 360° camera's JPEG with its GPS position; its left half red, its right half blue."""
    img = Image.new("RGB", (width, height), BLUE)
    img.paste(RED, (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (50.0, 18.0, 3.5), 3: "E", 4: (16.0, 52.0, 48.0)})
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def test_a_360_photograph_keeps_what_the_build_cuts_and_loses_its_gps() -> None:
    """A panorama is scaled only down to the widest textures the build makes (8192), never
    below; stored as a baseline JPEG without metadata; what is no 2:1 picture of a size the
    build takes is refused from its header."""
    wide = prepare_image(panorama(8400, 4200), Purpose.PANORAMA)
    assert (wide.width, wide.height) == (8192, 4096)
    small = prepare_image(panorama(2048, 1024), Purpose.PANORAMA)
    assert (small.width, small.height) == (2048, 1024)
    with Image.open(io.BytesIO(small.data)) as img:
        assert img.format == "JPEG" and not img.info.get("progressive")
        assert not img.getexif() and "exif" not in img.info
        assert near(img.convert("RGB").getpixel((10, 500)), RED)
    turned = prepare_image(panorama(512, 1024, orientation=6), Purpose.PANORAMA)
    assert (turned.width, turned.height) == (1024, 512)

    for upload, words in (
        (phone_photo(1600, 1200), "1200x1600"),
        (panorama(1000, 500), "1024x512"),
    ):
        with pytest.raises(ImageRefused) as refused:
            prepare_image(upload, Purpose.PANORAMA, field="photo")
        assert refused.value.field == "photo" and words in str(refused.value)
