"""Benchmark: the preview's server time with 2,000 service cards and 2,000 events in the draft.

A synthetic source tree (kiosk_core.content.synthetic) is built and published into a fresh
hub, which seeds its draft from it. Timed: what each preview page reads and computes
(hub.content.preview: home, one card, one event, in German), median of repeated runs. The
home screen counts the cards of each category from their category and dates alone
(`filed_cards`); the baseline, measured in the same run, reads every card as a whole model,
as the card preview does for its one card.

Target (issue 17's editor pages): 100 ms median each. Run:
PYTHONPATH=. .venv/bin/python bench/preview_bench.py [--cards N] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hub.content import draft, preview, releases
from hub.content.preview import as_model
from hub.context import Hub, init_data
from hub.settings import Settings
from kiosk_core.content.build import build_release
from kiosk_core.content.manifest import FileEntry
from kiosk_core.content.model import ServiceCard, ServiceCategory
from kiosk_core.content.synthetic import write_source


def publish(hub: Hub, release_dir: Path) -> None:
    files = []
    for path in sorted(release_dir.rglob("*")):
        if path.is_file() and path.name != "manifest.json":
            data = path.read_bytes()
            rel = path.relative_to(release_dir).as_posix()
            files.append(FileEntry(path=rel, sha256=hub.blobs.put(data), size=len(data)))
    with hub.transaction() as conn:
        releases.publish(conn, hub.blobs, files, hub.now(), may_route=True)


def median_ms(hub: Hub, runs: int, work: Callable) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        with hub.transaction(write=False) as conn:
            work(conn)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        root = Path(tmp)
        settings = Settings(root / "hub")
        init_data(settings)
        hub = Hub.open(settings)
        src = write_source(root / "src", services=args.cards, events=args.cards)
        build_release(src, root / "release")
        publish(hub, root / "release")
        with draft.editing(hub) as conn:
            card_id = draft.list_items(conn, "service")[args.cards // 2].item_id
            event_id = draft.list_items(conn, "event")[args.cards // 2].item_id
        now = hub.now()

        def whole_cards(conn) -> None:
            cards = [as_model(ServiceCard, i.data) for i in draft.list_items(conn, "service")]
            categories = draft.list_items(conn, "service_category")
            preview.home_screen(
                preview.read_settings(conn),
                preview.read_alerts(conn, now),
                [as_model(ServiceCategory, i.data) for i in categories],
                [(c.category, c) for c in cards],
                False,
                "de",
                now,
            )

        timings = {
            "home (cards read as whole models: baseline)": lambda c: whole_cards(c),
            "home": lambda c: preview.home(c, "de", now),
            "one card": lambda c: preview.service(c, card_id, "de", now),
            "one event": lambda c: preview.event(c, event_id, "de", now),
        }
        print(f"{args.cards} cards, {args.cards} events; median of {args.runs} runs")
        for name, work in timings.items():
            print(f"  {name:46s} {median_ms(hub, args.runs, work):7.1f} ms")
        hub.close()


if __name__ == "__main__":
    main()
