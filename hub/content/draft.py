"""The shared draft of the kiosks' content: what staff edit before they publish it.

The draft lives in the hub's database (`content_items`, one row per item: a card, an event,
the settings, a place of the walk ...), so every hub process and every editor sees the same
draft, and its media in the blob store (`content_media` maps the paths items name to blobs).
An item is kept as a source tree's YAML holds it (kiosk_core.content.items), so the draft
written out is a source tree that `kiosk content check/build` take, and publishing it builds
that tree the way an uploaded one is built (hub.content.sourcetree).

No silent overwrites: every item has a revision, and a save names the revision its editor
started from. Saving over a newer one is refused with `EditConflict`, which carries the other
person's item as it is now and leaves the refused data to the caller, so neither is lost.
Every save and delete is kept in `content_history` with who and when.

A hub upgraded from before the draft starts it from its latest release (`seed`): once, when
the draft has never held anything. The draft remembers the release it last took in
(`content_draft`). A release published by other means (an uploaded tree, `kiosk-hub publish`,
a rollback) is taken in by a draft without unpublished edits (`seed`, at the draft's next
use); a draft with edits is *behind* it, and publishing it, which would undo that release,
needs someone to say so (`publish_draft(undoing=...)`). What a release no longer knows of its
source (media file names, the walk's photographs) is described in
kiosk_core/content/unbuild.py.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, and_, delete, exists, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from hub.content import releases, translating
from hub.content.blobs import BlobStore
from hub.content.sourcetree import build_tree
from hub.context import Hub
from hub.db import content_draft, content_history, content_items, content_media, upsert
from hub.errors import Conflict, Invalid, NotFound
from hub.times import iso, parse
from kiosk_core.content.items import (
    BY_NAME,
    KINDS,
    SINGLETON_ID,
    WALK,
    Item,
    media_of,
    tree_documents,
    write_tree,
)
from kiosk_core.content.manifest import CONTENT_FILE
from kiosk_core.content.model import Identifier
from kiosk_core.content.unbuild import unbuild
from kiosk_core.validation import problem_lines, validate, validate_json

HUB_ALERT_PREFIX = "hub-"
"""The hub's own alerts in a release (hub.content.alerts.CONTENT_PREFIX): they live in the
alerts table and are merged into every release, so the draft never holds them."""


@dataclass(frozen=True)
class DraftItem:
    kind: str
    item_id: str
    position: int
    data: dict[str, Any]
    revision: int
    updated_by: str | None
    updated_at: datetime
    checked: dict[str, dict[str, str]] | None = None
    """Which Polish text each translation was written against (hub.content.translating)."""


@dataclass(frozen=True)
class HistoryEntry:
    kind: str
    item_id: str
    revision: int
    data: dict[str, Any] | None
    """The item as saved; None for a delete."""
    who: str | None
    at: datetime
    note: str | None


class EditConflict(Conflict):
    """A save or delete over a revision that is no longer the item's: someone else changed
    (or deleted, or created) it since. Nothing was written."""

    def __init__(
        self,
        kind: str,
        item_id: str,
        expected: int,
        current: DraftItem | None,
        refused: dict[str, Any] | None,
    ):
        super().__init__(
            f"{kind} {item_id!r} was changed by someone else since revision {expected}"
        )
        self.kind = kind
        self.item_id = item_id
        self.expected = expected
        self.current = current
        """The item as it is now, with its revision and who saved it (None: deleted)."""
        self.refused = refused
        """The data that was not saved, exactly as given (None for a refused delete)."""


def _item(row: Any) -> DraftItem:
    return DraftItem(
        row.kind,
        row.item_id,
        row.position,
        json.loads(row.data),
        row.revision,
        row.updated_by,
        parse(row.updated_at),
        json.loads(row.checked) if row.checked else None,
    )


def _check_kind(kind: str) -> None:
    if kind not in BY_NAME:
        raise NotFound(f"no kind of content {kind!r} (known: {', '.join(BY_NAME)})")


_LISTED: dict[tuple[str, str], tuple[tuple[Any, ...], list[DraftItem]]] = {}
"""The items of each kind as last read, by database and kind, with the draft's state they
were read at: an editor's list of 2,000 cards reads the table and parses 2,000 items once per
change of the draft, not on every page (bench/editor_bench.py)."""


def list_items(conn: Connection, kind: str) -> list[DraftItem]:
    """The items of a kind, in their order. Every save and delete counts a change of the
    draft and taking in a release moves its base (`content_draft`), so an unchanged state
    (with the kind's count and latest save, against a database replaced under the same
    name) means unchanged items."""
    _check_kind(kind)
    state_row = conn.execute(select(content_draft)).first()
    seen = conn.execute(
        select(func.count(), func.max(content_items.c.updated_at)).where(
            content_items.c.kind == kind
        )
    ).first()
    stamp = (*(state_row or ()), *(seen or ())) if state_row else ()
    key = (conn.engine.url.render_as_string(), kind)
    cached = _LISTED.get(key)
    if cached is not None and stamp and cached[0] == stamp:
        return list(cached[1])
    query = (
        select(content_items)
        .where(content_items.c.kind == kind)
        .order_by(content_items.c.position, content_items.c.item_id)
    )
    items = [_item(row) for row in conn.execute(query)]
    _LISTED[key] = (stamp, items)
    return list(items)


def get_item(conn: Connection, kind: str, item_id: str) -> DraftItem:
    _check_kind(kind)
    found = find_item(conn, kind, item_id)
    if found is None:
        raise NotFound(f"no {kind} {item_id!r} in the draft")
    return found


def find_item(conn: Connection, kind: str, item_id: str) -> DraftItem | None:
    """The item, or None when the draft has no such item."""
    key = and_(content_items.c.kind == kind, content_items.c.item_id == item_id)
    row = conn.execute(select(content_items).where(key)).first()
    return _item(row) if row is not None else None


def check_item(kind: str, item_id: str, data: dict[str, Any]) -> None:
    """Invalid (with every problem) unless `data` is a valid item of `kind` named `item_id`.
    Media paths and references between items are checked when the draft is built."""
    _check_kind(kind)
    spec = BY_NAME[kind]
    problems: list[str] = []
    if kind in SINGLETON_ID and item_id != SINGLETON_ID[kind]:
        problems.append(f"the {kind} item is called {SINGLETON_ID[kind]!r}")
    if spec.id_field and data.get(spec.id_field) != item_id:
        problems.append(f"{spec.id_field}: must be the item's id {item_id!r}")
    try:
        validate(Identifier, item_id)
    except ValidationError:
        problems.append(f"{item_id!r} is not an identifier (a-z, 0-9, - and _)")
    try:
        if spec is WALK:
            unknown = set(data) - {"start"}
            if unknown:
                problems.append(f"{', '.join(sorted(unknown))}: the walk has only 'start'")
            if data.get("start") is not None:
                validate(Identifier, data["start"])
        else:
            validate_json(spec.model, json.dumps(data))
    except ValidationError as exc:
        problems.extend(problem_lines(exc))
    if problems:
        raise Invalid(f"not a valid {kind}", problems)


def save(
    conn: Connection,
    kind: str,
    item_id: str,
    data: dict[str, Any],
    expected_revision: int,
    who: str | None,
    now: datetime,
    note: str | None = None,
    confirmed: Collection[tuple[str, str]] = (),
) -> DraftItem:
    """Save an item over `expected_revision` (0: a new item); returns it with its new
    revision. EditConflict, with the other person's item, when that is no longer its
    revision; Invalid when `data` is not a valid item. The caller's transaction commits it.
    Its translation marks follow (hub.content.translating): `confirmed` names the
    translations (text path, language) the editor ticked as still right."""
    check_item(kind, item_id, data)
    raw = json.dumps(data, ensure_ascii=False)
    key = and_(content_items.c.kind == kind, content_items.c.item_id == item_id)
    before = find_item(conn, kind, item_id) if expected_revision else None
    values: dict[str, Any] = {"data": raw, "updated_by": who, "updated_at": iso(now)}
    values["checked"] = _marks(kind, before, data, confirmed)
    if expected_revision == 0:
        if conn.scalar(select(exists().where(key))):
            raise EditConflict(kind, item_id, 0, find_item(conn, kind, item_id), data)
        last = conn.scalar(
            select(func.max(content_items.c.position)).where(content_items.c.kind == kind)
        )
        position = -1 if last is None else last
        try:
            with conn.begin_nested():  # a concurrent create (PostgreSQL) ends here
                conn.execute(
                    insert(content_items).values(
                        kind=kind, item_id=item_id, position=position + 1, revision=1, **values
                    )
                )
        except IntegrityError as exc:
            current = find_item(conn, kind, item_id)
            if current is None:
                raise
            raise EditConflict(kind, item_id, 0, current, data) from exc
        revision = 1
    else:
        # Compare and set in one statement: of two saves from one revision, one matches.
        done = conn.execute(
            update(content_items)
            .where(key, content_items.c.revision == expected_revision)
            .values(revision=expected_revision + 1, **values)
        )
        if done.rowcount != 1:
            current = find_item(conn, kind, item_id)
            raise EditConflict(kind, item_id, expected_revision, current, data)
        revision = expected_revision + 1
    _record(conn, kind, item_id, revision, raw, who, now, note)
    _touch(conn)
    return get_item(conn, kind, item_id)


def _marks(
    kind: str,
    before: DraftItem | None,
    data: dict[str, Any],
    confirmed: Collection[tuple[str, str]] = (),
) -> str:
    """The item's translation marks after this save, as stored (JSON)."""
    marks = translating.marks_after(
        BY_NAME[kind].model,
        before.data if before else None,
        before.checked if before else None,
        data,
        confirmed,
    )
    return json.dumps(marks, ensure_ascii=False, sort_keys=True)


