"""Benchmark: a daily CSV export over 100 kiosks × 365 days of hourly touch statistics.

Rows are generated straight into the hub's SQLite database (what a year of uploads leaves
behind): per kiosk and hour, touches on a few screens plus the sessions. The timed part is
what an administrator waits for: the GROUP BY in SQL (over the local-day
totals the hub keeps up to date on every upload; here computed once after generating) and
writing the CSV.

The statistics page's own queries (series per hour/day/month, totals per kiosk and per
screen, hub/statistics/statsview.py) are timed over the same data: a year by day at every
kiosk, 93 days by hour, a year by month for a group of 25 kiosks.

Target (hub brief): under 3 s. Run: PYTHONPATH=. .venv/bin/python bench/hub_export.py [--screens N]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hub.context import Hub, init_data
from hub.fleet.kiosks import Kiosk, add_kiosk
from hub.settings import Settings
from hub.statistics.export import to_csv
from hub.statistics.stats import HOUR_FORMAT, aggregate, local_hour, rebuild
from hub.statistics.statsview import Selection, overview

KIOSKS = 100
DAYS = 365
SCREENS = ("home", "services", "events", "report", "search", "walk")
YEAR = 2025


def generate(db_path: Path, kiosk_ids: list[str], screens: int, timezone: str) -> int:
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    hours = [(start + timedelta(hours=h)).strftime(HOUR_FORMAT) for h in range(DAYS * 24)]
    local = {h: local_hour(h, timezone) for h in hours}
    rng = random.Random(1)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA synchronous = OFF")
    received = "2026-01-01T00:00:00+00:00"
    total = 0
    for kiosk in kiosk_ids:
        rows = []
        for hour in hours:
            lh = local[hour]
            rows.append((kiosk, hour, "session", "", rng.randint(0, 30), 1, lh, received))
            for screen in SCREENS[:screens]:
                rows.append((kiosk, hour, "touch", screen, rng.randint(0, 200), 1, lh, received))
        conn.executemany(
            "INSERT INTO stats (kiosk_id, hour, metric, key, count, clock_synced, local_hour, "
            "received) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        total += len(rows)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=2, help="screens counted per hour")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        settings = Settings(Path(tmp))
        init_data(settings)
        hub = Hub.open(settings)
        ids = [f"kiosk-{i:03d}" for i in range(KIOSKS)]
        with hub.transaction() as conn:
            for i, kiosk_id in enumerate(ids):
                groups = [f"group-{i % 4}"]
                kiosk = Kiosk(kiosk_id, f"Kiosk nr {i} – Rynek", 50.3 + i / 1000, 16.88, groups)
                add_kiosk(conn, kiosk, hub.now(), settings.enrolment_ttl)
        t0 = time.perf_counter()
        rows = generate(Path(tmp) / "hub.db", ids, args.screens, settings.timezone)
        print(f"generated {rows:,} hourly rows in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        with hub.transaction() as conn:
            rebuild(conn)
        print(f"computed the local-day totals in {time.perf_counter() - t0:.1f} s (done once)")
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            with hub.transaction(write=False) as conn:
                result = aggregate(conn, date(YEAR, 1, 1), date(YEAR, 12, 31), "day")
            data = to_csv(result)
            times.append(time.perf_counter() - t0)
        print(
            f"daily CSV export, {KIOSKS} kiosks × {DAYS} days ({rows:,} hourly rows -> "
            f"{len(result):,} lines, {len(data) / 1e6:.1f} MB): best {min(times):.2f} s, "
            f"worst {max(times):.2f} s (target < 3 s)"
        )
        page_queries(hub)
        hub.close()


def page_queries(hub: Hub) -> None:
    """What the statistics page waits for: one `overview` per selection."""
    selections = {
        "a year by day, all kiosks": Selection(date(YEAR, 1, 1), date(YEAR, 12, 31), "day"),
        "93 days by hour, all kiosks": Selection(date(YEAR, 3, 1), date(YEAR, 6, 1), "hour"),
        "a year by month, group of 25": Selection(
            date(YEAR, 1, 1), date(YEAR, 12, 31), "month", group="group-1"
        ),
    }
    for name, sel in selections.items():
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            with hub.transaction(write=False) as conn:
                seen = overview(conn, sel, hub.settings.timezone)
            times.append(time.perf_counter() - t0)
        print(
            f"statistics page, {name} ({len(seen.series):,} points, {len(seen.kiosks)} "
            f"kiosks, total {seen.total:,}): best {min(times):.2f} s, worst {max(times):.2f} s "
            "(target < 3 s)"
        )


if __name__ == "__main__":
    main()
