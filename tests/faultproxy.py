"""A fault-injecting HTTP/1.1 proxy on 127.0.0.1, between a kiosk and a hub, for tests and
benchmarks.

It speaks just enough HTTP to see where a request and an answer end (requests with a
Content-Length or none, as the kiosk sends them) and works on the raw TCP connections, so it
can do what a poor mobile link does:

- `reset_before`: read the request, then reset the connection (RST); the hub never sees it;
- `reset_after`: forward the request, read the hub's whole answer, then reset: the hub has
  acted, the kiosk does not know;
- `error_500`: answer 500 itself, without asking the hub;
- `stall`: forward the request, then hold the connection silent for `stall` seconds (longer
  than the kiosk's read timeout) and close it;
- `truncate`: forward, then send the hub's status line and headers (its Content-Length
  included) but only part of the body, and close;
- `drip`: forward, then send the hub's head at once and its body `drip_size` bytes every
  `drip_pause` seconds (a hub or CDN that drips: each read gets something, so no read timeout
  ever fires);
- `too_many`: answer 429 itself with `Retry-After: <retry_after>`, without asking the hub
  (a hub's limit of reports per hour, until that hub's own limit is what the tests use).

Each request draws its fault (or none) from a seeded generator, with the probabilities given
in `faults`; `faults` may be changed at any time (an empty mapping forwards everything), and
so may `fault_paths`: when set, only requests whose path starts with one of them draw a fault. It
counts the bytes it sends the kiosk, so with no faults it is also a byte counter. Bounded in
time: every socket has a timeout, a stall ends when the proxy stops, and the proxy stops by
itself `lifetime` seconds after it started.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

FAULTS = ("reset_before", "reset_after", "error_500", "stall", "truncate", "drip", "too_many")
MAX_HEAD = 64 * 1024
IDLE_TIMEOUT = 10.0
"""Seconds a kiosk's keep-alive connection may sit idle before the proxy closes it."""
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "upgrade"})
ERROR_500 = b'{"detail": "proxy: injected fault"}'


class ProxyError(Exception):
    """A request or answer the proxy cannot frame (it closes the connection)."""


@dataclass
class Exchange:
    """One request through the proxy, as the log keeps it."""

    method: str
    path: str
    fault: str | None
    status: int | None
    """The hub's status, None when the request never reached the hub."""
    sent: int = 0
    """Bytes sent to the kiosk for this request (status line, headers and body)."""
    at: float = 0.0
    """When the request arrived (time.monotonic())."""
    range: str | None = None
    """The request's Range header."""


@dataclass
class Message:
    """A parsed HTTP head and its body."""

    start: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)

    def encode(self, extra: list[tuple[str, str]] | None = None) -> bytes:
        lines = [self.start, *(f"{k}: {v}" for k, v in [*self.headers, *(extra or [])])]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _parse_head(raw: bytes) -> tuple[str, list[tuple[str, str]]]:
    start, *lines = raw.decode("latin-1").split("\r\n")
    headers = []
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep:
            raise ProxyError(f"malformed header line {line!r}")
        headers.append((name.strip(), value.strip()))
    return start, headers


