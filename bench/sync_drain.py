"""Benchmark: how fast the sync agent drains a backlog of queued reports to a real hub.

The hub is `kiosk-hub serve` (one uvicorn worker, SQLite, access log off) in its own process
on 127.0.0.1; the kiosk is enrolled with the real `kiosk enroll`, its outbox filled with
REPORTS reports through `kiosk.visit.outbox.save_report` (not timed), and then the real agent
(`Agent.run_once`, in this process, default HubClient) cycles back to back until the outbox is
empty. Timed end to end: every cycle's requests (reports, manifest, statistics, heartbeat) and
every database write on both sides. At the end the hub's database must hold every report
exactly once. Agent and hub share the machine's cores.

Two paths, each on a fresh hub and kiosk, measured in the same run:

- batched: the agent as it is (the first report of a cycle alone, the rest in
  POST /reports/batch, up to ROUND_LIMIT reports a cycle);
- one by one: the agent as it was before batches (and as it still talks to a hub without
  them): one POST /reports per report, 4 in flight, 50 reports a cycle.

Besides reports/s it prints the CPU time each side spent per report (the agent's process and
the hub's), which says where the time goes. The machine is shared: run it more than once.
Back to back is the agent's capacity; a running agent sleeps `--interval` (60 s) between
cycles, so in service a backlog drains at ROUND_LIMIT reports a minute.

Target: >= 500 reports/s. Run: PYTHONPATH=. .venv/bin/python bench/sync_drain.py
[--reports N] [--path batched|one-by-one|both]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.hubtools

from kiosk.sync.agent import Agent
from kiosk.sync.reports import deliver_reports
from kiosk.visit.outbox import outbox_depth
from tests.conftest import write_tree
from tests.hubtools import HubProcess, enroll_kiosk, file_reports

TARGET = 500.0
OLD_ROUND_LIMIT = 50
"""Reports a cycle before batches."""


class OneByOneAgent(Agent):
    """The agent with the report step it had before batches."""

    def steps(self):
        def one_by_one():
            return deliver_reports(
                self.client, self.db, self.now(), OLD_ROUND_LIMIT, self.rng, batch_size=1
            )

        return [("reports", one_by_one), *(s for s in super().steps() if s[0] != "reports")]


@dataclass
class Run:
    path: str
    reports: int
    seconds: float
    cycles: int
    agent_cpu: float
    hub_cpu: float

    @property
    def rate(self) -> float:
        return self.reports / self.seconds

    def __str__(self) -> str:
        ms = 1000 / self.reports
        return (
            f"{self.path:>10}: {self.reports} reports in {self.seconds:.2f} s, "
            f"{self.cycles} agent cycles: {self.rate:.0f} reports/s; CPU per report: "
            f"agent {self.agent_cpu * ms:.3f} ms, hub {self.hub_cpu * ms:.3f} ms"
        )


def changes(n: int) -> list[dict]:
    return [
        {
            "service_code": "lampa" if i % 2 else "idea",
            "description": f"Zgłoszenie nr {i}: nie świeci latarnia przy ul. Polnej",
            "email": f"mieszkaniec{i}@example.org",
        }
        for i in range(n)
    ]


def process_cpu(pid: int) -> float:
    """Seconds of CPU (user + system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drain(root: Path, reports: int, path: str) -> Run:
    # The agent's capacity, not the hub's limit of new reports per kiosk and hour.
    with HubProcess(root, "reports_per_kiosk_hour = 1000000\n") as hub:
        hub.publish(write_tree(root / "src"))  # report categories lampa and idea
        data = root / "kiosk"
        enroll_kiosk(hub.url, hub.add_kiosk("drain"), data)
        file_reports(data, changes(reports))

        agent = (OneByOneAgent if path == "one-by-one" else Agent)(data)
        cycles = 0
        hub_cpu, agent_cpu = process_cpu(hub.proc.pid), time.process_time()
        start = time.perf_counter()
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
        agent_cpu = time.process_time() - agent_cpu
        hub_cpu = process_cpu(hub.proc.pid) - hub_cpu

        ((stored, distinct),) = hub.query(
            "SELECT COUNT(*), COUNT(DISTINCT uuid) FROM reports WHERE kiosk_id = ?", "drain"
        )
        if stored != reports or distinct != stored:
            raise SystemExit(f"{path}: the hub holds {stored} reports ({distinct} distinct)")
    return Run(path, reports, elapsed, cycles, agent_cpu, hub_cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--path", choices=["batched", "one-by-one", "both"], default="both")
    args = parser.parse_args()
    paths = ["batched", "one-by-one"] if args.path == "both" else [args.path]
    runs = []
    for path in paths:
        with tempfile.TemporaryDirectory(prefix="sync-drain-") as tmp:
            runs.append(drain(Path(tmp), args.reports, path))
        print(runs[-1], flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (a shared machine)")
    rates = {run.path: run.rate for run in runs}
    if len(rates) == 2:
        print(f"batched / one by one: {rates['batched'] / rates['one-by-one']:.1f}x")
    for path, rate in rates.items():
        verdict = "OK" if rate >= TARGET else "BELOW TARGET"
        print(f"{path}: {rate:.0f} reports/s (target >= {TARGET:.0f}) {verdict}")


if __name__ == "__main__":
    main()
