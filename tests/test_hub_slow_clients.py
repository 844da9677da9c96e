"""Slow clients cannot take the hub down (issue 15, item 5).

1,100 connections sending a byte every 10 s used up the 1,024 open files a systemd service
gets by default; the hub then answered none of 10 health checks in a minute and wrote 98 MB
of log. Here a real `kiosk-hub serve` gets only 256 open files and 400 slow clients, half
dribbling a request's head and half a request's body a byte every two seconds, each
connecting again two seconds after it is cut off, for 30 seconds. Meanwhile a health check
every second must be answered within a few seconds, and the hub's log must stay small.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from starlette.requests import ClientDisconnect

from hub.limits import BodyLimit
from hub.serving import RepeatLimit, guarded_protocol
from tests.hubtools import HubProcess, LiveServer

FILES = 256
SLOW_CLIENTS = 400
TICK = 2.0
"""Seconds between the bytes a slow client sends."""
DURATION = 30.0
ANSWER_WITHIN = 5.0


@dataclass
class Crowd:
    connected: int = 0
    cut: int = 0
    stop: bool = False


def opening(kind: str) -> bytes:
    if kind == "head":
        return b"GET /api/v1/health HTTP/1.1\r\nHost: hub\r\nX-Slow: "
    return (
        b"POST /api/v1/heartbeat HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100000\r\n\r\n{"
    )


async def slow_client(port: int, kind: str, crowd: Crowd) -> None:
    """Connect, send the opening, then a byte every TICK; when cut off, connect again
    after the same pause."""
    while not crowd.stop:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
        except (OSError, TimeoutError):
            await asyncio.sleep(TICK)
            continue
        crowd.connected += 1
        closed = asyncio.ensure_future(reader.read(4096))  # the hub's answer or its hang-up
        try:
            writer.write(opening(kind))
            while not crowd.stop and not closed.done():
                await asyncio.wait([closed], timeout=TICK)
                if not closed.done():
                    writer.write(b" ")
                    await writer.drain()
        except (OSError, ConnectionError):
            pass
        finally:
            if closed.done() or not crowd.stop:
                crowd.cut += 1
            closed.cancel()
            writer.close()
        await asyncio.sleep(TICK)


def crowd_of_slow_clients(port: int, crowd: Crowd) -> threading.Thread:
    async def everyone() -> None:
        kinds = ["head", "body"] * (SLOW_CLIENTS // 2)
        await asyncio.gather(*(slow_client(port, kind, crowd) for kind in kinds))

    thread = threading.Thread(target=lambda: asyncio.run(everyone()), daemon=True)
    thread.start()
    return thread


def test_the_hub_answers_while_hundreds_of_slow_clients_hang_on(tmp_path: Path) -> None:
    with HubProcess(tmp_path, prefix=["prlimit", f"--nofile={FILES}:{FILES}", "--"]) as hub:
        port = int(hub.url.rsplit(":", 1)[1])
        crowd = Crowd()
        thread = crowd_of_slow_clients(port, crowd)
        checks: list[float | str] = []
        began = time.monotonic()
        try:
            while time.monotonic() - began < DURATION:
                asked = time.monotonic()
                try:
                    answer = requests.get(f"{hub.url}/api/v1/health", timeout=ANSWER_WITHIN)
                    checks.append(time.monotonic() - asked if answer.ok else answer.status_code)
                except requests.RequestException as exc:
                    checks.append(type(exc).__name__)
                time.sleep(max(0.0, 1.0 - (time.monotonic() - asked)))
            connected_during = crowd.connected
        finally:
            crowd.stop = True
            thread.join(timeout=TICK + 10)
        answered = sorted(c for c in checks if isinstance(c, float))
        print(
            f"{connected_during} slow connections, {crowd.cut} cut off; {len(answered)} of "
            f"{len(checks)} health checks answered, slowest in {max(answered, default=0):.2f} s"
        )
        failed = [c for c in checks if not isinstance(c, float)]
        assert not failed, f"{len(failed)} of {len(checks)} health checks failed: {failed[:5]}"
        assert max(answered) < ANSWER_WITHIN
        assert connected_during > SLOW_CLIENTS  # they were all there, and came back when cut
        assert requests.get(f"{hub.url}/api/v1/health", timeout=ANSWER_WITHIN).ok
    log = hub.log_path.read_text()
    assert len(log) < 50_000, log[-3000:]
    assert "Traceback" not in log, log[-3000:]


# --- the two deadlines, each on its own, with short limits ---------------------------------


async def echo(scope, receive, send) -> None:
    """A plain ASGI app that reads the whole body, as routes do, and answers its length."""
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def dribble(port: int, first: bytes, then: bytes, every: float, at_most: float) -> tuple:
    """Send `first`, then `then` a byte at a time every `every` s; returns what the server
    answered and when it closed the connection (None: still open after `at_most`)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(every)
        began = time.monotonic()
        sock.sendall(first)
        answer = b""
        for byte in [then[i : i + 1] for i in range(len(then))] + [b""] * 1000:
            if time.monotonic() - began > at_most:
                return answer, None
            try:
                if byte:
                    sock.sendall(byte)
                chunk = sock.recv(4096)
            except TimeoutError:
                continue
            except ConnectionError:
                return answer, time.monotonic() - began
            if not chunk:
                return answer, time.monotonic() - began
            answer += chunk
        return answer, None


