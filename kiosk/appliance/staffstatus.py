"""What the staff screen shows and does, without Kivy: the kiosk's state in one look.

Last successful sync: the agent records the hub's clock skew after every heartbeat the hub
accepted, so the time of that record is the last time the agent and the hub talked.

Reports the hub refused to store need attention: the screen shows how many, the oldest with
their reference codes and the hub's reasons, and offers to send them again (`send_again`),
e.g. once the hub was fixed. Discarding one is left to an administrator with a shell
(`kiosk reports --discard`): a report a visitor was thanked for is not thrown away by a tap.
"""

from __future__ import annotations

import fcntl
import socket
import struct
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from kiosk.sync import STATE_SKEW, WAKE_FILE
from kiosk.visit.outbox import (
    AttentionReport,
    attention_count,
    attention_reports,
    outbox_depth,
    retry_attention,
)

SIOCGIFADDR = 0x8915
ATTENTION_SHOWN = 5
"""Reports needing attention listed by code on the screen (the oldest); the count is whole."""


@dataclass(frozen=True)
class StaffStatus:
    kiosk_id: str
    content_version: int
    last_sync: datetime | None
    outbox_depth: int
    addresses: list[tuple[str, str]]
    """(interface, IPv4 address) of every interface that has one, loopback left out."""
    attention_count: int = 0
    attention: list[AttentionReport] = field(default_factory=list)
    """The oldest reports needing attention, at most ATTENTION_SHOWN."""


def last_sync(db: Database) -> datetime | None:
    row = db.execute("SELECT updated FROM sync_state WHERE key = ?", [STATE_SKEW]).fetchone()
    if not row or not row[0]:
        return None
    try:
        return datetime.fromisoformat(row[0])
    except ValueError:
        return None


def network_addresses() -> list[tuple[str, str]]:
    """IPv4 addresses by interface, asked of the kernel (no traffic, no external tool)."""
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _index, name in socket.if_nameindex():
            if name == "lo":
                continue
            request = struct.pack("256s", name.encode()[:15])
            try:
                answer = fcntl.ioctl(sock.fileno(), SIOCGIFADDR, request)
            except OSError:
                continue  # no IPv4 address on this interface
            found.append((name, socket.inet_ntoa(answer[20:24])))
    return found


def gather(db: Database, kiosk_id: str | None, content_version: int) -> StaffStatus:
    return StaffStatus(
        kiosk_id=kiosk_id or "—",
        content_version=content_version,
        last_sync=last_sync(db),
        outbox_depth=outbox_depth(db),
        addresses=network_addresses(),
        attention_count=attention_count(db),
        attention=attention_reports(db, ATTENTION_SHOWN),
    )


def send_again(db: Database, data_dir: Path, now: datetime) -> int:
    """Staff's decision: every report needing attention goes to the hub again, now (the agent
    is woken); returns how many. One the hub still refuses comes back to attention."""
    count = retry_attention(db, now)
    if count:
        request_sync(data_dir)
    return count


def request_sync(data_dir: Path) -> Path:
    """Ask the agent for a cycle now; it notices the file within a second."""
    path = Path(data_dir) / WAKE_FILE
    path.touch()
    return path
