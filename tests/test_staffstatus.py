"""What the staff screen reports: last sync, reports waiting, network; "sync now"."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from kiosk.appliance.staffstatus import (
    WAKE_FILE,
    gather,
    last_sync,
    network_addresses,
    request_sync,
)
from kiosk.infra.store import open_store, set_state
from kiosk.sync import agent


def test_last_sync_is_when_the_hub_last_answered_a_heartbeat(tmp_path: Path) -> None:
    db = open_store(tmp_path)
    assert last_sync(db) is None
    set_state(db, "clock_skew", "0.4")
    synced = last_sync(db)
    assert synced is not None
    assert abs((datetime.now(UTC) - synced).total_seconds()) < 5


def test_gather(tmp_path: Path) -> None:
    db = open_store(tmp_path)
    status = gather(db, "rynek", 7)
    assert (status.kiosk_id, status.content_version, status.outbox_depth) == ("rynek", 7, 0)
    assert gather(db, None, 0).kiosk_id == "—"


def test_network_addresses_come_from_the_kernel() -> None:
    for name, address in network_addresses():
        assert name != "lo"
        assert len(address.split(".")) == 4


def test_sync_now_is_the_file_the_agent_watches(tmp_path: Path) -> None:
    assert agent.WAKE_FILE == WAKE_FILE
    path = request_sync(tmp_path)
    assert path == tmp_path / agent.WAKE_FILE and path.exists()
