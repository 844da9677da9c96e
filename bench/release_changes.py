"""Benchmark: what recording a release's changes costs the publish path, and what the "what
will change" page costs the hub (hub.content.releases.change_summary, hub.content.changes).

Content of 2,000 service cards and 2,000 events (kiosk_core.content.synthetic), published on
a hub of its own; then releases that each change one card, so that every summary compares two
different documents. The baseline, measured in the same run, is the rest of `publish` (its
checks of the release, the hub's alerts, where reports go, the insert): the publish time
less the summary's. The page: the draft with one card changed against the live release, the
first view after a publish (the live release unbuilt) and the views after it (kept).
Run: .venv/bin/python bench/release_changes.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from hub.content import changes, draft, releases
from hub.context import Hub, init_data
from hub.settings import Settings
from kiosk_core.content.build import build_release
from kiosk_core.content.items import write_tree
from kiosk_core.content.manifest import CONTENT_FILE, FileEntry
from kiosk_core.content.synthetic import write_source
from kiosk_core.content.unbuild import unbuild

ROUNDS = 6


def stored(hub: Hub, release_dir: Path) -> list[FileEntry]:
    files = []
    for path in sorted(release_dir.rglob("*")):
        if path.is_file() and path.name != "manifest.json":
            data = path.read_bytes()
            rel = path.relative_to(release_dir).as_posix()
            files.append(FileEntry(path=rel, sha256=hub.blobs.put(data), size=len(data)))
    return files


def one_card_changed(work: Path, release_dir: Path, n: int) -> Path:
    """The release with card svc-<n>'s fees changed, built again."""
    items = unbuild((release_dir / CONTENT_FILE).read_bytes())
    for i, item in enumerate(items):
        if item.item_id == f"svc-{n}":
            items[i] = type(item)(item.kind, item.item_id, {**item.data, "fees": {"pl": f"{n} zł"}})
    tree = work / f"tree-{n}"
    write_tree(tree, items)
    out = work / f"release-{n}"
    build_release(tree, out)
    return out


def median_ms(times: list[float]) -> float:
    return 1000 * statistics.median(times)


def publishes(hub: Hub, lists: list[list[FileEntry]], check: bool) -> float:
    """Median ms of publishing the two one-card variants in turn, one after the other as a
    hub does (the release compared with is the one this process published last)."""
    times = []
    for n in range(ROUNDS + 1):
        files = lists[1 + n % 2]
        with hub.transaction() as conn:
            started = time.perf_counter()
            release = releases.publish(conn, hub.blobs, files, hub.now(), may_route=True)
            times.append(time.perf_counter() - started)
        if check:  # each changes one card back and another one
            assert release.changes is not None
            changed = release.changes["kinds"]["service"]["changed"]
            assert changed == (1 if n == 0 else 2), release.changes
    return median_ms(times[1:])  # the first after a change of phase reads two documents


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        first = work / "release-0"
        build_release(write_source(work / "src"), first)
        variants = [one_card_changed(work, first, n) for n in (1, 2)]
        settings = Settings(work / "hub")
        init_data(settings)
        hub = Hub.open(settings)
        try:
            lists = [stored(hub, d) for d in (first, *variants)]
            with hub.transaction() as conn:
                releases.publish(conn, hub.blobs, lists[0], hub.now(), may_route=True)
            with_summary = publishes(hub, lists, check=True)
            real = releases.change_summary
            releases.change_summary = lambda *args: {}  # the baseline: none
            try:
                without = publishes(hub, lists, check=False)
            finally:
                releases.change_summary = real
            print(
                f"publish, 2,000 cards + 2,000 events, one card changed: median "
                f"{with_summary:.0f} ms; baseline (the same publish without the change "
                f"summary) {without:.0f} ms; the summary {with_summary - without:.0f} ms "
                f"({100 * (with_summary - without) / without:.0f} % more)"
            )

            with draft.editing(hub) as conn:
                card = draft.get_item(conn, "service", "svc-7")
                data = {**card.data, "fees": {"pl": "7 zł"}}
                draft.save(conn, "service", "svc-7", data, card.revision, "bench", hub.now())
            changes._unbuilt.cache_clear()
            started = time.perf_counter()
            review = changes.draft_review(hub)
            cold = time.perf_counter() - started
            warm = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                review = changes.draft_review(hub)
                warm.append(time.perf_counter() - started)
            assert [k.kind for k in review.changes.kinds] == ["service"]
            print(
                f"what will change (the draft, one card changed): first view {1000 * cold:.0f} ms, "
                f"then median {median_ms(warm):.0f} ms"
            )
        finally:
            hub.close()


if __name__ == "__main__":
    main()