def delete_item(
    conn: Connection,
    kind: str,
    item_id: str,
    expected_revision: int,
    who: str | None,
    now: datetime,
    note: str | None = None,
) -> None:
    """Delete an item as of `expected_revision`; EditConflict if it has changed since."""
    _check_kind(kind)
    key = and_(content_items.c.kind == kind, content_items.c.item_id == item_id)
    done = conn.execute(
        delete(content_items).where(key, content_items.c.revision == expected_revision)
    )
    if done.rowcount != 1:
        current = find_item(conn, kind, item_id)
        if current is None and not _ever(conn, kind, item_id):
            raise NotFound(f"no {kind} {item_id!r} in the draft")
        raise EditConflict(kind, item_id, expected_revision, current, None)
    _record(conn, kind, item_id, expected_revision + 1, None, who, now, note)
    _touch(conn)


def _ever(conn: Connection, kind: str, item_id: str) -> bool:
    key = and_(content_history.c.kind == kind, content_history.c.item_id == item_id)
    return bool(conn.scalar(select(exists().where(key))))


def _record(
    conn: Connection,
    kind: str,
    item_id: str,
    revision: int,
    raw: str | None,
    who: str | None,
    now: datetime,
    note: str | None,
) -> None:
    conn.execute(
        insert(content_history).values(
            kind=kind, item_id=item_id, revision=revision, data=raw, who=who, at=iso(now), note=note
        )
    )


