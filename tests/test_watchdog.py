"""sd_notify against a fake systemd: a real AF_UNIX datagram socket, as systemd listens."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.appliance.watchdog import Notifier


class FakeSystemd:
    """The notify socket systemd gives a Type=notify service."""

    def __init__(self, address: str | bytes):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.settimeout(5)

    def receive(self) -> str:
        return self.sock.recv(4096).decode()

    def pending(self) -> list[str]:
        """Every datagram already waiting."""
        found = []
        self.sock.setblocking(False)
        try:
            while True:
                found.append(self.sock.recv(4096).decode())
        except BlockingIOError:
            pass
        finally:
            self.sock.settimeout(5)
        return found

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[tuple[FakeSystemd, str]]:
    path = str(tmp_path / "notify")
    fake = FakeSystemd(path)
    yield fake, path
    fake.close()


def test_ready_status_and_pings_arrive_as_datagrams(systemd) -> None:
    fake, path = systemd
    notifier = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"})
    assert notifier.enabled and notifier.interval == 15.0
    assert notifier.ready("showing release 7")
    assert fake.receive() == "READY=1\nSTATUS=showing release 7"
    assert notifier.ping()
    assert fake.receive() == "WATCHDOG=1"
    assert notifier.stopping()
    assert fake.receive() == "STOPPING=1"
    notifier.close()


def test_abstract_socket_names(tmp_path: Path) -> None:
    name = f"kiosk-test-{os.getpid()}"
    fake = FakeSystemd(b"\0" + name.encode())
    try:
        notifier = Notifier({"NOTIFY_SOCKET": f"@{name}"})
        assert notifier.ping()
        assert fake.receive() == "WATCHDOG=1"
    finally:
        fake.close()


def test_without_systemd_nothing_happens() -> None:
    notifier = Notifier({})
    assert not notifier.enabled and notifier.interval is None
    assert not notifier.ready() and not notifier.ping()


def test_a_watchdog_meant_for_another_process_is_not_fed(systemd) -> None:
    _fake, path = systemd
    env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "1"}
    assert Notifier(env).interval is None
    env["WATCHDOG_PID"] = str(os.getpid())
    assert Notifier(env).interval == 5.0


def test_systemd_gone_is_not_an_error(systemd) -> None:
    fake, path = systemd
    notifier = Notifier({"NOTIFY_SOCKET": path})
    fake.close()
    os.unlink(path)
    assert notifier.ping() is False


def test_the_app_says_ready_and_feeds_the_watchdog_from_its_main_loop(
    kiosk_app, systemd, monkeypatch
) -> None:
    fake, path = systemd
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "400000")  # a ping every 0.2 s
    app, ui = kiosk_app()
    first = fake.receive()
    assert first.startswith("READY=1\nSTATUS=showing release")
    started = time.monotonic()
    pings: list[str] = []
    ui.wait_until(
        lambda: pings.extend(fake.pending()) or pings.count("WATCHDOG=1") >= 3,
        "three pings of the watchdog",
    )
    elapsed = time.monotonic() - started
    assert pings.count("WATCHDOG=1") <= elapsed / 0.2 + 3, (pings, elapsed)  # not a flood
    # a main loop that does not run sends nothing: the watchdog would fire
    time.sleep(0.6)
    assert fake.pending() == []
    ui.wait(0.5)
    assert "WATCHDOG=1" in fake.pending()


def test_sigterm_stops_the_app_cleanly_instead_of_being_refused(kiosk_app, tmp_path) -> None:
    """systemctl stop: SIGTERM ends a fullscreen kiosk through App.stop (counters flushed)."""
    import signal

    from kiosk.infra.config import KioskConfig

    app, ui = kiosk_app(kiosk=KioskConfig(fullscreen=True, data_dir=tmp_path / "data"))
    stopped = []
    app.stop = lambda *a: stopped.append(True)
    os.kill(os.getpid(), signal.SIGTERM)
    ui.frames(3)
    assert stopped == [True]
    assert signal.getsignal(signal.SIGTERM) == app.appliance._on_stop_signal
    app.appliance.stop()
    assert signal.getsignal(signal.SIGTERM) != app.appliance._on_stop_signal
