"""A dripping hub: a real `kiosk sync` agent process, a real hub (`kiosk-hub serve`) and between
them `tests.faultproxy.FaultProxy`, which sends one blob's bytes a few at a time, so that every
read from the socket gets something and no read timeout ever fires.

Reports filed while the blob drips are delivered and heartbeats keep coming (content is pulled
in a thread of its own); the download is given up at its deadline (shortened here, so the test
takes seconds: the agent process is the real one with two constants set lower), the bytes that
came are kept and the next pull resumes after them with a Range request; asked to stop in the
middle of a drip, the agent leaves at once; the release is installed once the drip ends.
"""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.content.release import current_release_dir
from kiosk.infra.store import open_store
from kiosk.sync.client import HubClient, HubError
from kiosk.visit.outbox import list_reports
from tests.conftest import png_of_size, write_tree
from tests.faultproxy import FaultProxy
from tests.hubtools import REPO, HubProcess, enroll_kiosk, file_reports, run

BLOB_SIZE = 256 * 1024
DRIP_SIZE = 512
DRIP_PAUSE = 0.1
"""5 KiB/s: the whole blob would take 50 s."""
DOWNLOAD_BASE = 2.0
DOWNLOAD_MIN_RATE = 64 * 1024
"""A deadline of 2 s + 4 s for the whole blob: given up after some 30 KiB."""
DEADLINE = DOWNLOAD_BASE + BLOB_SIZE / DOWNLOAD_MIN_RATE
AGENT = [
    sys.executable,
    "-c",
    "import sys; import kiosk.sync.content as c; "
    f"c.DOWNLOAD_BASE = {DOWNLOAD_BASE}; c.DOWNLOAD_MIN_RATE = {DOWNLOAD_MIN_RATE}; "
    "from kiosk.cli import main; sys.exit(main())",
]


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    server = HubProcess(tmp_path)
    yield server
    server.stop()


def wait_for(what: str, check: Callable[[], object], timeout: float) -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if result := check():
            return result
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")


def test_a_dripping_blob_holds_back_neither_reports_nor_heartbeats(
    hub: HubProcess, tmp_path: Path
) -> None:
    src = write_tree(tmp_path / "src")
    blob = png_of_size(BLOB_SIZE)  # a real image, big enough to drip for a while
    (src / "media" / "map.png").write_bytes(blob)
    sha = hashlib.sha256(blob).hexdigest()
    version = hub.publish(src)
    data = tmp_path / "kiosk"
    partial = data / "blobs" / "partial" / sha
    blob_path = f"/api/v1/blobs/{sha}"
    with FaultProxy(
        hub.url,
        drip_size=DRIP_SIZE,
        drip_pause=DRIP_PAUSE,
        fault_paths=(blob_path,),
        lifetime=120,
    ) as proxy:
        enroll_kiosk(proxy.url, hub.add_kiosk("kapie"), data)
        proxy.faults = {"drip": 1.0}
        log = (tmp_path / "agent.log").open("w")
        agent = subprocess.Popen(
            [*AGENT, "sync", "--interval", "1", "--data", str(data)],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:

            def blob_gets() -> list:
                return [e for e in proxy.log if e.path == blob_path]

            wait_for("the blob drips", lambda: partial.exists() and partial.stat().st_size, 20)
            first = blob_gets()[0]
            assert first.range is None

            # Reports filed now are delivered while the blob is still dripping.
            uuids = file_reports(data, [{"description": f"Latarnia nr {i}"} for i in (1, 2)])
            query = f"SELECT uuid FROM reports WHERE uuid IN ('{uuids[0]}', '{uuids[1]}')"
            wait_for("the reports reach the hub", lambda: len(hub.query(query)) == 2, 8)
            assert len(blob_gets()) == 1 and current_release_dir(data) is None

            def beats() -> list:
                return [e for e in proxy.log if e.path == "/api/v1/heartbeat" and e.at > first.at]

            # Heartbeats keep their cadence while the same download still drips.
            wait_for("two heartbeats during the drip", lambda: len(beats()) >= 2, 8)
            gets = blob_gets()
            assert len(gets) == 1 or beats()[1].at < gets[1].at, [
                (e.method, e.path) for e in proxy.log
            ]

            # The drip is given up at its deadline; the next pull resumes after what came.
            wait_for("a second request for the blob", lambda: len(blob_gets()) >= 2, 20)
            second = blob_gets()[1]
            kept = int(second.range.removeprefix("bytes=").removesuffix("-"))
            assert 0 < kept < BLOB_SIZE / 2
            assert DEADLINE - 0.5 < second.at - first.at < DEADLINE + 4
            wait_for("the resumed drip", lambda: partial.stat().st_size > kept, 10)

            # Stopped in the middle of a drip, the agent leaves at once.
            stopped = time.monotonic()
            agent.send_signal(signal.SIGTERM)
            assert agent.wait(timeout=10) == 0
            assert time.monotonic() - stopped < 3
        finally:
            if agent.poll() is None:
                agent.kill()
                agent.wait()
            log.close()
        assert "answer took longer than" in (tmp_path / "agent.log").read_text()

        # With the drip over, the next pull resumes from the partial file and installs.
        resumed_from = partial.stat().st_size
        assert resumed_from > kept
        proxy.faults = {}
        done = run([*AGENT, "sync", "--once", "--data", str(data)], check=False)
        assert f"activated release {version}" in done.stdout, done.stdout + done.stderr
        assert blob_gets()[-1].range == f"bytes={resumed_from}-"
    assert (current_release_dir(data) / "media" / f"{sha}.png").read_bytes() == blob
    db = open_store(data)
    try:
        delivered = {r["uuid"]: r["state"] for r in list_reports(db)}
    finally:
        db.close()
    assert [delivered[u] for u in uuids] == ["delivered", "delivered"]


def test_a_dripping_answer_is_given_up_at_its_deadline(hub: HubProcess) -> None:
    """Not only blobs: any answer (here the heartbeat's) that drips is given up in time."""
    with FaultProxy(hub.url, drip_size=1, drip_pause=0.5, lifetime=60) as proxy:
        proxy.faults = {"drip": 1.0}
        client = HubClient(proxy.url, hub.admin, timeout=(2, 2), deadline=2.0)
        started = time.monotonic()
        with pytest.raises(HubError, match="took longer than 2 s") as failure:
            client.request("GET", "/kiosks")
        assert time.monotonic() - started < 3.5
        assert not failure.value.permanent
        client.close()
