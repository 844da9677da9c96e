"""Revoking tokens and retiring kiosks, with the real `kiosk-hub` and `kiosk enroll` commands in
their own processes, against a real hub under uvicorn on 127.0.0.1: a token stops working the
moment it is revoked, a kiosk's old token the moment a new enrolment token is issued for it
(the kiosk enrolled again with that token works), and a retired kiosk is out of the fleet
with its history kept."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from hub.db import heartbeats, reports, stats
from kiosk_core.content.build import build_release
from tests.conftest import write_tree
from tests.hubtools import HUB_CLI, KIOSK_CLI, REPO, HubEnv, LiveServer, bearer

TIMEOUT = 10


class Hub:
    """The hub's data directory driven by its command line, and its HTTP API."""

    def __init__(self, env: HubEnv, url: str, root: Path):
        self.env, self.url, self.root = env, url, root

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        data = ["--data", str(self.env.hub.settings.data_dir), *self.env.database_args()]
        return subprocess.run(
            [*HUB_CLI, *args, *data], cwd=REPO, capture_output=True, text=True, timeout=120
        )

    def ok(self, *args: str) -> str:
        done = self.cli(*args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def enrolment_token(self, *args: str) -> str:
        return self.ok("kiosk", *args).strip().splitlines()[-1]

    def enroll(self, token: str, name: str) -> subprocess.CompletedProcess:
        """`kiosk enroll` as the installer runs it, into the kiosk's own data directory."""
        return subprocess.run(
            [*KIOSK_CLI, "enroll", "--hub", self.url, "--token", token]
            + ["--data", str(self.root / name)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def bearer_of(self, name: str) -> str:
        return json.loads((self.root / name / "enrolment.json").read_text())["kiosk_token"]

    def heartbeat(self, token: str) -> int:
        beat = {"sent_at": datetime.now(UTC).isoformat(), "content_version": 1}
        return requests.post(
            f"{self.url}/api/v1/heartbeat", json=beat, headers=bearer(token), timeout=TIMEOUT
        ).status_code

    def tokens(self, *flags: str) -> dict[str, list[str]]:
        """`kiosk-hub token list` by token id: role, name, kiosk, created, state."""
        rows = [line.split("\t") for line in self.ok("token", "list", *flags).splitlines()]
        return {row[0]: row[1:] for row in rows if len(row) > 1}


@pytest.fixture
def hub(tmp_path):
    env = HubEnv.create(tmp_path / "hub")
    with LiveServer(env.app) as live:
        yield Hub(env, live.url, tmp_path)
    env.hub.close()


def test_tokens_are_listed_by_id_and_revoked_at_once(hub: Hub) -> None:
    editor = hub.ok("token", "add", "--role", "editor", "--name", "Anna").strip()
    admin = hub.ok("token", "add", "--role", "admin", "--name", "Ewa").strip()
    listed = hub.tokens()
    # Made within the same second, so in either order.
    rows = sorted(row[:3] for row in listed.values())
    assert rows == [["admin", "Ewa", "-"], ["editor", "Anna", "-"]]
    assert all(re.fullmatch(r"[0-9a-f]{12}", token_id) for token_id in listed)
    assert editor not in str(listed) and admin not in str(listed)  # ids, never the tokens
    editor_id = next(i for i, row in listed.items() if row[1] == "Anna")

    releases = f"{hub.url}/api/v1/releases"
    assert requests.get(releases, headers=bearer(editor), timeout=TIMEOUT).status_code == 200
    assert hub.ok("token", "revoke", editor_id).startswith(f"Revoked {editor_id} (editor, Anna)")
    refused = requests.get(releases, headers=bearer(editor), timeout=TIMEOUT)
    assert refused.status_code == 401 and refused.json()["detail"] == "unknown or revoked token"
    assert requests.get(releases, headers=bearer(admin), timeout=TIMEOUT).status_code == 200

    assert editor_id not in hub.tokens()
    assert hub.tokens("--all")[editor_id][-1].startswith("revoked ")
    unknown = hub.cli("token", "revoke", "0123456789ab")
    assert unknown.returncode == 1 and "no token 0123456789ab" in unknown.stderr
    wrong = hub.cli("token", "revoke", "xyz")
    assert wrong.returncode == 1 and "a token id is 12 hex digits" in wrong.stderr


def test_a_new_enrolment_token_stops_the_kiosks_old_token_at_once(hub: Hub) -> None:
    first = hub.enrolment_token(
        "add", "rynek", "--name", "Rynek", "--lat", "50.3", "--long", "16.88"
    )
    assert hub.enroll(first, "kiosk").returncode == 0
    old = hub.bearer_of("kiosk")
    assert hub.heartbeat(old) == 200

    # Replacing the hardware: the moment a new enrolment token exists, the old one is out.
    second = hub.enrolment_token("enrol", "rynek")
    assert hub.heartbeat(old) == 401
    # Issued twice by mistake: only the newest enrolment token can be used.
    third = hub.enrolment_token("enrol", "rynek")
    stale = hub.enroll(second, "spare")
    assert stale.returncode == 1 and "refused the enrolment token" in stale.stderr
    assert not (hub.root / "spare" / "enrolment.json").exists()

    # The installer enrols the kiosk with the new token: it works again, with a new bearer.
    assert hub.enroll(third, "kiosk").returncode == 0
    new = hub.bearer_of("kiosk")
    assert new != old and hub.heartbeat(new) == 200 and hub.heartbeat(old) == 401
    active = [row for row in hub.tokens().values() if row[0] == "kiosk"]
    assert len(active) == 1 and active[0][2] == "rynek"


def test_a_retired_kiosk_leaves_the_fleet_and_keeps_its_history(hub: Hub) -> None:
    build_release(write_tree(hub.root / "src"), hub.root / "release")  # lampa and idea
    hub.env.publish_release(hub.root / "release")
    token = hub.enrolment_token(
        "add", "rynek", "--name", "Rynek", "--lat", "50.3", "--long", "16.88"
    )
    hub.enrolment_token("add", "dworzec", "--name", "Dworzec", "--lat", "50.3", "--long", "16.9")
    assert hub.enroll(token, "kiosk").returncode == 0
    kiosk = bearer(hub.bearer_of("kiosk"))
    assert hub.heartbeat(hub.bearer_of("kiosk")) == 200
    body = {
        "uuid": str(uuid.uuid4()),
        "ref_code": "7KQ-4XM",
        "status_token": uuid.uuid4().hex,
        "created": "2026-11-21T14:00:00+00:00",
        "lang": "pl",
        "service_code": "lampa",
        "description": "Nie świeci latarnia",
        "lat": 50.3,
        "long": 16.88,
    }
    filed = requests.post(
        f"{hub.url}/api/v1/reports",
        json=body,
        headers=kiosk | {"Idempotency-Key": body["uuid"]},
        timeout=TIMEOUT,
    )
    assert filed.status_code == 201, filed.text
    counts = {"hours": [{"hour": "2026-11-21T13", "metric": "touch", "key": "home", "count": 12}]}
    stats_answer = requests.put(
        f"{hub.url}/api/v1/stats", json=counts, headers=kiosk, timeout=TIMEOUT
    )
    assert stats_answer.status_code == 200, stats_answer.text
    before = history(hub)

    assert hub.ok("kiosk", "retire", "rynek").startswith("Retired rynek (Rynek)")
    assert hub.heartbeat(hub.bearer_of("kiosk")) == 401
    status = hub.ok("status")
    assert "rynek" not in status and "dworzec" in status and "1 kiosk(s), 1 offline" in status
    listed = dict(line.split("\t", 1) for line in hub.ok("kiosk", "list").splitlines())
    assert "\tretired " in listed["rynek"] and listed["dworzec"].endswith("in service")
    admin = hub.ok("token", "add", "--role", "admin").strip()
    fleet = requests.get(f"{hub.url}/api/v1/kiosks", headers=bearer(admin), timeout=TIMEOUT)
    assert [k["kiosk_id"] for k in fleet.json()["kiosks"]] == ["dworzec"]
    assert history(hub) == before  # its reports, statistics and last heartbeat are kept
    receipt = requests.get(f"{hub.url}/r/{body['status_token']}", timeout=TIMEOUT)
    assert receipt.status_code == 200 and "7KQ-4XM" in receipt.text
    again = hub.cli("kiosk", "add", "rynek", "--name", "R", "--lat", "50", "--long", "16")
    assert again.returncode == 1 and "kiosk-hub kiosk enrol rynek" in again.stderr

    # Brought back: a new enrolment token, used by the kiosk.
    token = hub.enrolment_token("enrol", "rynek")
    assert "rynek" not in hub.ok("status")  # not before the kiosk has used it
    assert hub.enroll(token, "kiosk").returncode == 0
    assert hub.heartbeat(hub.bearer_of("kiosk")) == 200
    assert "rynek" in hub.ok("status")


def history(hub: Hub) -> tuple[int, int, int]:
    with hub.env.hub.transaction(write=False) as conn:
        return tuple(
            conn.scalar(select(func.count()).select_from(t).where(t.c.kiosk_id == "rynek"))
            for t in (reports, stats, heartbeats)
        )
