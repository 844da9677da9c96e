"""Touch counters: cheap in memory, added up in SQLite, printed by `kiosk stats`."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.infra.store import open_store
from kiosk.visit.idle import IdleWatch, Phase
from kiosk.visit.touchstats import TouchCounter, summary
from tests.kivy_driver import FakeClock

T0 = datetime(2026, 11, 21, 13, 59, 50, tzinfo=UTC).timestamp()


def test_counts_are_kept_per_utc_hour_and_add_up_across_flushes(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    counter = TouchCounter(clock)
    db = open_store(tmp_path)
    counter.touch("home")
    counter.touch("home")
    clock.advance(20)  # into the next hour
    counter.touch("home")
    counter.view("service", "dowod")
    assert counter.flush(db) == 3
    assert counter.pending == {}
    counter.touch("home")
    counter.flush(db)
    rows = summary(db)["touches"]
    assert rows == [
        {"hour": "2026-11-21T13", "screen": "home", "count": 2},
        {"hour": "2026-11-21T14", "screen": "home", "count": 2},
    ]


def test_failed_searches_keep_only_folded_words(tmp_path: Path) -> None:
    counter = TouchCounter(FakeClock(T0))
    counter.search_miss("  Zaświadczenie!!! <script> ")
    counter.search_miss("zaswiadczenie script")
    counter.search_miss("???")
    db = open_store(tmp_path)
    counter.flush(db)
    assert summary(db)["failed_searches"] == [{"query": "zaswiadczenie script", "count": 2}]


def test_a_failed_flush_keeps_the_counts(tmp_path: Path) -> None:
    counter = TouchCounter(FakeClock(T0))
    counter.touch("home")
    db = open_store(tmp_path)
    db.execute("DROP TABLE counters")
    with pytest.raises(sqlite3.OperationalError):
        counter.flush(db)
    assert sum(counter.pending.values()) == 1


def test_stats_command(tmp_path: Path) -> None:
    counter = TouchCounter(FakeClock(T0))
    for _ in range(3):
        counter.touch("search")
    counter.session()
    counter.view("event", "jarmark")
    counter.flush(open_store(tmp_path))
    result = CliRunner().invoke(main, ["stats", "--data", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["touches_per_screen"] == {"search": 3}
    assert data["sessions"] == {"2026-11-21T13": 1}
    assert data["top_items"] == [{"item": "event:jarmark", "views": 1}]
    text = CliRunner().invoke(main, ["stats", "--data", str(tmp_path)]).output
    assert "search" in text and "event:jarmark" in text


def test_idle_phases() -> None:
    watch = IdleWatch(reset_after=90, countdown=10)
    assert watch.phase(0) is Phase.RESTING
    assert watch.touched(100) is True
    assert watch.touched(101) is False
    assert watch.phase(150) is Phase.ACTIVE
    assert watch.phase(191) is Phase.WARNING
    assert watch.remaining(191.5) == 10
    assert watch.remaining(200.2) == 1
    assert watch.phase(201) is Phase.EXPIRED
    watch.reset()
    assert watch.phase(500) is Phase.RESTING
    assert watch.touched(501) is True
