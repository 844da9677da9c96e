"""The shared draft of the kiosks' content on the hub (hub.content.draft): in the database,
started from the published release, saved only over the revision an editor started from,
written out as a source tree that builds the published content.json again."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from hub.content import alerts, draft
from hub.content.alerts import AlertDraft
from hub.content.releases import latest, republish
from hub.context import Hub
from hub.db import content_history, content_items
from hub.errors import Invalid, NotFound
from kiosk_core.content.build import build_release
from tests.conftest import write_tree
from tests.hubtools import REPO, HubEnv

SAMPLE = REPO / "content"
CARD = ("service", "dowod-osobisty")


@pytest.fixture
def env(tmp_path: Path):
    env = HubEnv.create(tmp_path / "hub")
    yield env
    env.hub.close()


def publish(env: HubEnv, src: Path, tmp_path: Path) -> bytes:
    """Build and publish `src`; returns the release's content.json."""
    out = tmp_path / f"release-{src.name}"
    build_release(src, out)
    env.publish_release(out)
    with env.hub.transaction(write=False) as conn:
        release = latest(conn)
    assert release is not None
    return env.hub.blobs.read(release.content_sha256)


def built_again(hub: Hub, tmp_path: Path) -> bytes:
    """The draft exported as a source tree and built as `kiosk content build` builds it."""
    tree = draft.export(hub, tmp_path / "tree")
    build_release(tree, tmp_path / "again")
    return (tmp_path / "again" / "content.json").read_bytes()


@pytest.fixture
def seeded(env: HubEnv, tmp_path: Path) -> HubEnv:
    publish(env, SAMPLE, tmp_path)
    with draft.editing(env.hub):
        pass
    return env


@pytest.mark.parametrize("tree", ["sample", "small"])
def test_the_draft_starts_from_the_release_and_builds_it_again(
    env: HubEnv, tmp_path: Path, tree: str
) -> None:
    src = SAMPLE if tree == "sample" else write_tree(tmp_path / "small")
    published = publish(env, src, tmp_path)

    assert built_again(env.hub, tmp_path) == published
    with env.hub.transaction(write=False) as conn:
        settings = draft.get_item(conn, "settings", "settings")
        [entry] = draft.history(conn, "settings", "settings")
    assert settings.revision == 1 and settings.data["logo"].startswith("media/")
    assert entry.note == "imported from release 1" and entry.data == settings.data


def test_publishing_an_unchanged_draft_gives_the_published_content_again(
    env: HubEnv, tmp_path: Path
) -> None:
    """Publishing builds the draft from memory, without writing and parsing its YAML: the
    same content.json as `kiosk content build` of the downloaded tree, walk and media too."""
    published = publish(env, SAMPLE, tmp_path)
    release = draft.publish_draft(env.hub, "Anna", "bez zmian")
    assert env.hub.blobs.read(release.content_sha256) == published
    assert built_again(env.hub, tmp_path) == published


