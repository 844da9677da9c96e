"""Benchmark: what durable commits cost the hub. Reports (one a request, and in batches) and
heartbeats per second with SQLite's `synchronous=NORMAL` (the baseline: commits not yet on
disk when answered) and `synchronous=FULL` (what the hub runs: each commit syncs the WAL
before the answer), measured in the same run on the same disk.

Each mode gets its own `kiosk-hub serve` (one uvicorn worker, SQLite, access log off; the
baseline is the same command with hub.db.SQLITE_SYNCHRONOUS set to NORMAL first) on
127.0.0.1 with the test content published; KIOSKS kiosks each post back to back with its
own keep-alive connection for DURATION seconds a phase (after a short warm-up), the two
modes taking turns ROUNDS times, and the medians are compared. The hubs and the load
generator get one CPU each when there are two or more (see bench/hub_heartbeats.py).

Run: PYTHONPATH=. .venv/bin/python bench/hub_reports.py [--kiosks 20] [--duration 5]
     [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from hub_heartbeats import cpu_seconds, kiosk_tokens, p99

from hub.reports.intake import BATCH_MAX
from hub.settings import Settings
from tests.conftest import write_tree
from tests.hubtools import HUB_CLI, HubProcess, report_body

WARMUP = 1.0
BATCH = 20
"""Reports in one batch: what a kiosk back online after an afternoon might send."""
BASELINE_CLI = [
    sys.executable,
    "-c",
    "import sys, hub.db; hub.db.SQLITE_SYNCHRONOUS = 'NORMAL'; "
    "from hub.cli import main; sys.exit(main())",
]


def one_report() -> tuple[str, dict, dict, int]:
    body = report_body()
    return "/api/v1/reports", body, {"Idempotency-Key": body["uuid"]}, 1


def batch_of_reports() -> tuple[str, dict, dict, int]:
    reports = [report_body(uuid=str(uuid.uuid4())) for _ in range(BATCH)]
    return "/api/v1/reports/batch", {"reports": reports}, {}, BATCH


def heartbeat() -> tuple[str, dict, dict, int]:
    body = {"sent_at": datetime.now(UTC).isoformat(), "uptime": 60, "errors": []}
    return "/api/v1/heartbeat", body, {}, 1


async def load(
    url: str, tokens: list[str], duration: float, request: Callable
) -> tuple[int, list[float], int]:
    """Closed loop: each kiosk sends its next request when the last is answered. Returns
    the items stored (reports or heartbeats), request latencies and failed requests."""
    clients = [
        httpx.AsyncClient(timeout=10.0, headers={"Authorization": f"Bearer {t}"}) for t in tokens
    ]
    stored = 0
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    measure_from = start + WARMUP
    stop = measure_from + duration

    async def kiosk(client: httpx.AsyncClient) -> None:
        nonlocal stored, errors
        while (sent := time.perf_counter()) < stop:
            path, body, headers, items = request()
            try:
                answer = await client.post(url + path, json=body, headers=headers)
                ok = answer.status_code in (200, 201)
            except httpx.HTTPError:
                ok = False
            if sent >= measure_from:
                if ok:
                    stored += items
                    latencies.append(time.perf_counter() - sent)
                else:
                    errors += 1

    try:
        await asyncio.gather(*(kiosk(c) for c in clients))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return stored, latencies, errors


PHASES = (
    ("reports, one a request", one_report, "reports"),
    (f"reports, {BATCH} a batch", batch_of_reports, "reports"),
    ("heartbeats", heartbeat, "heartbeats"),
)


MODES = ("NORMAL", "FULL")


def start_hub(mode: str, root: Path, kiosks: int) -> tuple[HubProcess, list[str]]:
    """A hub in `mode` with the test content published and `kiosks` kiosk tokens."""
    # Far more reports a kiosk than the hourly limit lets through: the bench measures storing.
    config = "reports_per_kiosk_hour = 100000000\n"
    hub = HubProcess(root, config, cli=BASELINE_CLI if mode == "NORMAL" else HUB_CLI)
    hub.publish(write_tree(root / "src"))
    return hub, kiosk_tokens(Settings(hub.data), kiosks)


def measure(mode: str, hub: HubProcess, tokens: list[str], phase: tuple, duration: float) -> float:
    """Items per second of one phase on `hub`; prints a line."""
    label, request, unit = phase
    before = cpu_seconds(hub.proc.pid)
    stored, latencies, errors = asyncio.run(load(hub.url, tokens, duration, request))
    cpu = cpu_seconds(hub.proc.pid) - before
    if not latencies:
        print(f"  {mode:6} {label}: nothing stored ({errors} failed)")
        return 0.0
    print(
        f"  {mode:6} {label}: {stored / duration:,.0f} {unit}/s ({errors} failed), latency "
        f"p50 {1000 * statistics.median(latencies):.1f} ms, p99 {1000 * p99(latencies):.1f} ms, "
        f"hub CPU {1000 * cpu / stored:.2f} ms each"
    )
    return stored / duration


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=20)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per phase")
    parser.add_argument("--rounds", type=int, default=3, help="NORMAL and FULL take turns")
    parser.add_argument("--shared", action="store_true", help="hub and load share every CPU")
    args = parser.parse_args()
    assert BATCH <= BATCH_MAX
    print(
        f"{args.kiosks} kiosks, one uvicorn worker per hub, {args.duration:g} s a phase, "
        f"{args.rounds} rounds of NORMAL then FULL"
    )
    cpus = sorted(os.sched_getaffinity(0))
    rates: dict[tuple[str, str], list[float]] = {}
    hubs: dict[str, tuple[HubProcess, list[str]]] = {}
    # Here, not in /tmp: that may be a tmpfs, where a sync costs nothing.
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        try:
            for mode in MODES:
                hubs[mode] = start_hub(mode, Path(tmp) / mode, args.kiosks)
            if len(cpus) >= 2 and not args.shared:
                for hub, _tokens in hubs.values():
                    for task in Path(f"/proc/{hub.proc.pid}/task").iterdir():
                        os.sched_setaffinity(int(task.name), {cpus[0]})
                os.sched_setaffinity(0, {cpus[1]})
            # Turns, so that the machine's other work weighs on both modes alike.
            for phase in PHASES:
                for _round in range(args.rounds):
                    for mode in MODES:
                        hub, tokens = hubs[mode]
                        rate = measure(mode, hub, tokens, phase, args.duration)
                        rates.setdefault((phase[0], mode), []).append(rate)
        finally:
            os.sched_setaffinity(0, cpus)
            for hub, _tokens in hubs.values():
                hub.stop()
                log = hub.log_path.read_text()
                if "Traceback" in log:
                    print(log[-3000:], file=sys.stderr)
    for label, _request, unit in PHASES:
        normal = statistics.median(rates[(label, "NORMAL")])
        full = statistics.median(rates[(label, "FULL")])
        if normal and full:
            print(
                f"{label}: NORMAL {normal:,.0f} {unit}/s, FULL {full:,.0f} {unit}/s (medians): "
                f"FULL takes {full / normal:.0%} of NORMAL's rate"
            )


if __name__ == "__main__":
    main()
