"""Benchmark: loading a release with 2,000 cards and 2,000 events, and search keystrokes.

Targets (issue 2): load at most 150 ms; a search keystroke over 2,000 cards at most 5 ms
(median). Run: .venv/bin/python bench/content_load.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from figures import p95

from kiosk.content.release import Catalog, load_release
from kiosk_core.content.build import build_release
from kiosk_core.content.synthetic import write_source

QUERIES = ["zaświadczenie o zameldowaniu", "dowod osobisty", "Personalausweis", "podatek"]


def ms(seconds: float) -> str:
    return f"{1000 * seconds:.2f} ms"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = write_source(Path(tmp) / "src", services=2000, events=2000)
        t0 = time.perf_counter()
        build_release(src, Path(tmp) / "release")
        print(
            f"content build (validate 4,000 items, write release): {ms(time.perf_counter() - t0)}"
        )
        loads, indexing = [], []
        for _ in range(15):
            t0 = time.perf_counter()
            catalog = Catalog(load_release(Path(tmp) / "release"))
            t1 = time.perf_counter()
            catalog.search_index("pl")
            loads.append(t1 - t0)
            indexing.append(time.perf_counter() - t1)
        both = [a + b for a, b in zip(loads, indexing, strict=True)]
        print(
            f"load release, 2,000 cards + 2,000 events: median {ms(statistics.median(loads))}, "
            f"max {ms(max(loads))}"
        )
        print(f"  + search index for one language: median {ms(statistics.median(indexing))}")
        print(f"  = load and index: median {ms(statistics.median(both))} (target <= 150 ms)")
        now = datetime.now(UTC)
        keystrokes = []
        for lang in ("pl", "de"):
            catalog.search_index(lang)
            for query in QUERIES:
                for n in range(1, len(query) + 1):
                    t0 = time.perf_counter()
                    catalog.search(query[:n], lang, now)
                    keystrokes.append(time.perf_counter() - t0)
        print(
            f"search keystroke over 2,000 cards: median {ms(statistics.median(keystrokes))}, "
            f"p95 {ms(p95(keystrokes))}, n={len(keystrokes)} (target median <= 5 ms)"
        )


if __name__ == "__main__":
    main()