def history(conn: Connection, kind: str, item_id: str) -> list[HistoryEntry]:
    """Every save and delete of an item, oldest first."""
    query = (
        select(content_history)
        .where(content_history.c.kind == kind, content_history.c.item_id == item_id)
        .order_by(content_history.c.id)
    )
    return [
        HistoryEntry(
            r.kind,
            r.item_id,
            r.revision,
            json.loads(r.data) if r.data is not None else None,
            r.who,
            parse(r.at),
            r.note,
        )
        for r in conn.execute(query)
    ]


# --- media ---------------------------------------------------------------------------------


def add_media(conn: Connection, path: str, sha256: str, size: int) -> None:
    """Name a stored blob by the path items refer to it with."""
    upsert(conn, content_media, [{"path": path, "sha256": sha256, "size": size}], ("path",))


def media(conn: Connection) -> dict[str, tuple[str, int]]:
    """Every media path of the draft: its blob's sha256 and size."""
    return {r.path: (r.sha256, r.size) for r in conn.execute(select(content_media))}


# --- starting from a release ------------------------------------------------------------


@dataclass(frozen=True)
class DraftState:
    base_version: int | None
    changes: int
    base_changes: int

    @property
    def edited(self) -> bool:
        """Saves or deletes since the draft last took in a release."""
        return self.changes != self.base_changes


def state(conn: Connection) -> DraftState | None:
    """Where the draft stands; None before it was ever used."""
    row = conn.execute(
        select(content_draft.c.base_version, content_draft.c.changes, content_draft.c.base_changes)
    ).first()
    return None if row is None else DraftState(*row)


