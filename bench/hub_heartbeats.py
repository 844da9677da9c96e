"""Benchmark: heartbeats per second one hub worker takes, and their latency.

One `kiosk-hub serve` (one uvicorn worker, SQLite, access log off) in a subprocess on
127.0.0.1 (tests.hubtools.HubProcess); an asyncio load generator keeps CONNECTIONS kiosks,
each its own httpx.AsyncClient with one keep-alive connection (one shared client's pool is
slower than the hub), posting heartbeats back to back for DURATION seconds (after a short
warm-up), each request bounded by a timeout. Note that the load generator shares the
machine's cores with the server.

Targets (hub brief): >= 1,000 heartbeats/s, p99 < 50 ms.
Run: PYTHONPATH=. .venv/bin/python bench/hub_heartbeats.py [--connections 50] [--duration 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from hub.accounts.tokens import add_token
from hub.context import Hub
from hub.fleet.kiosks import Kiosk, add_kiosk
from hub.settings import Settings
from tests.hubtools import HubProcess

WARMUP = 1.0


def kiosk_tokens(settings: Settings, n: int) -> list[str]:
    hub = Hub.open(settings)
    tokens = []
    with hub.transaction() as conn:
        for i in range(n):
            kiosk = Kiosk(f"kiosk-{i:03d}", f"Kiosk {i}", 50.3, 16.88, [])
            add_kiosk(conn, kiosk, hub.now(), settings.enrolment_ttl)
            tokens.append(add_token(conn, "kiosk", hub.now(), kiosk_id=kiosk.id))
    hub.close()
    return tokens


async def load(
    url: str, tokens: list[str], duration: float, rate: float | None
) -> tuple[list[float], list[float], list[float], int]:
    """Closed loop (`rate` None): each kiosk sends its next heartbeat when the last is
    answered, which finds the most the hub takes. Open loop: the kiosks together send `rate`
    heartbeats a second on a fixed schedule, and latency counts from the scheduled moment,
    so a hub falling behind shows as latency, not as a politely slower client. Returns the
    latencies, how late the generator itself sent each heartbeat, and the failures."""
    latencies: list[float] = []
    lags: list[float] = []
    served: list[float] = []
    errors = 0
    # Clients first: making one costs milliseconds (an SSL context), which would otherwise
    # show up as latency of the first heartbeats.
    clients = [
        httpx.AsyncClient(timeout=5.0, headers={"Authorization": f"Bearer {t}"}) for t in tokens
    ]
    start = time.perf_counter()
    measure_from = start + WARMUP
    stop = measure_from + duration
    period = len(tokens) / rate if rate else 0.0

    async def kiosk(i: int, client: httpx.AsyncClient) -> None:
        nonlocal errors
        due = start + period * i / len(tokens)
        while True:
            if rate:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                sent = due
                due += period
            else:
                sent = time.perf_counter()
            if sent >= stop:
                return
            body = {
                "sent_at": datetime.now(UTC).isoformat(),
                "content_version": 7,
                "outbox_depth": 0,
                "uptime": 3600,
                "app_version": "0.1.0",
                "errors": [],
            }
            posted = time.perf_counter()
            lag = posted - sent
            try:
                response = await client.post(url, json=body)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if sent >= measure_from:
                if ok:
                    latencies.append(time.perf_counter() - sent)
                    if rate:
                        lags.append(lag)
                        served.append(time.perf_counter() - posted)
                else:
                    errors += 1

    try:
        await asyncio.gather(*(kiosk(i, c) for i, c in enumerate(clients)))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return latencies, lags, served, errors


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def p99(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(0.99 * len(values)))]


def report(
    label: str,
    latencies: list[float],
    lags: list[float],
    served: list[float],
    errors: int,
    duration: float,
    cpu: tuple[float, float],
) -> None:
    latencies.sort()
    n = len(latencies)
    if not n:
        print(f"{label}: no heartbeat succeeded ({errors} errors)")
        return
    print(
        f"{label}: {n / duration:,.0f} heartbeats/s ({n:,} ok, {errors} failed), latency "
        f"p50 {1000 * statistics.median(latencies):.1f} ms, "
        f"p99 {1000 * p99(latencies):.1f} ms; CPU per heartbeat: hub {1000 * cpu[0] / n:.2f} ms, "
        f"load generator {1000 * cpu[1] / n:.2f} ms"
    )
    if lags:
        print(
            f"  (the generator itself sent late by up to {1000 * p99(lags):.1f} ms at p99; "
            f"from the moment each was actually sent: p50 "
            f"{1000 * statistics.median(served):.1f} ms, p99 {1000 * p99(served):.1f} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--rate", type=float, default=1000.0, help="open-loop heartbeats/s")
    parser.add_argument(
        "--shared",
        action="store_true",
        help="let hub and load generator share every CPU (default: one CPU each, if there are 2+)",
    )
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    pinned = len(cpus) >= 2 and not args.shared
    where = (
        f"the hub on CPU {cpus[0]}, the load generator on CPU {cpus[1]}"
        if pinned
        else f"{len(cpus)} CPUs shared with the load generator"
    )
    print(
        f"{args.connections} kiosks, one uvicorn worker, {where}; "
        f"targets >= 1,000 heartbeats/s, p99 < 50 ms"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        hub = HubProcess(root)
        server = hub.proc
        try:
            tokens = kiosk_tokens(Settings(hub.data), args.connections)
            if pinned:
                # One worker is one process: give it a core of its own, so the measurement is
                # the hub's, not the two processes' fight over the same cores.
                for task in Path(f"/proc/{server.pid}/task").iterdir():
                    os.sched_setaffinity(int(task.name), {cpus[0]})
                os.sched_setaffinity(0, {cpus[1]})
            url = f"{hub.url}/api/v1/heartbeat"
            for label, rate in (
                ("as fast as answered", None),
                (f"at {args.rate:,.0f}/s", args.rate),
            ):
                before = cpu_seconds(server.pid), time.process_time()
                latencies, lags, served, errors = asyncio.run(
                    load(url, tokens, args.duration, rate)
                )
                cpu = (
                    cpu_seconds(server.pid) - before[0],
                    time.process_time() - before[1],
                )
                report(label, latencies, lags, served, errors, args.duration, cpu)
        finally:
            hub.stop()
            log = (root / "hub.log").read_text()
            if "Traceback" in log:
                print(log[-3000:], file=sys.stderr)


if __name__ == "__main__":
    main()
