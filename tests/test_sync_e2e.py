"""The sync agent against a real hub: `kiosk-hub serve` on a free 127.0.0.1 port, real
`kiosk enroll` and `kiosk sync --once` processes, real releases published with
`kiosk-hub publish`.

Between kiosk and hub sits the network, played by a small forwarding proxy written here: it
records what the kiosk asks for, can be slow (to kill the agent in the middle of a download)
and can play an attacker who answers GET /manifest with bytes of its own choosing.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization

from kiosk.content.release import current_release_dir, load_release
from kiosk.infra.store import open_store
from kiosk.sync.enrolment import load_enrolment
from kiosk.sync.reports import report_body
from kiosk.visit.outbox import list_reports
from kiosk_core.content.manifest import MANIFEST_FILE, Manifest
from kiosk_core.validation import validate_json
from tests.conftest import png_of_size, tiny_png, write_tree
from tests.hubtools import (
    HUB_CLI,
    KIOSK_CLI,
    REPO,
    HubProcess,
    enroll_kiosk,
    file_report,
    run,
)

pytestmark = pytest.mark.skipif(
    not (REPO / "hub" / "cli.py").exists(), reason="the hub is not in this tree"
)


class Network:
    """A forwarding proxy between kiosk and hub: records, throttles, or plays an attacker."""

    def __init__(self, hub_url: str) -> None:
        self.upstream = hub_url.removeprefix("http://")
        self.log: list[dict] = []
        self.rate: float | None = None
        """Bytes per second for blob bodies, None for full speed."""
        self.manifest: tuple[bytes, dict[str, str]] | None = None
        """What the attacker answers to GET /manifest instead of the hub."""
        network = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                entry = {"method": self.command, "path": self.path}
                entry["range"] = self.headers.get("Range")
                network.log.append(entry)
                if network.manifest and self.path == "/api/v1/manifest":
                    data, headers = network.manifest
                    entry["status"] = 200
                    self._answer(200, {**headers, "Content-Length": str(len(data))}, [data])
                    return
                conn = http.client.HTTPConnection(network.upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                entry["status"] = answer.status
                data = answer.read()
                out = {k: v for k, v in answer.getheaders() if k.lower() != "transfer-encoding"}
                out["Content-Length"] = str(len(data))
                conn.close()
                slow = network.rate and "/blobs/" in self.path
                step = 32 * 1024
                chunks = [data[i : i + step] for i in range(0, len(data), step)] or [b""]
                self._answer(answer.status, out, chunks, step / network.rate if slow else 0)

            def _answer(self, status: int, headers: dict, chunks: list, pause: float = 0) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    for chunk in chunks:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        if pause:
                            time.sleep(pause)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_HEAD = _forward

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def blobs_fetched(self) -> list[dict]:
        return [e for e in self.log if e["method"] == "GET" and "/blobs/" in e["path"]]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Iterator[HubProcess]:
    server = HubProcess(tmp_path_factory.mktemp("e2e"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def network(hub: HubProcess) -> Iterator[Network]:
    proxy = Network(hub.url)
    yield proxy
    proxy.close()


@pytest.fixture
def kiosk(hub: HubProcess, network: Network, tmp_path: Path, request) -> Path:
    """A freshly enrolled kiosk (through the network) with its own data directory."""
    kiosk_id = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[5:40].strip("-")
    token = hub.add_kiosk(kiosk_id)
    data = tmp_path / "kiosk"
    out = enroll_kiosk(network.url, token, data)
    assert f"Enrolled as kiosk {kiosk_id}" in out.stdout
    network.manifest = None
    network.rate = None
    return data


def sync(data: Path, ok: bool = True) -> subprocess.CompletedProcess:
    done = run([*KIOSK_CLI, "sync", "--once", "--data", str(data)], check=False)
    assert (done.returncode == 0) == ok, done.stdout + done.stderr
    return done


def step_line(done: subprocess.CompletedProcess, step: str) -> str:
    return next(line for line in done.stdout.splitlines() if line.startswith(f"{step}:"))


def active(data: Path) -> int:
    return load_release(current_release_dir(data)).version


def source_tree(root: Path) -> Path:
    return write_tree(root)


def test_enrolment_pins_the_hubs_key_and_spends_the_token(
    hub: HubProcess, network: Network, tmp_path: Path
) -> None:
    token = hub.add_kiosk("pinned")
    data = tmp_path / "kiosk"
    enroll_kiosk(network.url, token, data)
    enrolment = load_enrolment(data)
    public = hub.private_key().public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert enrolment.public_key_bytes() == raw
    assert enrolment.kiosk_id == "pinned" and enrolment.groups == ["centrum"]
    assert (data / "enrolment.json").stat().st_mode & 0o777 == 0o600
    again = run(
        [*KIOSK_CLI, "enroll", "--hub", network.url, "--token", token, "--data", str(tmp_path)],
        check=False,
    )
    assert again.returncode != 0 and "already used" in again.stderr


def test_publish_then_sync_activates_and_one_changed_image_is_all_that_is_fetched(
    hub: HubProcess, network: Network, kiosk: Path, tmp_path: Path
) -> None:
    src = source_tree(tmp_path / "src")
    first = hub.publish(src)
    done = sync(kiosk)
    assert f"activated release {first}" in step_line(done, "content")
    assert active(kiosk) == first
    assert (kiosk / "current").is_symlink()

    network.log.clear()
    done = sync(kiosk)
    assert "manifest unchanged" in step_line(done, "content")
    assert network.blobs_fetched() == []

    new_map = tiny_png((1, 99, 7))
    (src / "media" / "map.png").write_bytes(new_map)
    second = hub.publish(src)
    network.log.clear()
    done = sync(kiosk)
    assert f"activated release {second}" in step_line(done, "content")
    assert active(kiosk) == second
    fetched = {e["path"].rsplit("/", 1)[1] for e in network.blobs_fetched()}
    manifest = validate_json(Manifest, (current_release_dir(kiosk) / MANIFEST_FILE).read_bytes())
    content_sha = next(e.sha256 for e in manifest.files if e.path == "content.json")
    # the new image, and the content.json that names it by its new hash: nothing else
    assert fetched == {hashlib.sha256(new_map).hexdigest(), content_sha}
    releases = sorted(p.name for p in (kiosk / "releases").iterdir())
    assert releases == sorted([str(first), str(second)])  # the previous one is kept


def test_an_agent_killed_during_a_download_resumes_with_range(
    hub: HubProcess, network: Network, kiosk: Path, tmp_path: Path
) -> None:
    src = source_tree(tmp_path / "src")
    big = png_of_size(6 * 1024 * 1024)
    (src / "media" / "map.png").write_bytes(big)
    version = hub.publish(src)
    sha = hashlib.sha256(big).hexdigest()
    partial = kiosk / "blobs" / "partial" / sha
    network.rate = 3 * 1024 * 1024  # three seconds for the big one
    agent = subprocess.Popen(
        [*KIOSK_CLI, "sync", "--once", "--data", str(kiosk)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if partial.exists() and partial.stat().st_size >= 1024 * 1024:
                break
            time.sleep(0.01)
        agent.kill()  # SIGKILL: no chance to tidy up
    finally:
        agent.wait(timeout=10)
    kept = partial.stat().st_size
    assert 0 < kept < len(big)
    assert current_release_dir(kiosk) is None

    network.rate = None
    network.log.clear()
    done = sync(kiosk)
    assert f"activated release {version}" in step_line(done, "content")
    (resumed,) = [e for e in network.blobs_fetched() if e["path"].endswith(sha)]
    assert resumed["range"] == f"bytes={kept}-" and resumed["status"] == 206
    assert (current_release_dir(kiosk) / "media" / f"{sha}.png").read_bytes() == big
    assert not partial.exists()


def signed(hub: HubProcess, manifest: dict) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(manifest, indent=1).encode()
    signature = base64.b64encode(hub.private_key().sign(body)).decode()
    return body, {"Content-Type": "application/json", "Kiosk-Signature": f"ed25519={signature}"}


def test_bad_manifests_are_refused_and_the_release_stays(
    hub: HubProcess, network: Network, kiosk: Path, tmp_path: Path
) -> None:
    src = source_tree(tmp_path / "src")
    old = hub.publish(src)
    enrolment = load_enrolment(kiosk)
    auth = {"Authorization": f"Bearer {enrolment.kiosk_token}"}
    captured = requests.get(f"{hub.url}/api/v1/manifest", headers=auth, timeout=10)
    old_manifest = (captured.content, {"Kiosk-Signature": captured.headers["Kiosk-Signature"]})
    (src / "media" / "logo.png").write_bytes(tiny_png((5, 5, 5)))
    good = hub.publish(src)
    sync(kiosk)
    assert active(kiosk) == good
    real = requests.get(f"{hub.url}/api/v1/manifest", headers=auth, timeout=10)
    data = json.loads(real.content)
    now = datetime.now(UTC)

    tampered = real.content.replace(
        f'"version": {good}'.encode(), f'"version": {good + 5}'.encode()
    )
    assert tampered != real.content
    attacks = {
        "signature does not match": (
            tampered,
            {"Kiosk-Signature": real.headers["Kiosk-Signature"]},
        ),
        "no Kiosk-Signature": (real.content, {}),
        "rollback refused": old_manifest,
        "stale content refused": signed(
            hub,
            data
            | {
                "version": good + 1,
                "created": (now - timedelta(days=10)).isoformat(),
                "expires": (now - timedelta(days=3)).isoformat(),
            },
        ),
    }
    assert old < good
    for reason, answer in attacks.items():
        network.manifest = answer
        network.log.clear()
        done = sync(kiosk, ok=False)
        line = step_line(done, "content")
        assert "FAILED" in line and reason in line, line
        assert active(kiosk) == good
        assert network.blobs_fetched() == []
        status = hub.fleet(enrolment.kiosk_id)
        assert any(reason in error for error in status["errors"]), status["errors"]
        assert status["content_version"] == good

    network.manifest = None
    done = sync(kiosk)
    assert "manifest unchanged" in step_line(done, "content")
    assert hub.fleet(enrolment.kiosk_id)["errors"] == []


def test_reports_are_delivered_exactly_once_and_personal_data_erased(
    hub: HubProcess, network: Network, kiosk: Path, tmp_path: Path
) -> None:
    hub.publish(source_tree(tmp_path / "src"))  # its report categories: lampa, idea
    uuids = [file_report(kiosk), file_report(kiosk, service_code="idea", description="Ławki")]
    # A category the hub does not know: kept unsorted (see test_report_unsorted_e2e.py).
    unsorted = file_report(kiosk, service_code="nieznana", description="Coś innego")
    done = sync(kiosk)
    assert "3 report(s) delivered, 0 refused (need attention)" in step_line(done, "reports")
    db = open_store(kiosk)
    rows = {r["uuid"]: r for r in list_reports(db, with_contact=True)}
    for uuid in [*uuids, unsorted]:
        assert rows[uuid]["state"] == "delivered" and rows[uuid]["service_request_id"]
        assert hub.query("SELECT COUNT(*) FROM reports WHERE uuid = ?", uuid) == [(1,)]
    assert hub.query("SELECT unsorted FROM reports WHERE uuid = ?", unsorted) == [(1,)]
    for row in rows.values():
        assert (row["email"], row["phone"], row["first_name"], row["last_name"]) == (None,) * 4
    stored = hub.query("SELECT email, first_name FROM reports WHERE uuid = ?", uuids[0])
    assert stored == [("jan@example.org", "Jan")]

    db.close()
    assert "0 report(s) delivered, 0 refused" in step_line(sync(kiosk), "reports")

    # A delivery whose answer is lost: the hub has the report, the kiosk does not know (the
    # agent was killed before it could mark it). The next cycle sends the same again and the
    # hub answers as the first time: still one report, the same service request id.
    lost = file_report(kiosk, description="Zepsuta ławka w parku")
    db = open_store(kiosk)
    (row,) = [r for r in list_reports(db, with_contact=True) if r["uuid"] == lost]
    db.close()
    token = load_enrolment(kiosk).kiosk_token
    first = requests.post(
        f"{hub.url}/api/v1/reports",
        json=report_body(row),
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": lost},
        timeout=10,
    )
    assert first.status_code == 201
    done = sync(kiosk)
    assert "1 report(s) delivered, 0 refused" in step_line(done, "reports")
    assert hub.query("SELECT COUNT(*) FROM reports WHERE uuid = ?", lost) == [(1,)]
    db = open_store(kiosk)
    (row,) = [r for r in list_reports(db, with_contact=True) if r["uuid"] == lost]
    db.close()
    assert row["state"] == "delivered" and row["email"] is None
    assert row["service_request_id"] == first.json()["service_request_id"]


def test_a_report_the_hub_cannot_store_is_kept_shown_and_left_to_a_person(
    hub: HubProcess, network: Network, kiosk: Path, tmp_path: Path
) -> None:
    hub.publish(source_tree(tmp_path / "src"))
    uuid = file_report(kiosk, description="Latarnia przy szkole nie świeci")
    db = open_store(kiosk)
    (row,) = list_reports(db, with_contact=True)
    db.close()
    ref = row["ref_code"]
    # Another body under its uuid reached the hub first: a clash the hub cannot store (409).
    enrolment = load_enrolment(kiosk)
    first = requests.post(
        f"{hub.url}/api/v1/reports",
        json=report_body(row) | {"description": "Zupełnie inna treść"},
        headers={"Authorization": f"Bearer {enrolment.kiosk_token}", "Idempotency-Key": uuid},
        timeout=10,
    )
    assert first.status_code == 201
    done = sync(kiosk)
    assert "0 report(s) delivered, 1 refused (need attention)" in step_line(done, "reports")

    def kept() -> dict:
        db = open_store(kiosk)
        try:
            (row,) = list_reports(db, with_contact=True)
            return row
        finally:
            db.close()

    row = kept()
    assert row["state"] == "attention" and "409" in row["last_error"]
    assert (row["email"], row["phone"], row["first_name"]) == (
        "jan@example.org",
        "+48600100200",
        "Jan",
    )
    # The heartbeat of the same cycle told the hub: the fleet status and `kiosk-hub status`.
    status = hub.fleet(enrolment.kiosk_id)
    assert status["attention"] == 1
    (shown,) = status["attention_reports"]
    assert shown["ref_code"] == ref and "409" in shown["reason"]
    out = run([*HUB_CLI, "status", "--data", str(hub.data)]).stdout
    assert "ATTENTION 1 report(s)" in out and f"! report {ref} needs attention: " in out
    assert "report(s) refused by the hub kept on kiosks" in out.splitlines()[-1]

    # The agent does not send it again by itself ...
    network.log.clear()
    sync(kiosk)
    assert not [e for e in network.log if e["path"].startswith("/api/v1/reports")]
    # ... a person does (here the administrator's command; the staff screen does the same),
    # and a report the hub still refuses comes back to attention, whole.
    out = run([*KIOSK_CLI, "reports", "--data", str(kiosk), "--retry"]).stdout
    assert "1 report(s) will be sent to the hub again" in out
    assert "1 refused (need attention)" in step_line(sync(kiosk), "reports")
    assert kept()["state"] == "attention" and kept()["email"] == "jan@example.org"
    # Only an administrator's decision discards it; then its contact details go.
    run([*KIOSK_CLI, "reports", "--data", str(kiosk), "--discard", ref, "--yes"])
    assert kept()["state"] == "discarded" and kept()["email"] is None
    sync(kiosk)
    assert hub.fleet(enrolment.kiosk_id)["attention"] == 0


def test_statistics_uploaded_three_times_keep_the_hub_totals(
    hub: HubProcess, network: Network, kiosk: Path
) -> None:
    now = datetime.now(UTC)
    hours = [(now - timedelta(hours=h)).strftime("%Y-%m-%dT%H") for h in (3, 2, 0)]
    db = open_store(kiosk)
    db.conn.executemany(
        "INSERT INTO counters (hour, metric, key, count) VALUES (?, ?, ?, ?)",
        [
            (hours[0], "touch", "home", 40),
            (hours[0], "session", "", 4),
            (hours[1], "touch", "search", 2),
            (hours[1], "view", "service:dowod", 3),
            (hours[2], "touch", "home", 1),  # the current hour is not finished
        ],
    )
    db.close()
    kiosk_id = load_enrolment(kiosk).kiosk_id

    def totals() -> dict:
        rows = hub.query("SELECT hour, metric, key, count FROM stats WHERE kiosk_id = ?", kiosk_id)
        return {(h, m, k): n for h, m, k, n in rows}

    expected = {
        (hours[0], "touch", "home"): 40,
        (hours[0], "session", ""): 4,
        (hours[1], "touch", "search"): 2,
        (hours[1], "view", "service:dowod"): 3,
    }
    network.log.clear()
    for _ in range(3):
        sync(kiosk)
        assert totals() == expected
    assert len([e for e in network.log if e["path"] == "/api/v1/stats"]) == 1
    # The kiosk forgets what it sent (its database restored from a backup, say): the same
    # hours go to the hub a second and a third time, and the hub's totals do not move.
    for _ in range(2):
        db = open_store(kiosk)
        db.execute("DELETE FROM sync_state WHERE key LIKE 'stats_%'")
        db.close()
        sync(kiosk)
        assert totals() == expected
    assert len([e for e in network.log if e["path"] == "/api/v1/stats"]) == 3