def _touch(conn: Connection) -> None:
    """Count a save or delete (the row starts here when editors begin before any release)."""
    done = conn.execute(update(content_draft).values(changes=content_draft.c.changes + 1))
    if done.rowcount == 0:
        conn.execute(
            insert(content_draft).values(id=1, base_version=None, changes=1, base_changes=0)
        )


def behind(conn: Connection) -> int | None:
    """The version of a release published by other means since the draft took in its base,
    while the draft has edits of its own (publishing it would undo that release); else None."""
    now = state(conn)
    latest = releases.latest(conn)
    if now is None or latest is None or not now.edited:
        return None
    return latest.version if (now.base_version or 0) < latest.version else None


class DraftBehind(Conflict):
    """Publishing a draft with edits would undo a release published since by other means."""

    def __init__(self, version: int) -> None:
        super().__init__(
            f"release {version} was published after the draft took in the content; "
            "publishing the draft would undo it"
        )
        self.version = version


def seed(conn: Connection, blobs: BlobStore, now: datetime) -> int | None:
    """Fill a draft that never held anything from the latest release, or take a release
    published since by other means into a draft without edits; returns the release's version,
    or None when there was nothing to do. Each item taken in is recorded in the history as
    imported from that release; an item that changed gets a new revision, so an editor who
    started from the old one is refused rather than undoing it."""
    if conn.dialect.name == "postgresql":
        # Two hub processes starting the draft at once: one seeds, the other then sees it.
        conn.execute(text("LOCK TABLE content_draft IN SHARE ROW EXCLUSIVE MODE"))
    release = releases.latest(conn)
    before = state(conn)
    if release is None:
        return None
    if before is not None and (before.edited or (before.base_version or 0) >= release.version):
        return None
    document = blobs.read(release.content_sha256)
    items = [
        i
        for i in unbuild(document)
        if not (i.kind == "alert" and i.item_id.startswith(HUB_ALERT_PREFIX))
    ]
    note = f"imported from release {release.version}"
    old = {(i.kind, i.item_id): i for kind in KINDS for i in list_items(conn, kind.name)}
    positions: dict[str, int] = {}
    for item in items:
        position = positions[item.kind] = positions.get(item.kind, -1) + 1
        raw = json.dumps(item.data, ensure_ascii=False)
        previous = old.pop((item.kind, item.item_id), None)
        key = and_(content_items.c.kind == item.kind, content_items.c.item_id == item.item_id)
        if previous is None:
            conn.execute(
                insert(content_items).values(
                    kind=item.kind,
                    item_id=item.item_id,
                    position=position,
                    data=raw,
                    revision=1,
                    updated_by=None,
                    updated_at=iso(now),
                )
            )
            _record(conn, item.kind, item.item_id, 1, raw, None, now, note)
        elif previous.data != item.data:
            revision = previous.revision + 1
            conn.execute(
                update(content_items)
                .where(key)
                .values(
                    position=position,
                    data=raw,
                    revision=revision,
                    updated_by=None,
                    updated_at=iso(now),
                    # a Polish text the release changed flags the translations it kept
                    checked=_marks(item.kind, previous, item.data),
                )
            )
            _record(conn, item.kind, item.item_id, revision, raw, None, now, note)
        elif previous.position != position:
            conn.execute(update(content_items).where(key).values(position=position))
    for (kind, item_id), gone in old.items():
        key = and_(content_items.c.kind == kind, content_items.c.item_id == item_id)
        conn.execute(delete(content_items).where(key))
        _record(conn, kind, item_id, gone.revision + 1, None, None, now, note)
    rows = [
        {"path": f.path, "sha256": f.sha256, "size": f.size}
        for f in release.files
        if f.path != CONTENT_FILE
    ]
    upsert(conn, content_media, rows, ("path",))
    _take_in(conn, release.version, before.changes if before is not None else 0)
    return release.version


def _take_in(conn: Connection, version: int, changes: int) -> None:
    """The draft now holds release `version` and the first `changes` saves and deletes."""
    done = conn.execute(update(content_draft).values(base_version=version, base_changes=changes))
    if done.rowcount == 0:
        conn.execute(
            insert(content_draft).values(
                id=1, base_version=version, changes=changes, base_changes=changes
            )
        )


