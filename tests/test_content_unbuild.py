"""A release turned back into items and written out as a source tree builds the very same
content.json (kiosk_core.content.unbuild, kiosk_core.content.items): what lets the hub's
draft start from a published release and publish it again unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk_core.content.build import build_release
from kiosk_core.content.items import Item, write_tree
from kiosk_core.content.problems import ContentError
from kiosk_core.content.source import load_source
from kiosk_core.content.unbuild import unbuild

SAMPLE = Path(__file__).resolve().parent.parent / "content"


def export(release: Path, items: list[Item], tree: Path) -> Path:
    """The items as a source tree, their media copied from the release they name."""
    for ref in write_tree(tree, items):
        (tree / ref).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(release / ref, tree / ref)
    return tree


@pytest.mark.parametrize("tree", ["sample", "small"])
def test_a_release_written_out_builds_the_same_content_json(
    tree: str, source: Path, tmp_path: Path
) -> None:
    src = SAMPLE if tree == "sample" else source
    build_release(src, tmp_path / "release")
    published = (tmp_path / "release" / "content.json").read_bytes()

    items = unbuild(published)
    out = export(tmp_path / "release", items, tmp_path / "tree")

    checked = CliRunner().invoke(main, ["content", "check", str(out)])
    assert checked.exit_code == 0, checked.output
    built = CliRunner().invoke(main, ["content", "build", str(out), str(tmp_path / "again")])
    assert built.exit_code == 0, built.output
    assert (tmp_path / "again" / "content.json").read_bytes() == published


def test_items_are_what_a_person_would_write(tmp_path: Path) -> None:
    build_release(SAMPLE, tmp_path / "release")
    items = unbuild((tmp_path / "release" / "content.json").read_bytes())
    by_id = {(i.kind, i.item_id): i.data for i in items}

    kinds = [i.kind for i in items]
    assert kinds.count("service") == 49 and kinds.count("settings") == 1
    assert kinds.count("place") == 5 and by_id[("walk", "walk")] == {"start": "rynek"}
    assert kinds.count("attract") == 3 and ("attract", "attract-1") in by_id
    # Defaults are left out; dates stay dates, times keep their offset.
    event = by_id[("event", "jarmark-bozonarodzeniowy")]
    assert event["start"] == "2026-12-11" and event["all_day"] is True
    assert "kiosks" not in event and "valid_from" not in event
    timed = by_id[("event", "sesja-rady-grudzien")]
    assert timed["start"] == "2026-12-17T10:00:00+01:00" and "all_day" not in timed
    # Media are the release's files; a place carries its textures instead of its photograph.
    assert by_id[("settings", "settings")]["logo"].startswith("media/")
    place = by_id[("place", "rynek")]
    assert "image" not in place and len(place["textures"]["files"]) == 2


def test_events_out_of_name_order_keep_their_order(tmp_path: Path) -> None:
    build_release(SAMPLE, tmp_path / "release")
    items = unbuild((tmp_path / "release" / "content.json").read_bytes())
    export(tmp_path / "release", items, tmp_path / "tree")
    # The sample's events run 2026, 2027, then 2026 again: numbered files keep that order.
    names = sorted(p.name for p in (tmp_path / "tree" / "events").iterdir())
    assert names == ["001-2026.yaml", "002-2027.yaml", "003-2026.yaml"]
    services = sorted(p.name for p in (tmp_path / "tree" / "services").iterdir())
    assert "budownictwo.yaml" in services  # categories in name order keep plain names
    ids = [e.id for e in load_source(tmp_path / "tree").content.events]
    assert ids == [i.item_id for i in items if i.kind == "event"]


def test_a_kept_place_needs_its_files(tmp_path: Path) -> None:
    build_release(SAMPLE, tmp_path / "release")
    items = unbuild((tmp_path / "release" / "content.json").read_bytes())
    tree = export(tmp_path / "release", items, tmp_path / "tree")
    place = next(i for i in items if i.kind == "place")
    (tree / place.data["textures"]["files"][1]).unlink()

    with pytest.raises(ContentError) as caught:
        load_source(tree)
    [problem] = caught.value.problems
    assert problem.file == "panoramas/walk.yaml"
    assert problem.field == "nodes[0].textures.files[1]"
    assert "does not exist" in problem.message