def test_a_hub_from_before_the_draft_keeps_its_content_editable(
    env: HubEnv, tmp_path: Path
) -> None:
    """A database at revision 0006 with a published release (as today's hub leaves it)
    upgrades, and its draft starts from that release, once."""
    published = publish(env, SAMPLE, tmp_path)
    settings = env.hub.settings
    with env.hub.engine.begin() as conn:  # the database as the hub before the draft made it
        for table in ("content_items", "content_history", "content_media", "content_draft"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("ALTER TABLE releases DROP COLUMN note"))
        conn.execute(text("ALTER TABLE releases DROP COLUMN summary"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0006'"))
    env.hub.close()

    hub = Hub.open(settings)
    try:
        assert built_again(hub, tmp_path) == published
        with hub.transaction() as conn:
            before = conn.scalar(select(func.count()).select_from(content_history))
            card = draft.get_item(conn, *CARD)
            draft.delete_item(conn, *CARD, card.revision, "Anna", hub.now())
        with draft.editing(hub) as conn:  # not imported again
            with pytest.raises(NotFound):
                draft.get_item(conn, *CARD)
            assert conn.scalar(select(func.count()).select_from(content_history)) == before + 1
    finally:
        hub.close()


def test_a_hub_without_a_release_has_an_empty_draft(env: HubEnv) -> None:
    with draft.editing(env.hub) as conn:
        assert draft.list_items(conn, "service") == []
        assert draft.seed(conn, env.hub.blobs, env.hub.now()) is None


def edit(item: draft.DraftItem, hours: str) -> dict:
    return {**item.data, "opening_hours": {"pl": hours}}


def test_two_saves_from_one_revision_the_second_is_refused_and_nothing_lost(
    seeded: HubEnv,
) -> None:
    """Two editors, each in a hub process of their own (an engine each), save the same
    card from the revision they both opened, at the same moment: one is saved, the other
    refused with the first one's card, and keeps what it typed."""
    settings = seeded.hub.settings
    hubs = [Hub.open(settings), Hub.open(settings)]
    with hubs[0].transaction(write=False) as conn:
        opened = draft.get_item(conn, *CARD)
    wanted = {"Anna": edit(opened, "pn 8-16"), "Piotr": edit(opened, "wt 9-17")}
    results: dict[str, object] = {}
    start = threading.Barrier(2)

    def save(hub: Hub, who: str) -> None:
        start.wait(timeout=10)
        try:
            with hub.transaction() as conn:
                results[who] = draft.save(conn, *CARD, wanted[who], opened.revision, who, hub.now())
        except draft.EditConflict as exc:
            results[who] = exc

    threads = [
        threading.Thread(target=save, args=(hub, who))
        for hub, who in zip(hubs, wanted, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for hub in hubs:
        hub.close()

    [saved] = [r for r in results.values() if isinstance(r, draft.DraftItem)]
    [refused] = [r for r in results.values() if isinstance(r, draft.EditConflict)]
    winner = saved.updated_by
    loser = next(who for who in wanted if who != winner)
    assert saved.revision == opened.revision + 1 and saved.data == wanted[winner]
    assert refused.current is not None and refused.current.data == wanted[winner]
    assert (refused.current.revision, refused.current.updated_by) == (saved.revision, winner)
    assert refused.refused == wanted[loser]  # handed back untouched
    with seeded.hub.transaction(write=False) as conn:
        assert draft.get_item(conn, *CARD).data == wanted[winner]
        entries = draft.history(conn, *CARD)
    assert [(e.revision, e.who) for e in entries] == [(1, None), (2, winner)]


def test_the_refused_editor_saves_again_over_the_revision_shown(seeded: HubEnv) -> None:
    hub = seeded.hub
    with hub.transaction() as conn:
        opened = draft.get_item(conn, *CARD)
        draft.save(conn, *CARD, edit(opened, "pn 8-16"), 1, "Anna", hub.now())
    with pytest.raises(draft.EditConflict) as caught, hub.transaction() as conn:
        draft.save(conn, *CARD, edit(opened, "wt 9-17"), 1, "Piotr", hub.now())
    assert caught.value.current is not None
    merged = {**caught.value.refused, "summary": caught.value.current.data["summary"]}
    with hub.transaction() as conn:
        again = draft.save(conn, *CARD, merged, caught.value.current.revision, "Piotr", hub.now())
    assert again.revision == 3 and again.data["opening_hours"] == {"pl": "wt 9-17"}


def test_new_items_and_deletes_are_revision_checked_too(seeded: HubEnv) -> None:
    hub = seeded.hub
    with hub.transaction() as conn:
        card = draft.get_item(conn, *CARD)
        new = {**card.data, "id": "nowa-karta"}
        made = draft.save(conn, "service", "nowa-karta", new, 0, "Anna", hub.now())
        last = draft.list_items(conn, "service")[-1]
    assert made.revision == 1 and last.item_id == "nowa-karta"
    with pytest.raises(draft.EditConflict) as twice, hub.transaction() as conn:
        draft.save(conn, "service", "nowa-karta", {**new, "summary": "x"}, 0, "Piotr", hub.now())
    assert twice.value.current is not None and twice.value.current.data == new

    with hub.transaction() as conn:
        draft.save(conn, *CARD, edit(card, "pn 8-16"), 1, "Anna", hub.now())
    with pytest.raises(draft.EditConflict) as stale, hub.transaction() as conn:
        draft.delete_item(conn, *CARD, 1, "Piotr", hub.now())
    assert stale.value.current is not None and stale.value.current.revision == 2
    with hub.transaction() as conn:
        draft.delete_item(conn, *CARD, 2, "Piotr", hub.now(), note="duplicate")
    with pytest.raises(draft.EditConflict) as gone, hub.transaction() as conn:
        draft.save(conn, *CARD, edit(card, "śr 10-18"), 2, "Anna", hub.now())
    assert gone.value.current is None
    with hub.transaction(write=False) as conn:
        entries = draft.history(conn, *CARD)
    assert [(e.revision, e.who, e.note) for e in entries][-1] == (3, "Piotr", "duplicate")
    assert entries[-1].data is None


@pytest.mark.parametrize(
    ("kind", "item_id", "change", "expected"),
    [
        ("service", "dowod-osobisty", {"category": None}, "category"),
        ("service", "dowod-osobisty", {"id": "inna"}, "must be the item's id"),
        ("service", "Zła Nazwa", {"id": "Zła Nazwa"}, "is not an identifier"),
        ("service", "dowod-osobisty", {"colour": "red"}, "colour"),
        ("settings", "other", {}, "the settings item is called 'settings'"),
    ],
)
def test_an_invalid_item_is_refused_and_nothing_stored(
    seeded: HubEnv, kind: str, item_id: str, change: dict, expected: str
) -> None:
    hub = seeded.hub
    with hub.transaction(write=False) as conn:
        data = {**draft.get_item(conn, kind, "settings" if kind == "settings" else CARD[1]).data}
        rows = conn.scalar(select(func.count()).select_from(content_items))
    data.update(change)
    with pytest.raises(Invalid) as caught, hub.transaction() as conn:
        draft.save(conn, kind, item_id, data, 1, "Anna", hub.now())
    assert any(expected in p for p in caught.value.problems), caught.value.problems
    with hub.transaction(write=False) as conn:
        assert conn.scalar(select(func.count()).select_from(content_items)) == rows
        assert draft.get_item(conn, *CARD).revision == 1


def test_publishing_the_draft_builds_and_publishes_the_edit(seeded: HubEnv) -> None:
    hub = seeded.hub
    with hub.transaction() as conn:
        card = draft.get_item(conn, *CARD)
        draft.save(conn, *CARD, edit(card, "pn–pt 7:30–15:30"), 1, "Anna", hub.now())
    release = draft.publish_draft(hub, "Anna", "godziny dowodów", may_route=False)
    assert (release.version, release.note, release.published_by) == (
        2,
        "godziny dowodów",
        "Anna",
    )
    content = json.loads(hub.blobs.read(release.content_sha256))
    [shown] = [s for s in content["services"] if s["id"] == CARD[1]]
    assert shown["opening_hours"] == {"pl": "pn–pt 7:30–15:30"}
    with hub.transaction(write=False) as conn:
        assert latest(conn).note == "godziny dowodów"


def test_the_hubs_own_alerts_stay_out_of_the_draft_and_ride_along_when_it_is_published(
    env: HubEnv, tmp_path: Path
) -> None:
    """A release carries the hub's alerts merged in; the draft holds only the content's own,
    and publishing the unchanged draft gives the very content.json of the live release."""
    publish(env, SAMPLE, tmp_path)
    hub = env.hub
    with hub.transaction() as conn:
        alert = AlertDraft(
            severity="warning",
            text={"pl": "Awaria wodociągu na ul. Lipowej."},
            valid_until=hub.now() + timedelta(days=2),
        )
        alerts.create(conn, alert, hub.now(), "Ewa")
        live = republish(conn, hub.blobs, hub.now(), "Ewa")
    assert live is not None
    with draft.editing(hub) as conn:
        ids = [i.item_id for i in draft.list_items(conn, "alert")]
    assert ids and not any(i.startswith("hub-") for i in ids)

    again = draft.publish_draft(hub, "Anna")
    assert again.version == live.version + 1
    assert again.content_sha256 == live.content_sha256


def changed_sample(tmp_path: Path, hours: str) -> Path:
    """The sample content with the ID card's opening hours changed, as a clerk's upload."""
    import shutil

    src = tmp_path / f"upload-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(SAMPLE, src)
    for path in (src / "services").glob("*.yaml"):
        text_ = path.read_text(encoding="utf-8")
        if "id: dowod-osobisty" in text_:
            marker = "id: dowod-osobisty\n"
            path.write_text(
                text_.replace(marker, f"{marker}  opening_hours: {{pl: '{hours}'}}\n", 1),
                encoding="utf-8",
            )
    return src


def test_a_draft_without_edits_takes_in_a_release_published_by_other_means(
    seeded: HubEnv, tmp_path: Path
) -> None:
    """An upload (or `kiosk-hub publish`, or a rollback) after the draft started: the draft
    has nothing of its own, so it takes the new release in; the changed card gets a new
    revision, so an editor with the old one open is refused instead of undoing the upload."""
    hub = seeded.hub
    with hub.transaction(write=False) as conn:
        opened = draft.get_item(conn, *CARD)
    uploaded = publish(seeded, changed_sample(tmp_path, "sb 9-13"), tmp_path)

    assert built_again(hub, tmp_path) == uploaded
    with hub.transaction(write=False) as conn:
        card = draft.get_item(conn, *CARD)
        assert draft.behind(conn) is None
        assert draft.history(conn, *CARD)[-1].note == "imported from release 2"
    assert card.revision == 2 and card.data["opening_hours"] == {"pl": "sb 9-13"}
    with pytest.raises(draft.EditConflict), hub.transaction() as conn:
        draft.save(conn, *CARD, edit(opened, "pn 8-16"), 1, "Anna", hub.now())
    release = draft.publish_draft(hub, "Anna", "bez zmian")
    assert hub.blobs.read(release.content_sha256) == uploaded


def test_a_draft_with_edits_does_not_silently_undo_a_release_published_since(
    seeded: HubEnv, tmp_path: Path
) -> None:
    hub = seeded.hub
    with hub.transaction() as conn:
        card = draft.get_item(conn, *CARD)
        draft.save(conn, *CARD, edit(card, "pn 8-16"), 1, "Anna", hub.now())
    uploaded = publish(seeded, changed_sample(tmp_path, "sb 9-13"), tmp_path)

    with hub.transaction(write=False) as conn:
        assert draft.behind(conn) == 2
        # Anna's edit is still there, and the upload did not overwrite it.
        assert draft.get_item(conn, *CARD).data["opening_hours"] == {"pl": "pn 8-16"}
    with pytest.raises(draft.DraftBehind) as caught:
        draft.publish_draft(hub, "Anna", "godziny")
    assert caught.value.version == 2 and caught.value.status == 409
    with hub.transaction(write=False) as conn:
        assert latest(conn).version == 2  # nothing published
        assert hub.blobs.read(latest(conn).content_sha256) == uploaded

    release = draft.publish_draft(hub, "Anna", "godziny", undoing=2)  # she says so
    content = json.loads(hub.blobs.read(release.content_sha256))
    [shown] = [s for s in content["services"] if s["id"] == CARD[1]]
    assert release.version == 3 and shown["opening_hours"] == {"pl": "pn 8-16"}
    with hub.transaction(write=False) as conn:
        assert draft.behind(conn) is None and not draft.state(conn).edited


def test_translations_are_flagged_whichever_way_the_polish_text_changed(
    seeded: HubEnv, tmp_path: Path
) -> None:
    """A save by any editor (the walk's pages too) and a release taken in from an upload both
    leave the translations written for the old Polish text to check."""
    import shutil

    from hub.content.translating import to_check
    from kiosk_core.content.model import PanoramaNode

    hub = seeded.hub
    with hub.transaction() as conn:
        place = draft.get_item(conn, "place", "rynek")
        text = {**place.data["description"], "pl": "Serce miasta."}
        draft.save(
            conn, "place", "rynek", {**place.data, "description": text}, 1, "Anna", hub.now()
        )
        saved = draft.get_item(conn, "place", "rynek")
    flagged = to_check(PanoramaNode, saved.data, saved.checked)
    assert sorted(flagged) == [("description", lang) for lang in ("cs", "de", "en", "uk")]
    draft.publish_draft(hub, "Anna", "opis rynku")

    src = tmp_path / "upload"
    shutil.copytree(SAMPLE, src)
    walk = src / "panoramas" / "walk.yaml"
    old = "      pl: Rynek\n      en: Market Square\n"
    assert old in walk.read_text(encoding="utf-8")
    walk.write_text(
        walk.read_text(encoding="utf-8").replace(
            old, "      pl: Rynek Główny\n      en: Main Square\n"
        ),
        encoding="utf-8",
    )
    publish(seeded, src, tmp_path)  # an upload: the draft, without edits, takes it in
    with draft.editing(hub) as conn:
        taken = draft.get_item(conn, "place", "rynek")
    assert taken.data["title"]["pl"] == "Rynek Główny"
    flagged = to_check(PanoramaNode, taken.data, taken.checked)
    # English was written anew beside it; German, Czech and Ukrainian were not.
    assert sorted(lang for path, lang in flagged if path == "title") == ["cs", "de", "uk"]
