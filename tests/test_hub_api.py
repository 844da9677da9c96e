"""The hub's HTTP API against docs/protocol.md: enrolment, tokens, content, reports, stats,
heartbeats, and the limits on what a request may be."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from hub.content.signing import verify
from hub.db import reports, stats
from hub.statistics.stats import aggregate
from hub.times import ceil_hour
from kiosk_core.content.build import build_release
from kiosk_core.content.manifest import Manifest
from kiosk_core.validation import to_data, validate_json
from tests.conftest import write_tree
from tests.hubtools import HubEnv, LiveServer, bearer, make_client, report_body, sha256

API = "/api/v1"


@pytest.fixture
def env(tmp_path: Path) -> HubEnv:
    env = HubEnv.create(tmp_path / "hub")
    yield env
    env.hub.close()


@pytest.fixture
def client(env: HubEnv):
    with make_client(env.app) as client:
        yield client


@pytest.fixture
def release(tmp_path: Path) -> Path:
    """A release folder built by the kiosk's own builder from the small test tree."""
    out = tmp_path / "release"
    build_release(write_tree(tmp_path / "src"), out)
    return out


def post_report(client, token: str, body: dict, key: str | None = None) -> httpx.Response:
    headers = bearer(token) | {"Idempotency-Key": key or body["uuid"]}
    return client.post(f"{API}/reports", json=body, headers=headers)


# --- enrolment and tokens ---------------------------------------------------------------


def test_enrolment_gives_token_key_and_location_once_only(env: HubEnv, client) -> None:
    token = env.kiosk("rynek", name="Rynek", lat=50.3, long=16.88, groups=["centrum"])
    first = client.post(f"{API}/enroll", json={"token": token})
    assert first.status_code == 200, first.text
    answer = first.json()
    assert answer["kiosk_id"] == "rynek"
    assert answer["groups"] == ["centrum"]
    assert answer["location"] == {"lat": 50.3, "long": 16.88}
    assert answer["public_key"] == env.hub.signer.public_key
    again = client.post(f"{API}/enroll", json={"token": token})
    assert again.status_code == 401
    assert "already been used" in again.json()["detail"]
    unknown = client.post(f"{API}/enroll", json={"token": "not-a-token"})
    assert unknown.status_code == 401
    beat = {"sent_at": datetime.now(UTC).isoformat()}
    kiosk = bearer(answer["kiosk_token"])
    assert client.post(f"{API}/heartbeat", json=beat, headers=kiosk).status_code == 200


def test_enrolment_token_expires_after_seven_days(env: HubEnv, client) -> None:
    token = env.kiosk("stale")
    env.hub.clock = lambda: datetime.now(UTC) + timedelta(days=7, minutes=1)
    answer = client.post(f"{API}/enroll", json={"token": token})
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]


def test_reenrolment_revokes_the_old_kiosk_token(env: HubEnv, client) -> None:
    from hub.fleet.kiosks import reenrol

    first = client.post(f"{API}/enroll", json={"token": env.kiosk("dworzec")}).json()
    with env.hub.transaction() as conn:
        fresh = reenrol(conn, "dworzec", env.hub.now(), env.hub.settings.enrolment_ttl)
    second = client.post(f"{API}/enroll", json={"token": fresh}).json()
    beat = {"sent_at": datetime.now(UTC).isoformat()}
    old = client.post(f"{API}/heartbeat", json=beat, headers=bearer(first["kiosk_token"]))
    assert old.status_code == 401
    new = client.post(f"{API}/heartbeat", json=beat, headers=bearer(second["kiosk_token"]))
    assert new.status_code == 200


