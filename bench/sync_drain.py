"""Benchmark: how fast the sync agent drains a backlog of queued reports to a real hub.

The hub is `kiosk-hub serve` (one uvicorn worker, SQLite, access log off) in its own process
on 127.0.0.1; the kiosk is enrolled with the real `kiosk enroll`, its outbox filled with
REPORTS reports through `kiosk.outbox.save_report` (not timed), and then the real agent
(`Agent.run_once`, in this process, default HubClient) cycles back to back until the outbox is
empty. Timed end to end: every cycle's requests (reports, manifest, statistics, heartbeat) and
every database write on both sides, with fsync (synchronous=FULL on the kiosk). At the end the
hub's database must hold every report exactly once. Agent and hub share the machine's cores.

Back to back is the agent's capacity; a running agent sleeps `--interval` (60 s) between
cycles and delivers at most 50 reports a cycle, so in service a backlog drains at 50/min.

Target: >= 500 reports/s. Run: PYTHONPATH=. .venv/bin/python bench/sync_drain.py [--reports N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.hubtools

from kiosk.outbox import outbox_depth
from kiosk.sync.agent import Agent
from tests.conftest import write_tree
from tests.hubtools import HubProcess, enroll_kiosk, file_reports

TARGET = 500.0


def changes(n: int) -> list[dict]:
    return [
        {
            "service_code": "lampa" if i % 2 else "idea",
            "description": f"Zgłoszenie nr {i}: nie świeci latarnia przy ul. Polnej",
            "email": f"mieszkaniec{i}@example.org",
        }
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sync-drain-") as tmp:
        root = Path(tmp)
        with HubProcess(root) as hub:
            hub.publish(write_tree(root / "src"))  # report categories lampa and idea
            data = root / "kiosk"
            enroll_kiosk(hub.url, hub.add_kiosk("drain"), data)
            t0 = time.perf_counter()
            file_reports(data, changes(args.reports))
            filed = time.perf_counter() - t0

            start = time.perf_counter()
            agent = Agent(data)
            cycles = 0
            try:
                while outbox_depth(agent.db) > 0:
                    results = agent.run_once()
                    cycles += 1
                    failed = [str(r) for r in results if not r.ok]
                    if failed:
                        raise SystemExit(f"a step failed: {failed}")
            finally:
                agent.close()
            elapsed = time.perf_counter() - start

            ((stored, distinct),) = hub.query(
                "SELECT COUNT(*), COUNT(DISTINCT uuid) FROM reports WHERE kiosk_id = ?", "drain"
            )
            if stored != args.reports or distinct != stored:
                raise SystemExit(f"the hub holds {stored} reports ({distinct} distinct)")
    rate = args.reports / elapsed
    print(f"filed {args.reports} reports in {filed:.2f} s (not timed)")
    print(
        f"drained {args.reports} reports to a real hub over loopback in {elapsed:.2f} s, "
        f"{cycles} agent cycles: {rate:.0f} reports/s (target >= {TARGET:.0f}) "
        f"{'OK' if rate >= TARGET else 'BELOW TARGET'}"
    )


if __name__ == "__main__":
    main()