@contextmanager
def editing(hub: Hub) -> Iterator[Connection]:
    """A write transaction on the draft, started from the latest release first if the draft
    never held anything (a hub upgraded from before the draft keeps its content editable)."""
    with hub.transaction() as conn:
        seed(conn, hub.blobs, hub.now())
        yield conn


# --- out of the draft -----------------------------------------------------------------------


def all_items(conn: Connection) -> list[Item]:
    """Every item, kind by kind, each kind in its order."""
    order = {k.name: n for n, k in enumerate(KINDS)}
    query = select(content_items).order_by(content_items.c.position, content_items.c.item_id)
    rows = sorted(conn.execute(query), key=lambda r: order.get(r.kind, len(order)))
    return [Item(r.kind, r.item_id, json.loads(r.data)) for r in rows]


def export_tree(conn: Connection, blobs: BlobStore, root: Path) -> Path:
    """Write the draft as a source tree at `root` (a new or empty folder): its YAML files in
    the canonical layout and its media from the blob store. Returns `root`."""
    root.mkdir(parents=True, exist_ok=True)
    _copy_media(conn, blobs, root, write_tree(root, all_items(conn)))
    return root


def _copy_media(conn: Connection, blobs: BlobStore, root: Path, refs: list[str]) -> None:
    files = media(conn)
    missing = []
    for ref in refs:
        if ref not in files or not blobs.has(*files[ref]):
            missing.append(f"{ref}: not among the draft's media")
            continue
        target = root / ref
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(blobs.path(files[ref][0]), target)
    if missing:
        raise Invalid("the draft refers to media it does not have", missing)


def _documents(conn: Connection, blobs: BlobStore, root: Path) -> dict[str, Any]:
    """The draft as the source tree's documents in memory, its media copied to `root`:
    what publishing builds (kiosk_core.content.source.load_source)."""
    root.mkdir(parents=True, exist_ok=True)
    items = all_items(conn)
    _copy_media(conn, blobs, root, media_of(items))
    return tree_documents(items)


def export(hub: Hub, root: Path) -> Path:
    """The draft as a source tree at `root`, seeded first if it never was; the media are
    copied in a read transaction, which holds no lock other writers wait for."""
    with editing(hub):
        pass
    with hub.transaction(write=False) as conn:
        return export_tree(conn, hub.blobs, root)


MAX_NOTE = 200
"""Characters of a release's note: a line saying what changed, not a report."""


def has_content(conn: Connection) -> bool:
    """Whether the draft holds anything, or will once it is used (a release exists)."""
    return bool(
        conn.scalar(select(exists().select_from(content_items)))
        or releases.latest(conn) is not None
    )


def clean_note(note: str | None) -> str | None:
    """A release's note as one tidy line, None when empty; Invalid when too long."""
    tidy = " ".join((note or "").split())
    if len(tidy) > MAX_NOTE:
        raise Invalid(f"the note is longer than {MAX_NOTE} characters")
    return tidy or None


def publish_draft(
    hub: Hub,
    who: str | None,
    note: str | None = None,
    *,
    may_route: bool = False,
    undoing: int | None = None,
) -> releases.Release:
    """Publish the draft as the next release: written out as a source tree and built the way
    an uploaded tree is (every content problem named, nothing published on one). The slow
    part runs before the short write transaction, on the draft as one read saw it.
    DraftBehind when a release published since by other means would be undone, unless
    `undoing` names that release (someone said so)."""
    note = clean_note(note)
    with editing(hub):
        pass
    with tempfile.TemporaryDirectory(prefix="draft.", dir=hub.blobs.tmp_dir) as work:
        root = Path(work) / "src"
        with hub.transaction(write=False) as conn:
            seen = state(conn)
            documents = _documents(conn, hub.blobs, root)
        files = build_tree(root, hub.blobs, Path(work) / "release", documents=documents)
    with hub.transaction() as conn:
        newer = behind(conn)
        if newer is not None and newer != undoing:
            raise DraftBehind(newer)
        release = releases.publish(
            conn, hub.blobs, files, hub.now(), who, may_route=may_route, note=note
        )
        # The edits the published tree held are published; any saved since stay edits.
        _take_in(conn, release.version, seen.changes if seen is not None else 0)
        return release