def test_missing_or_wrong_token_is_401_and_wrong_role_403(env: HubEnv, client) -> None:
    beat = {"sent_at": datetime.now(UTC).isoformat()}
    missing = client.post(f"{API}/heartbeat", json=beat)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert client.post(f"{API}/heartbeat", json=beat, headers=bearer("nope")).status_code == 401
    basic = client.post(f"{API}/heartbeat", json=beat, headers={"Authorization": "Basic eA=="})
    assert basic.status_code == 401

    kiosk, editor = env.kiosk_token("rynek"), env.token("editor")
    admin, open311 = env.token("admin"), env.token("open311")
    assert client.post(f"{API}/heartbeat", json=beat, headers=bearer(editor)).status_code == 403
    files = {"files": [{"path": "content.json", "sha256": "0" * 64, "size": 1}]}
    assert client.post(f"{API}/releases", json=files, headers=bearer(kiosk)).status_code == 403
    assert client.put(f"{API}/blobs/{'0' * 64}", headers=bearer(kiosk)).status_code == 403
    assert client.get(f"{API}/manifest", headers=bearer(open311)).status_code == 403
    export = f"{API}/stats/export?from=2026-01-01&to=2026-01-31"
    assert client.get(export, headers=bearer(editor)).status_code == 403
    assert client.get(export, headers=bearer(kiosk)).status_code == 403
    assert client.get(export, headers=bearer(admin)).status_code == 200
    # An admin may do what editors may.
    assert client.get(f"{API}/releases", headers=bearer(admin)).status_code == 200
    assert client.get(f"{API}/kiosks", headers=bearer(editor)).status_code == 403


def test_a_kiosk_writes_only_as_itself(env: HubEnv, client) -> None:
    env.publish_release(_built(env))
    a, b = env.kiosk_token("kiosk-a"), env.kiosk_token("kiosk-b")
    body = report_body()
    assert post_report(client, a, body).status_code == 201
    # The same uuid from another kiosk is that kiosk's own report, not a replay or a clash.
    other = post_report(client, b, body | {"description": "Inny opis zgłoszenia"})
    assert other.status_code == 201
    with env.hub.transaction(write=False) as conn:
        owners = conn.execute(select(reports.c.kiosk_id).where(reports.c.uuid == body["uuid"]))
        assert sorted(r.kiosk_id for r in owners) == ["kiosk-a", "kiosk-b"]
    # Naming another kiosk in the body changes nothing: the token decides.
    upload = {
        "kiosk_id": "kiosk-b",
        "hours": [{"hour": "2026-11-21T13", "metric": "touch", "key": "home", "count": 5}],
    }
    assert client.put(f"{API}/stats", json=upload, headers=bearer(a)).status_code == 200
    with env.hub.transaction(write=False) as conn:
        rows = conn.execute(select(stats.c.kiosk_id, stats.c.count)).all()
    assert [(r.kiosk_id, r.count) for r in rows] == [("kiosk-a", 5)]


def _built(env: HubEnv) -> Path:
    root = env.hub.settings.data_dir.parent
    out = root / "built"
    if not out.exists():
        build_release(write_tree(root / "src"), out)
    return out


# --- request limits ------------------------------------------------------------------------


def test_malformed_json_is_400_and_a_wrong_type_422(env: HubEnv, client) -> None:
    kiosk = bearer(env.kiosk_token("rynek")) | {"Content-Type": "application/json"}
    broken = client.post(f"{API}/heartbeat", content=b'{"sent_at": ', headers=kiosk)
    assert broken.status_code == 400
    assert broken.json()["detail"].startswith("malformed JSON: ")
    not_utf8 = client.post(f"{API}/enroll", content=b'{"token": "\xff"}', headers=kiosk)
    assert not_utf8.status_code == 400
    assert not_utf8.json()["detail"].startswith("malformed JSON: ")
    wrong = client.post(f"{API}/heartbeat", json={"sent_at": "yesterday"}, headers=kiosk)
    assert wrong.status_code == 422
    assert "sent_at" in wrong.json()["detail"]
    form = kiosk | {"Content-Type": "application/x-www-form-urlencoded"}
    unlabelled = client.post(f"{API}/heartbeat", content=b'{"sent_at": "x"}', headers=form)
    assert unlabelled.status_code == 415
    assert "Content-Type: application/json" in unlabelled.json()["detail"]
    counts = {"hours": [{"hour": "2026-11-21T13", "metric": "touch", "count": "many"}]}
    assert client.put(f"{API}/stats", json=counts, headers=kiosk).status_code == 422


