"""Benchmark: saving a report durably (one transaction, synchronous=FULL, fsync included).

Target (issue 4): at most 50 ms. Run: .venv/bin/python bench/report_save.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from figures import p95

from kiosk.infra.store import open_store
from kiosk.visit.outbox import save_report
from kiosk_core.reports import ReportDraft


def main(n: int = 300) -> None:
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        db = open_store(Path(tmp))
        times = []
        for i in range(n):
            draft = ReportDraft(
                service_code="lampa",
                description=f"Nie świeci latarnia nr {i}",
                lat=50.3,
                long=16.88,
                consent=True,
                email="jan@example.pl",
            )
            t0 = time.perf_counter()
            save_report(db, draft, "rynek", "pl", datetime.now(UTC))
            times.append(time.perf_counter() - t0)
        times.sort()
        print(
            f"save a report (validate, one transaction, WAL + synchronous=FULL), n={n}: "
            f"median {1000 * statistics.median(times):.2f} ms, "
            f"p95 {1000 * p95(times):.2f} ms, max {1000 * times[-1]:.2f} ms "
            "(target <= 50 ms)"
        )


if __name__ == "__main__":
    main()
