"""Telling systemd the app is alive (sd_notify), without libsystemd.

systemd hands a `Type=notify` service the socket to talk to in NOTIFY_SOCKET (a path, or
`@name` for the abstract namespace) and, with `WatchdogSec=`, the deadline in WATCHDOG_USEC.
The app sends READY=1 once its first screen is up and WATCHDOG=1 from its main loop: when the
loop hangs (a stuck GPU call, a deadlock), the pings stop and systemd restarts the kiosk.
Outside systemd (a developer's machine, the tests) every call does nothing.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping


class Notifier:
    """One service's channel to systemd; every send is a single datagram, never blocking."""

    def __init__(self, environ: Mapping[str, str] | None = None):
        env = os.environ if environ is None else environ
        self.address = _address(env.get("NOTIFY_SOCKET", ""))
        self.interval = _ping_interval(env)
        self._sock: socket.socket | None = None

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, *fields: str) -> bool:
        """Send `KEY=value` lines; False when there is no systemd or it did not take them."""
        if self.address is None:
            return False
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                self._sock.setblocking(False)
            self._sock.sendto("\n".join(fields).encode(), self.address)
        except OSError:
            return False  # systemd gone or busy: the next ping tries again
        return True

    def ready(self, status: str = "") -> bool:
        return self.send("READY=1", *([f"STATUS={status}"] if status else []))

    def ping(self) -> bool:
        return self.send("WATCHDOG=1")

    def status(self, text: str) -> bool:
        return self.send(f"STATUS={text}")

    def stopping(self) -> bool:
        return self.send("STOPPING=1")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def _address(value: str) -> str | bytes | None:
    if value.startswith("@"):
        return b"\0" + value[1:].encode()  # abstract namespace
    if value.startswith("/"):
        return value
    return None


def _ping_interval(env: Mapping[str, str]) -> float | None:
    """Seconds between pings: half the watchdog timeout, as sd_watchdog_enabled(3) advises."""
    usec = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):
        return None  # meant for another process (a parent that exec'd us keeps its own)
    return int(usec) / 1_000_000 / 2