def test_oversized_json_body_is_413_before_it_is_read(env: HubEnv, client) -> None:
    kiosk = bearer(env.kiosk_token("rynek")) | {"Content-Type": "application/json"}
    big = b'{"sent_at": "' + b"x" * (1024 * 1024) + b'"}'
    answer = client.post(f"{API}/heartbeat", content=big, headers=kiosk)
    assert answer.status_code == 413
    assert "1 MiB" in answer.json()["detail"]


def test_oversized_streamed_body_is_cut_off_at_the_limit(env: HubEnv) -> None:
    """Chunked, no Content-Length: counted as it arrives, refused once over 1 MiB."""
    kiosk = bearer(env.kiosk_token("rynek")) | {"Content-Type": "application/json"}

    def chunks():
        yield b'{"sent_at": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    with LiveServer(env.app) as live:
        answer = httpx.post(f"{live.url}{API}/heartbeat", content=chunks(), headers=kiosk)
    assert answer.status_code == 413


# --- content ------------------------------------------------------------------------------


def test_publishing_over_http_then_a_signed_manifest(env: HubEnv, client, release: Path) -> None:
    # An administrator's token: the first release decides where each category's reports go.
    staff = bearer(env.token("admin", name="Anna"))
    local = validate_json(Manifest, (release / "manifest.json").read_bytes())
    wanted = {"files": [{"sha256": f.sha256, "size": f.size} for f in local.files]}
    missing = client.post(f"{API}/publish/missing", json=wanted, headers=staff).json()["missing"]
    assert sorted(missing) == sorted({f.sha256 for f in local.files})
    for entry in local.files:
        data = (release / entry.path).read_bytes()
        put = client.put(f"{API}/blobs/{entry.sha256}", content=data, headers=staff)
        assert put.status_code == 201, put.text
    assert client.post(f"{API}/publish/missing", json=wanted, headers=staff).json() == {
        "missing": []
    }
    files = {"files": [to_data(f) for f in local.files]}
    created = client.post(f"{API}/releases", json=files, headers=staff)
    assert created.status_code == 201 and created.json() == {"version": 1}

    enrolled = client.post(f"{API}/enroll", json={"token": env.kiosk("rynek")}).json()
    kiosk = bearer(enrolled["kiosk_token"])
    answer = client.get(f"{API}/manifest", headers=kiosk)
    assert answer.status_code == 200
    body = answer.content
    signature = answer.headers["Kiosk-Signature"]
    assert signature.startswith("ed25519=")
    assert verify(enrolled["public_key"], body, signature)
    assert not verify(
        enrolled["public_key"], body.replace(b'"version": 1', b'"version": 9'), signature
    )
    manifest = validate_json(Manifest, body)
    assert manifest.version == 1
    assert manifest.files == local.files
    now = datetime.now(UTC)
    assert manifest.expires in (
        ceil_hour(now + timedelta(days=7)),
        ceil_hour(now + timedelta(days=7, minutes=1)),
    )
    assert manifest.expires.minute == manifest.expires.second == 0

    etag = answer.headers["ETag"]
    unchanged = client.get(f"{API}/manifest", headers=kiosk | {"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    client.post(f"{API}/releases", json=files, headers=staff)
    changed = client.get(f"{API}/manifest", headers=kiosk | {"If-None-Match": etag})
    assert changed.status_code == 200
    assert validate_json(Manifest, changed.content).version == 2
    listed = client.get(f"{API}/releases", headers=staff).json()["releases"]
    assert [(r["version"], r["published_by"]) for r in listed] == [(2, "Anna"), (1, "Anna")]


def test_rollback_republishes_an_old_release_as_a_higher_version(
    env: HubEnv, client, release: Path
) -> None:
    env.publish_release(release)
    env.publish_release(release)
    admin = bearer(env.token("admin"))
    answer = client.post(f"{API}/releases/1/activate", headers=admin)
    assert answer.status_code == 201
    assert answer.json() == {"version": 3, "copy_of": 1}
    assert client.post(f"{API}/releases/99/activate", headers=admin).status_code == 404
    editor = bearer(env.token("editor"))
    assert client.post(f"{API}/releases/1/activate", headers=editor).status_code == 403


def test_a_release_with_missing_blobs_or_invalid_content_is_refused(
    env: HubEnv, client, release: Path
) -> None:
    staff = bearer(env.token("editor"))
    local = validate_json(Manifest, (release / "manifest.json").read_bytes())
    files = {"files": [to_data(f) for f in local.files]}
    missing = client.post(f"{API}/releases", json=files, headers=staff)
    assert missing.status_code == 422
    assert any("has not been uploaded" in p for p in missing.json()["problems"])

    content = json.loads((release / "content.json").read_bytes())
    content["settings"]["location"]["lat"] = 123
    del content["services"][0]["title"]
    bad = json.dumps(content).encode()
    digest = env.hub.blobs.put(bad)
    entries = [{"path": "content.json", "sha256": digest, "size": len(bad)}]
    refused = client.post(f"{API}/releases", json={"files": entries}, headers=staff)
    assert refused.status_code == 422
    problems = refused.json()["problems"]
    assert any("settings.location.lat" in p for p in problems)
    assert any("services.0.title" in p for p in problems)
    escaping = [{"path": "../etc/passwd", "sha256": digest, "size": len(bad)}]
    assert (
        client.post(f"{API}/releases", json={"files": escaping}, headers=staff).status_code == 422
    )
    assert client.get(f"{API}/releases", headers=staff).json() == {"releases": []}


def test_blob_upload_checks_hash_and_size(env: HubEnv, client) -> None:
    staff = bearer(env.token("editor"))
    data = b"panorama bytes" * 1000
    wrong = client.put(f"{API}/blobs/{sha256(b'other')}", content=data, headers=staff)
    assert wrong.status_code == 400
    assert "does not match" in wrong.json()["detail"]
    assert client.put(f"{API}/blobs/not-a-hash", content=data, headers=staff).status_code == 400
    assert not env.hub.blobs.has(sha256(b"other"))
    assert list(env.hub.blobs.tmp_dir.iterdir()) == []
    assert client.put(f"{API}/blobs/{sha256(data)}", content=data, headers=staff).status_code == 201
    assert env.hub.blobs.read(sha256(data)) == data


def test_blob_download_resumes_with_range(env: HubEnv) -> None:
    data = bytes(range(256)) * 400
    digest = env.hub.blobs.put(data)
    with LiveServer(env.app) as live:
        url = f"{live.url}{API}/blobs/{digest}"
        whole = httpx.get(url)
        part = httpx.get(url, headers={"Range": "bytes=60000-"})
        unknown = httpx.get(f"{live.url}{API}/blobs/{sha256(b'none')}")
    assert whole.status_code == 200 and whole.content == data
    assert "immutable" in whole.headers["Cache-Control"]
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 60000-{len(data) - 1}/{len(data)}"
    assert data[:60000] + part.content == data
    assert unknown.status_code == 404


# --- reports, statistics, heartbeats ------------------------------------------------------


def test_reports_are_idempotent_per_kiosk_and_uuid(env: HubEnv, client, release: Path) -> None:
    env.publish_release(release)
    kiosk = env.kiosk_token("rynek")
    body = report_body()
    first = post_report(client, kiosk, body)
    assert first.status_code == 201
    # A retry, serialised differently (key order), gets the original answer.
    replay = client.post(
        f"{API}/reports",
        content=json.dumps(dict(reversed(body.items()))),
        headers=bearer(kiosk)
        | {"Idempotency-Key": body["uuid"].upper(), "Content-Type": "application/json"},
    )
    assert replay.status_code == 200
    assert replay.json() == first.json()
    with env.hub.transaction(write=False) as conn:
        count = conn.scalar(select(func.count()).where(reports.c.uuid == body["uuid"]))
    assert count == 1

    changed = post_report(client, kiosk, body | {"description": "Zupełnie inna treść"})
    assert changed.status_code == 409
    # A category the hub does not know, a point off the globe: kept (see test_hub_intake.py).
    assert post_report(client, kiosk, report_body(service_code="ufo")).status_code == 201
    assert post_report(client, kiosk, report_body(lat=91)).status_code == 201
    other = report_body()
    assert post_report(client, kiosk, other, key=str(uuid.uuid4())).status_code == 400
    no_key = client.post(f"{API}/reports", json=other, headers=bearer(kiosk))
    assert no_key.status_code == 400
    no_uuid = report_body()
    del no_uuid["uuid"]
    assert post_report(client, kiosk, no_uuid, key=other["uuid"]).status_code == 422


def test_stats_uploaded_again_never_double_count(env: HubEnv, client) -> None:
    kiosk = bearer(env.kiosk_token("rynek"))
    hours = [
        {"hour": "2026-11-21T13", "metric": "touch", "key": "home", "count": 42},
        {"hour": "2026-11-21T13", "metric": "session", "key": "", "count": 7},
        {
            "hour": "2026-11-21T14",
            "metric": "touch",
            "key": "home",
            "count": 8,
            "clock_synced": False,
        },
    ]
    upload = {"sent_at": datetime.now(UTC).isoformat(), "hours": hours}
    for _ in range(3):
        answer = client.put(f"{API}/stats", json=upload, headers=kiosk)
        assert answer.status_code == 200 and answer.json() == {"stored": 3}

    def totals():
        with env.hub.transaction(write=False) as conn:
            rows = aggregate(conn, datetime(2026, 11, 21).date(), datetime(2026, 11, 21).date())
        return {(r.metric, r.key): (r.count, r.clock_synced) for r in rows}

    assert totals() == {("session", ""): (7, True), ("touch", "home"): (50, False)}
    hours[0]["count"] = 45  # the kiosk counted late touches: the new total replaces the old
    client.put(f"{API}/stats", json=upload, headers=kiosk)
    assert totals()[("touch", "home")] == (53, False)
    bad = {"hours": [{"hour": "2026-11-21 13:00", "metric": "touch", "count": 1}]}
    assert client.put(f"{API}/stats", json=bad, headers=kiosk).status_code == 422


def test_heartbeat_records_clock_skew_and_fleet_status(env: HubEnv, client) -> None:
    kiosk = bearer(env.kiosk_token("rynek"))
    env.kiosk_token("cisza")  # enrolled, never heard from
    behind = datetime.now(UTC) - timedelta(seconds=90)
    beat = {
        "sent_at": behind.isoformat(),
        "content_version": 7,
        "outbox_depth": 2,
        "last_touch": behind.isoformat(),
        "uptime": 3600,
        "app_version": "0.1.0",
        "errors": ["release 8 failed to load"],
    }
    answer = client.post(f"{API}/heartbeat", json=beat, headers=kiosk)
    assert answer.status_code == 200
    server_time = datetime.fromisoformat(answer.json()["server_time"])
    assert abs((server_time - datetime.now(UTC)).total_seconds()) < 5

    admin = bearer(env.token("admin"))
    fleet = {k["kiosk_id"]: k for k in client.get(f"{API}/kiosks", headers=admin).json()["kiosks"]}
    assert 85 < fleet["rynek"]["skew"] < 100
    assert fleet["rynek"]["content_version"] == 7
    assert fleet["rynek"]["outbox_depth"] == 2
    assert fleet["rynek"]["errors"] == ["release 8 failed to load"]
    assert fleet["rynek"]["offline"] is False
    assert fleet["cisza"]["offline"] is True and fleet["cisza"]["last_seen"] is None

    env.hub.clock = lambda: datetime.now(UTC) + timedelta(minutes=20)
    later = client.get(f"{API}/kiosks", headers=admin).json()["kiosks"]
    assert all(k["offline"] for k in later)
    recent = client.get(f"{API}/kiosks?offline_after=30", headers=admin).json()["kiosks"]
    assert {k["kiosk_id"]: k["offline"] for k in recent} == {"cisza": True, "rynek": False}


def test_a_nul_character_never_makes_a_report_undeliverable(
    env: HubEnv, client, release: Path
) -> None:
    # PostgreSQL cannot store NUL; a kiosk would retry a refused report forever.
    env.publish_release(release)
    kiosk = env.kiosk_token("rynek")
    body = report_body(description="Latarnia\x00 nie świeci", address_string="Rynek\x005")
    assert post_report(client, kiosk, body).status_code == 201
    with env.hub.transaction(write=False) as conn:
        row = conn.execute(select(reports.c.description, reports.c.address_string)).one()
    assert tuple(row) == ("Latarnia nie świeci", "Rynek5")
