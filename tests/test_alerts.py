"""The hub's alerts (core): checking a draft, storing, withdrawing, and carrying every alert
on the air in each release the hub publishes (an alert's own release, a source publish, a
roll back), on a real hub data directory."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.content import alerts, releases
from hub.db import alerts as alerts_table
from hub.errors import Conflict, NotFound
from kiosk_core.content.build import build_release
from kiosk_core.content.model import Content
from kiosk_core.validation import validate_json
from tests.conftest import write_tree
from tests.hubtools import HubEnv

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def env(tmp_path: Path):
    env = HubEnv.create(tmp_path / "hub")
    env.hub.clock = lambda: NOW
    env.kiosk("rynek", groups=["centrum"])
    env.kiosk("dworzec", name="Dworzec", groups=["centrum", "transport"])
    yield env
    env.hub.close()


@pytest.fixture
def published(env, tmp_path: Path) -> int:
    """The small test tree published as release 1 (it has one alert of its own, `woda`)."""
    build_release(write_tree(tmp_path / "src"), tmp_path / "rel")
    return env.publish_release(tmp_path / "rel")


def draft(**changes) -> alerts.AlertDraft:
    values = dict(
        severity="danger",
        text={"pl": "Ostrzeżenie przed burzą do 18:00", "uk": "Попередження про грозу"},
        valid_until=NOW + timedelta(hours=8),
    )
    return alerts.AlertDraft(**(values | changes))


def content_of(env, release: releases.Release) -> Content:
    return validate_json(Content, env.hub.blobs.read(release.content_sha256))


def stored_alerts(env) -> int:
    with env.hub.transaction(write=False) as conn:
        return conn.scalar(select(func.count()).select_from(alerts_table))


def test_every_problem_of_a_draft_is_named_and_nothing_is_stored(env) -> None:
    bad = draft(
        severity="apocalyptic",
        text={"pl": "   ", "en": "x" * 501, "uk": "ok\x07"},
        valid_until=NOW - timedelta(minutes=1),
        kiosks=["rynek", "ratusz"],
        groups=["nieznana"],
    )
    with env.hub.transaction() as conn, pytest.raises(alerts.AlertInvalid) as caught:
        alerts.create(conn, bad, NOW, "Anna")
    found = {(p.field, p.message.format(**p.values)) for p in caught.value.fields}
    assert found == {
        ("severity", "Choose how urgent the alert is."),
        ("text_pl", "The Polish text is required."),
        ("text_en", "At most 500 characters; this text has 501."),
        ("text_uk", "The text contains control characters."),
        ("valid_until", "The expiry must be in the future."),
        ("kiosks", "Unknown kiosk ratusz."),
        ("groups", "Unknown group nieznana."),
    }
    assert stored_alerts(env) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"valid_from": NOW + timedelta(hours=2), "valid_until": NOW + timedelta(hours=1)},
            "The expiry must be after the start.",
        ),
        ({"valid_until": NOW + timedelta(days=400)}, "An alert may last at most a year."),
        ({"valid_until": None}, "Enter the date and time of the expiry."),
        ({"text": {"en": "Storm"}}, "The Polish text is required."),
        ({"text": {"pl": "Burza", "fr": "Orage"}}, "Unknown language."),
    ],
)
def test_times_and_languages_are_checked(env, changes, message) -> None:
    with env.hub.transaction() as conn, pytest.raises(alerts.AlertInvalid) as caught:
        alerts.create(conn, draft(**changes), NOW, "Anna")
    assert [p.message for p in caught.value.fields] == [message]


def test_text_is_one_tidy_line_of_at_most_500_characters(env) -> None:
    text = {"pl": "  Awaria\r\n wodociągu   przy ul. Polnej ", "en": "x" * 500, "de": " "}
    with env.hub.transaction() as conn:
        alert, new = alerts.create(conn, draft(text=text), NOW, "Anna")
    assert new
    assert alert.text == {"pl": "Awaria wodociągu przy ul. Polnej", "en": "x" * 500}


def test_an_alert_publishes_a_release_that_carries_it_targeted_and_expiring(env, published) -> None:
    until = NOW + timedelta(hours=8)
    with env.hub.transaction() as conn:
        before = releases.latest(conn)
        alert, new = alerts.create(
            conn, draft(valid_until=until, kiosks=["rynek"], groups=["transport"]), NOW, "Anna"
        )
        release = releases.republish(conn, env.hub.blobs, NOW, "Anna Nowak")
    assert new and release.version == published + 1
    assert release.published_by == "Anna Nowak" and release.copy_of is None
    content = content_of(env, release)
    by_id = {a.id: a for a in content.alerts}
    assert set(by_id) == {"woda", f"hub-{alert.id}"}  # the source's own alert stays
    mine = by_id[f"hub-{alert.id}"]
    assert mine.severity == "danger"
    assert mine.text["pl"] == "Ostrzeżenie przed burzą do 18:00"
    assert mine.kiosks == ["rynek"] and mine.groups == ["transport"]
    assert mine.valid_until == until
    # Only content.json changed; every media file is the same blob as before.
    old = {f.path: f.sha256 for f in before.files if f.path != "content.json"}
    new_files = {f.path: f.sha256 for f in release.files if f.path != "content.json"}
    assert old == new_files
    assert release.content_sha256 != before.content_sha256


def test_the_same_alert_sent_twice_is_stored_once(env, published) -> None:
    with env.hub.transaction() as conn:
        first, new_first = alerts.create(conn, draft(), NOW, "Anna")
        again, new_again = alerts.create(conn, draft(), NOW, "Anna")
    assert new_first and not new_again and again.id == first.id
    assert stored_alerts(env) == 1


def test_publishing_content_or_rolling_back_keeps_the_alert(env, published, tmp_path) -> None:
    with env.hub.transaction() as conn:
        alert, _ = alerts.create(conn, draft(), NOW, "Anna")
        releases.republish(conn, env.hub.blobs, NOW, "Anna")
    # New content from the source tree, which knows nothing of the hub's alerts:
    src = write_tree(tmp_path / "src2")
    (src / "alerts.yaml").write_text("[]\n", encoding="utf-8")
    build_release(src, tmp_path / "rel2")
    version = env.publish_release(tmp_path / "rel2")
    with env.hub.transaction() as conn:
        after_publish = releases.get_release(conn, version)
        rolled = releases.activate(conn, env.hub.blobs, published, NOW, "Anna")
    assert [a.id for a in content_of(env, after_publish).alerts] == [f"hub-{alert.id}"]
    assert rolled.copy_of == published
    assert {a.id for a in content_of(env, rolled).alerts} == {"woda", f"hub-{alert.id}"}


def test_a_withdrawn_alert_is_gone_from_the_next_release_and_from_a_roll_back(
    env, published
) -> None:
    with env.hub.transaction() as conn:
        alert, _ = alerts.create(conn, draft(), NOW, "Anna")
        with_alert = releases.republish(conn, env.hub.blobs, NOW, "Anna")
        alerts.withdraw(conn, alert.id, NOW + timedelta(minutes=5))
        without = releases.republish(conn, env.hub.blobs, NOW + timedelta(minutes=5), "Anna")
        # Rolling back to the release that carried it must not bring it back.
        rolled = releases.activate(conn, env.hub.blobs, with_alert.version, NOW, "Anna")
    assert [a.id for a in content_of(env, without).alerts] == ["woda"]
    assert [a.id for a in content_of(env, rolled).alerts] == ["woda"]
    with env.hub.transaction(write=False) as conn:
        assert alerts.get_alert(conn, alert.id).state(NOW) == "withdrawn"


def test_withdrawing_twice_an_unknown_or_an_expired_alert_is_refused(env) -> None:
    with env.hub.transaction() as conn:
        alert, _ = alerts.create(conn, draft(valid_until=NOW + timedelta(hours=1)), NOW, "A")
        other, _ = alerts.create(conn, draft(text={"pl": "Inny"}), NOW, "A")
        alerts.withdraw(conn, alert.id, NOW)
        with pytest.raises(Conflict):
            alerts.withdraw(conn, alert.id, NOW)
        with pytest.raises(NotFound):
            alerts.withdraw(conn, "nie-ma", NOW)
        with pytest.raises(Conflict):
            alerts.withdraw(conn, other.id, NOW + timedelta(days=1))


def test_an_expired_alert_is_left_out_of_later_releases_and_listed_after_current_ones(
    env, published
) -> None:
    with env.hub.transaction() as conn:
        short, _ = alerts.create(conn, draft(valid_until=NOW + timedelta(hours=1)), NOW, "A")
        later = draft(text={"pl": "Utrudnienia w ruchu"}, valid_until=NOW + timedelta(hours=30))
        long, _ = alerts.create(conn, later, NOW, "A")
        soon = draft(text={"pl": "Zamknięty most"}, valid_until=NOW + timedelta(hours=3))
        soonest, _ = alerts.create(conn, soon, NOW, "A")
    two_hours_on = NOW + timedelta(hours=2)
    with env.hub.transaction() as conn:
        release = releases.republish(conn, env.hub.blobs, two_hours_on, "A")
        listed = alerts.list_alerts(conn, two_hours_on)
    ids = {a.id for a in content_of(env, release).alerts}
    assert ids == {"woda", f"hub-{long.id}", f"hub-{soonest.id}"}
    assert [a.id for a in listed] == [soonest.id, long.id, short.id]
    assert [a.state(two_hours_on) for a in listed] == ["active", "active", "expired"]


def test_merge_leaves_content_alone_without_hub_alerts_and_never_collides(env) -> None:
    content = {"alerts": [{"id": "hub-notice", "severity": "info", "text": {"pl": "Źródło"}}]}
    assert alerts.merge_alerts(content, [], NOW) is content
    with env.hub.transaction() as conn:
        alert, _ = alerts.create(conn, draft(), NOW, "A")
    merged = alerts.merge_alerts(content, [alert], NOW)
    assert [a["id"] for a in merged["alerts"]] == ["hub-notice", f"hub-{alert.id}"]
    again = alerts.merge_alerts(merged, [alert], NOW)
    assert again is merged  # merging twice changes nothing (no new content.json)
    assert content["alerts"] == [
        {"id": "hub-notice", "severity": "info", "text": {"pl": "Źródło"}}
    ]  # the input is never changed in place


def test_publishing_without_any_alerts_keeps_content_json_as_built(env, tmp_path) -> None:
    build_release(write_tree(tmp_path / "src"), tmp_path / "rel")
    built = (tmp_path / "rel" / "content.json").read_bytes()
    version = env.publish_release(tmp_path / "rel")
    with env.hub.transaction(write=False) as conn:
        release = releases.get_release(conn, version)
    assert env.hub.blobs.read(release.content_sha256) == built
    assert json.loads(built)["alerts"][0]["id"] == "woda"