class _Reader:
    """Buffered reads of HTTP messages from one socket."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = b""

    def head(self) -> bytes | None:
        """The next head without its blank line; None at a clean end of the stream."""
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > MAX_HEAD:
                raise ProxyError("head too large")
            data = self.sock.recv(65536)
            if not data:
                if self.buffer:
                    raise ProxyError("connection closed in the middle of a head")
                return None
            self.buffer += data
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        return head

    def exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            data = self.sock.recv(max(65536, size - len(self.buffer)))
            if not data:
                raise ProxyError("connection closed in the middle of a body")
            self.buffer += data
        body, self.buffer = self.buffer[:size], self.buffer[size:]
        return body

    def rest(self) -> bytes:
        chunks = [self.buffer]
        while data := self.sock.recv(1 << 20):
            chunks.append(data)
        self.buffer = b""
        return b"".join(chunks)


def _reset(sock: socket.socket) -> None:
    """Close with RST instead of FIN: the kiosk sees 'connection reset by peer'."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class FaultProxy:
    """Forwards http://127.0.0.1:<port> to `upstream` (a hub URL), injecting faults."""

    def __init__(
        self,
        upstream: str,
        faults: Mapping[str, float] | None = None,
        seed: int = 0,
        stall: float = 2.0,
        lifetime: float = 300.0,
        upstream_timeout: float = 30.0,
        drip_size: int = 1,
        drip_pause: float = 0.5,
        retry_after: str = "60",
        fault_paths: tuple[str, ...] | None = None,
    ):
        host, _, port = upstream.removeprefix("http://").rstrip("/").partition(":")
        self.upstream = (host, int(port or 80))
        unknown = set(faults or {}) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults: {sorted(unknown)}")
        self.faults: Mapping[str, float] = dict(faults or {})
        self.stall = stall
        self.upstream_timeout = upstream_timeout
        self.drip_size = drip_size
        self.drip_pause = drip_pause
        self.retry_after = retry_after
        self.fault_paths = fault_paths
        self.log: list[Exchange] = []
        self.counts: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._end = time.monotonic() + lifetime
        self._clients: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    # --- life ----------------------------------------------------------------------------------

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop accepting, end every connection (stalled ones too); safe to call twice."""
        self._stopped.set()
        with self._lock:
            clients = list(self._clients)
        for sock in clients:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    @property
    def running(self) -> bool:
        """Whether it still accepts connections."""
        return self._thread.is_alive()

    @property
    def bytes_sent(self) -> int:
        """Bytes sent to the kiosk so far (HTTP heads and bodies)."""
        return sum(e.sent for e in self.log)

    def reset_counters(self) -> None:
        self.log.clear()
        self.counts.clear()

    def _accept_loop(self) -> None:
        try:
            while not self._stopped.is_set():
                if time.monotonic() > self._end:
                    self._stopped.set()
                    break
                try:
                    sock, _addr = self._listener.accept()
                except TimeoutError:
                    continue
                with self._lock:
                    self._clients.add(sock)
                threading.Thread(target=self._serve, args=(sock,), daemon=True).start()
        finally:
            self._listener.close()
            if time.monotonic() > self._end:
                self.stop()

    # --- one kiosk connection ------------------------------------------------------------------

    def _draw(self) -> str | None:
        with self._lock:
            roll = self._rng.random()
        for name in FAULTS:
            roll -= self.faults.get(name, 0.0)
            if roll < 0:
                return name
        return None

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(IDLE_TIMEOUT)
        reader = _Reader(sock)
        try:
            while not self._stopped.is_set():
                raw = reader.head()
                if raw is None:
                    break
                start, headers = _parse_head(raw)
                request = Message(start, headers, b"")
                if request.header("transfer-encoding"):
                    raise ProxyError("chunked request bodies are not supported")
                request.body = reader.exactly(int(request.header("content-length") or 0))
                if not self._exchange(sock, request):
                    break
        except (OSError, ProxyError, ValueError):
            pass
        finally:
            with self._lock:
                self._clients.discard(sock)
            sock.close()

    def _exchange(self, sock: socket.socket, request: Message) -> bool:
        """Handle one request; False when the connection is finished."""
        method, path, _version = request.start.split(" ", 2)
        paths = self.fault_paths
        fault = self._draw() if paths is None or path.startswith(paths) else None
        entry = Exchange(method, path, fault, None, at=time.monotonic())
        entry.range = request.header("range")
        self.log.append(entry)
        if fault:
            self.counts[fault] += 1
        if fault == "reset_before":
            _reset(sock)
            return False
        if fault == "error_500":
            answer = Message(
                "HTTP/1.1 500 Internal Server Error",
                [("Content-Type", "application/json"), ("Content-Length", str(len(ERROR_500)))],
                ERROR_500,
            )
            self._send(sock, entry, answer.encode() + answer.body)
            return True
        if fault == "too_many":
            body = b'{"detail": "proxy: too many reports"}'
            answer = Message(
                "HTTP/1.1 429 Too Many Requests",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(body))),
                    ("Retry-After", self.retry_after),
                ],
                body,
            )
            entry.status = 429
            self._send(sock, entry, answer.encode() + answer.body)
            return True
        answer = self._forward(request, method)
        entry.status = int(answer.start.split(" ", 2)[1])
        if fault == "reset_after":
            _reset(sock)
            return False
        if fault == "stall":
            self._stopped.wait(self.stall)
            return False
        head = answer.encode()
        if fault == "drip":
            self._send(sock, entry, head)
            for start in range(0, len(answer.body), max(1, self.drip_size)):
                if self._stopped.wait(self.drip_pause):
                    return False
                self._send(sock, entry, answer.body[start : start + max(1, self.drip_size)])
            return True
        if fault == "truncate":
            if answer.body:
                cut = self._cut(len(answer.body))
                self._send(sock, entry, head + answer.body[:cut])
            else:
                self._send(sock, entry, head[: len(head) // 2])
            return False
        self._send(sock, entry, head + answer.body)
        return (request.header("connection") or "").lower() != "close"

    def _cut(self, size: int) -> int:
        with self._lock:
            return self._rng.randrange(size)

    def _send(self, sock: socket.socket, entry: Exchange, data: bytes) -> None:
        sock.sendall(data)
        entry.sent += len(data)

    def _forward(self, request: Message, method: str) -> Message:
        """Send the request to the hub on a fresh connection and read the whole answer."""
        headers = [(k, v) for k, v in request.headers if k.lower() not in HOP_BY_HOP]
        outgoing = Message(request.start, headers, request.body)
        with socket.create_connection(self.upstream, timeout=self.upstream_timeout) as up:
            up.sendall(outgoing.encode([("Connection", "close")]) + request.body)
            reader = _Reader(up)
            raw = reader.head()
            if raw is None:
                raise ProxyError("the hub closed the connection without answering")
            start, answer_headers = _parse_head(raw)
            body = reader.rest()
        answer = Message(
            start, [(k, v) for k, v in answer_headers if k.lower() not in HOP_BY_HOP], body
        )
        status = int(start.split(" ", 2)[1])
        framed = answer.header("content-length") or answer.header("transfer-encoding")
        if not framed and method != "HEAD" and status not in (204, 304) and status >= 200:
            answer.headers.append(("Content-Length", str(len(body))))
        return answer
