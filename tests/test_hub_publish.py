"""`kiosk-hub publish` against a live hub: build locally, upload only what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.content.releases import latest
from tests.conftest import tiny_png, write_tree
from tests.hubtools import CountingApp, HubEnv, LiveServer

BLOB_PUT = ("PUT", "/api/v1/blobs/")


@pytest.fixture
def live(tmp_path: Path):
    env = HubEnv.create(tmp_path / "hub")
    counting = CountingApp(env.app)
    with LiveServer(counting) as server:
        server.env, server.counts = env, counting.counts
        yield server
    env.hub.close()


def publish(live, src: Path, token: str | None = None):
    token = token or live.env.token("admin", name="Anna")
    return CliRunner().invoke(main, ["publish", str(src), "--hub", live.url, "--token", token])


def test_publish_uploads_only_what_changed(live, tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src")
    first = publish(live, src)
    assert first.exit_code == 0, first.output
    assert "Uploading 3 of 3 files" in first.stdout
    assert first.stdout.strip().endswith("Published release 1")
    assert live.counts[BLOB_PUT] == 3

    services = src / "services" / "documents.yaml"
    services.write_text(services.read_text().replace("17 zł", "18 zł"), encoding="utf-8")
    second = publish(live, src)
    assert second.exit_code == 0, second.output
    assert live.counts[BLOB_PUT] == 4  # content.json alone; both images were already there
    assert "Published release 2" in second.stdout

    (src / "media" / "logo.png").write_bytes(tiny_png((10, 20, 30)))
    third = publish(live, src)
    assert third.exit_code == 0, third.output
    # The new logo, and content.json, which names media by content; not the unchanged map.
    assert live.counts[BLOB_PUT] == 6
    assert "Published release 3" in third.stdout
    with live.env.hub.transaction(write=False) as conn:
        release = latest(conn)
    assert release.version == 3
    assert len(release.files) == 3


def test_invalid_content_is_reported_and_nothing_is_sent(live, tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src")
    (src / "settings.yaml").write_text(
        (src / "settings.yaml").read_text().replace("lat: 50.3", "lat: 250.3"), encoding="utf-8"
    )
    (src / "report_categories.yaml").unlink()
    result = publish(live, src)
    assert result.exit_code == 1
    assert "settings.yaml:4: location.lat:" in result.stderr
    assert "report_categories.yaml: no such file" in result.stderr
    assert "nothing was published" in result.stderr
    assert sum(live.counts.values()) == 0
    with live.env.hub.transaction(write=False) as conn:
        assert latest(conn) is None


def test_a_refused_token_is_a_clear_error(live, tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src")
    wrong = publish(live, src, token="not-a-token")
    assert wrong.exit_code == 1
    assert "401" in wrong.stderr and "unknown or revoked token" in wrong.stderr
    kiosk = publish(live, src, token=live.env.kiosk_token("rynek"))
    assert kiosk.exit_code == 1
    assert "403" in kiosk.stderr
    assert live.counts[BLOB_PUT] == 0
