"""The virtual walk as content: panoramas/walk.yaml checked with file, line and field, the
graph checked, and photographs up to 16384x8192 cut into textures of at most 4096 px."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw

from kiosk.cli import main
from kiosk.content.release import Catalog, load_release
from kiosk_core.content.build import build_release
from kiosk_core.content.panorama import MAX_TEXTURE, PREVIEW_SIZE, texture_size
from kiosk_core.content.problems import ContentError
from kiosk_core.content.source import load_source
from kiosk_core.content.walkgraph import neighbours, reachable
from tests.conftest import SAMPLE_CONTENT

WALK = """\
start: rynek
nodes:
  - id: rynek
    title: {pl: Rynek, en: Market Square}
    description: {pl: Serce miasta}
    image: panoramas/rynek.jpg
    yaw: 10
    location: {lat: 50.30, long: 16.85}
    hotspots:
      - {yaw: 90, pitch: -5, target: most}
      - {yaw: 0, pitch: 10, info: {pl: Ratusz z 1582 roku}, label: {pl: Ratusz}}
  - id: most
    title: {pl: Most}
    image: panoramas/most.jpg
    location: {lat: 50.25, long: 16.90}
    hotspots:
      - {yaw: -90, target: rynek}
"""


def panorama(path: Path, width: int = 1024, colour: tuple[int, int, int] = (90, 140, 200)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (width, width // 2), colour).save(path, quality=85)
    return path


def with_walk(src: Path, text: str = WALK) -> Path:
    panorama(src / "panoramas" / "rynek.jpg")
    panorama(src / "panoramas" / "most.jpg", colour=(40, 120, 60))
    (src / "panoramas" / "walk.yaml").write_text(text, encoding="utf-8")
    return src


def problems(src: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_source(src)
    return [str(p) for p in info.value.problems]


def edit_walk(src: Path, old: str, new: str) -> None:
    path = src / "panoramas" / "walk.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- checking ----------------------------------------------------------------------------


def test_summary_counts_the_panoramas(source: Path) -> None:
    with_walk(source)
    result = CliRunner().invoke(main, ["content", "check", str(source)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "OK: 3 services, 2 events, 2 report categories, 2 panoramas, 1 alerts, "
        "languages: de, en, pl"
    )


def test_unknown_target_names_its_line(source: Path) -> None:
    with_walk(source)
    edit_walk(source, "target: most}", "target: mots}")
    found = problems(source)
    assert found[0].startswith("panoramas/walk.yaml:10: nodes[0].hotspots[0].target: unknown")
    assert "(known: most, rynek)" in found[0]
    # with its only way in broken, 'most' cannot be reached either
    assert any("nodes[1].id: 'most' cannot be reached from the start 'rynek'" in p for p in found)


def test_unreachable_place(source: Path) -> None:
    with_walk(source)
    edit_walk(source, "      - {yaw: 90, pitch: -5, target: most}\n", "")
    assert problems(source) == [
        "panoramas/walk.yaml:11: nodes[1].id: 'most' cannot be reached from the start 'rynek': "
        "no chain of hotspots leads here"
    ]


def test_yaw_and_pitch_out_of_range(source: Path) -> None:
    with_walk(source)
    edit_walk(source, "{yaw: 90, pitch: -5, target: most}", "{yaw: 200, pitch: -95, target: most}")
    found = problems(source)
    assert found == [
        "panoramas/walk.yaml:10: nodes[0].hotspots[0].pitch: Input should be greater than or "
        "equal to -90",
        "panoramas/walk.yaml:10: nodes[0].hotspots[0].yaw: Input should be less than or equal "
        "to 180",
    ]


def test_hotspot_needs_a_target_or_an_info_text(source: Path) -> None:
    with_walk(source)
    edit_walk(source, "{yaw: -90, target: rynek}", "{yaw: -90, target: rynek, info: Hej}")
    assert problems(source) == [
        "panoramas/walk.yaml:17: nodes[1].hotspots[0]: give either a target (a place's id) or "
        "an info text"
    ]


def test_duplicate_place_and_unknown_start(source: Path) -> None:
    with_walk(source)
    edit_walk(source, "  - id: most\n", "  - id: rynek\n")
    edit_walk(source, "start: rynek", "start: ratusz")
    found = problems(source)
    assert "panoramas/walk.yaml:1: start: unknown place 'ratusz' (known: rynek)" in found
    assert any(
        p.startswith("panoramas/walk.yaml:12: nodes[1].id: duplicate id 'rynek'") for p in found
    )


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.unlink(), "'panoramas/most.jpg' does not exist"),
        (lambda p: Image.new("RGB", (1024, 1024)).save(p), "is 1024x1024; an equirectangular"),
        (lambda p: Image.new("RGB", (512, 256)).save(p, "JPEG"), "a panorama needs at least"),
        (lambda p: Image.new("RGB", (1024, 512)).save(p, "PNG"), "panoramas must be JPEG"),
        (lambda p: p.write_bytes(b"not a picture"), "is not a readable image"),
    ],
)
def test_bad_panorama_images(source: Path, make, expected: str) -> None:
    with_walk(source)
    make(source / "panoramas" / "most.jpg")
    found = problems(source)
    assert len(found) == 1
    assert found[0].startswith("panoramas/walk.yaml:14: nodes[1].image: ")
    assert expected in found[0]


def test_built_fields_are_not_written_by_hand(source: Path) -> None:
    with_walk(source)
    edit_walk(
        source,
        "    image: panoramas/most.jpg\n",
        "    image: panoramas/most.jpg\n    preview: x.jpg\n",
    )
    assert problems(source) == [
        "panoramas/walk.yaml:15: nodes[1].preview: is written by 'kiosk content build'; "
        "give only image:"
    ]


def test_a_place_off_the_map(source: Path) -> None:
    with_walk(source)
    edit_walk(source, "{lat: 50.25, long: 16.90}", "{lat: 51.25, long: 16.90}")
    assert problems(source) == [
        "panoramas/walk.yaml:15: nodes[1].location: lies outside the municipality map "
        "(settings.yaml map:)"
    ]


def test_the_graph() -> None:
    walk = load_source(SAMPLE_CONTENT).content.walk
    assert walk is not None
    ids = {n.id for n in walk.nodes}
    assert len(ids) >= 4
    assert reachable(walk, walk.start_id) == ids
    assert neighbours(walk, "rynek") == ["most", "las", "dworzec"]


# --- building ----------------------------------------------------------------------------


def test_texture_sizes() -> None:
    assert texture_size(16384) == (8192, 4096)
    assert texture_size(8192) == (8192, 4096)
    assert texture_size(6000) == (4096, 2048)
    assert texture_size(1024) == (1024, 512)


def test_build_cuts_a_16384_panorama_into_textures_of_at_most_4096(
    source: Path, tmp_path: Path
) -> None:
    """The largest photograph a town hall may give: four colour blocks mark where the image
    centre, a quarter right, a quarter left and the join must land in the halves."""
    with_walk(source)
    big = Image.new("RGB", (16384, 8192), (128, 128, 128))
    draw = ImageDraw.Draw(big)
    marks = {
        8192: (255, 0, 0),  # yaw 0: the image centre
        12288: (0, 0, 255),  # yaw 90
        4096: (0, 200, 0),  # yaw -90
        0: (255, 255, 0),  # yaw 180, the join (left edge...)
        16383: (255, 255, 0),  # (...and right edge)
    }
    for x, colour in marks.items():
        draw.rectangle([x - 256, 3840, x + 255, 4351], fill=colour)
    big.save(source / "panoramas" / "rynek.jpg", quality=80)
    del big, draw
    out = tmp_path / "release"
    manifest = build_release(source, out)
    release = load_release(out)
    node = release.content.walk.node("rynek")
    assert node.image is None
    assert node.textures.width == 8192 and node.textures.height == 4096
    halves = [Image.open(release.media_path(ref)) for ref in node.textures.files]
    for half in halves:
        assert half.format == "JPEG"
        assert max(half.size) <= MAX_TEXTURE
        assert half.size == (4096, 4096)
    assert Image.open(release.media_path(node.preview)).size == PREVIEW_SIZE
    left, right = (h.convert("RGB") for h in halves)

    def near(pixel, colour) -> bool:
        return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=True))

    assert near(right.getpixel((20, 2048)), (255, 0, 0))  # centre: the right half's left edge
    assert near(left.getpixel((4075, 2048)), (255, 0, 0))
    assert near(right.getpixel((2048, 2048)), (0, 0, 255))  # a quarter right
    assert near(left.getpixel((2048, 2048)), (0, 200, 0))  # a quarter left
    assert near(left.getpixel((20, 2048)), (255, 255, 0))  # the join, both sides
    assert near(right.getpixel((4075, 2048)), (255, 255, 0))
    assert near(left.getpixel((2048, 200)), (128, 128, 128))
    # every file is in the manifest, the photograph itself is not shipped
    paths = {f.path for f in manifest.files}
    assert set(node.textures.files) | {node.preview} <= paths
    assert not any(f.size > 40_000_000 for f in manifest.files)


def test_build_is_reproducible_and_shares_identical_panoramas(source: Path, tmp_path: Path) -> None:
    with_walk(source)
    first = build_release(source, tmp_path / "a")
    second = build_release(source, tmp_path / "b")
    assert [(f.path, f.sha256) for f in first.files] == [(f.path, f.sha256) for f in second.files]
    doc = json.loads((tmp_path / "a" / "content.json").read_text(encoding="utf-8"))
    assert [n["image"] for n in doc["walk"]["nodes"]] == [None, None]
    assert all(n["textures"]["files"][0].startswith("media/") for n in doc["walk"]["nodes"])


def test_a_release_without_a_walk_has_no_walk_key(source: Path, tmp_path: Path) -> None:
    build_release(source, tmp_path / "r")
    doc = json.loads((tmp_path / "r" / "content.json").read_text(encoding="utf-8"))
    assert "walk" not in doc
    assert Catalog(load_release(tmp_path / "r")).walk is None


def test_the_bundled_sample_walk(tmp_path: Path) -> None:
    """At least four connected places, synthetic 4096x2048 photographs, cut in halves."""
    src = load_source(SAMPLE_CONTENT)
    walk = src.content.walk
    assert len(walk.nodes) >= 4
    for node in walk.nodes:
        assert {"pl", "en", "de", "cs", "uk"} <= set(node.title), node.id
        assert any(h.target for h in node.hotspots), node.id
        with Image.open(src.panoramas[node.image]) as img:
            assert img.size == (4096, 2048)
    build_release(SAMPLE_CONTENT, tmp_path / "r")
    release = load_release(tmp_path / "r")
    for node in release.content.walk.nodes:
        assert node.textures.width == 4096
        for ref in node.textures.files:
            assert Image.open(release.media_path(ref)).size == (2048, 2048)


def test_the_hub_checks_panorama_files_too(source: Path, tmp_path: Path) -> None:
    from hub.content.releases import media_refs

    with_walk(source)
    build_release(source, tmp_path / "r")
    content = load_release(tmp_path / "r").content
    refs = media_refs(content)
    for node in content.walk.nodes:
        assert set(node.textures.files) <= set(refs)
        assert node.preview in refs