def test_a_request_head_must_arrive_within_its_deadline() -> None:
    protocol = guarded_protocol(cap=50, room=60, head_timeout=1.0)
    with LiveServer(echo, http=protocol) as live:
        head = b"GET / HTTP/1.1\r\nHost: hub\r\nX-Slow: " + b"a" * 40 + b"\r\n\r\n"
        answer, closed = dribble(live.port, b"", head, every=0.2, at_most=5)
        assert answer == b"" and closed is not None and 0.9 < closed < 2.0
        # A whole head in time is answered, and the next one on the connection has the
        # same deadline from the answer on.
        answer, closed = dribble(live.port, head, b"GET / HTTP", every=0.2, at_most=5)
        assert answer.startswith(b"HTTP/1.1 200") and closed is not None and closed < 2.5


def test_a_request_body_must_keep_coming() -> None:
    app = BodyLimit(echo, json_limit=1 << 20, blob_limit=1 << 30, grace=1.0, min_rate=10_000)
    with LiveServer(app) as live:
        head = b"POST / HTTP/1.1\r\nHost: hub\r\nContent-Length: 1000\r\n\r\n"
        answer, closed = dribble(live.port, head, b"x" * 1000, every=0.2, at_most=5)
        assert answer.startswith(b"HTTP/1.1 408 ") and b"too slowly" in answer
        assert closed is not None and closed < 2.5
        # 40 KB in 2 s is slow for a report, but keeps up the rate that earns more time.
        steady = b"POST / HTTP/1.1\r\nHost: hub\r\nContent-Length: 40000\r\n\r\n"
        with socket.create_connection(("127.0.0.1", live.port)) as sock:
            sock.sendall(steady)
            for _ in range(20):
                sock.sendall(b"y" * 2000)
                time.sleep(0.1)
            sock.settimeout(5)
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")


def test_a_repeated_log_line_is_written_a_few_times_a_minute_then_counted() -> None:
    now = [0.0]
    limit = RepeatLimit(burst=5, window=60.0, clock=lambda: now[0])
    written: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            written.append(record.getMessage())

    handler = Collect()
    handler.addFilter(limit)
    logger = logging.getLogger("test.repeats")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for fd in range(2000):  # one second of asyncio's accept error, before
            logger.error("socket.accept() out of system resource\nsocket: fd=%d", fd)
        logger.warning("another message")
        now[0] = 61.0
        logger.error("socket.accept() out of system resource\nsocket: fd=%d", 7)
    finally:
        logger.removeHandler(handler)
    assert len(written) == 7
    assert written[5] == "another message"
    assert written[6].endswith("[and 1995 more like this before]")
