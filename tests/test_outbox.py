"""Reports: validated, stored durably, idempotent, delivered through a state machine."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.infra.store import open_store
from kiosk.visit.outbox import (
    NotDiscardable,
    attention_count,
    attention_reports,
    backoff_delay,
    discard,
    due_reports,
    list_reports,
    mark_attention,
    mark_delivered,
    mark_retry,
    mark_sending,
    outbox_depth,
    retry_attention,
    save_report,
    status_url,
)
from kiosk_core.content.model import MapImage
from kiosk_core.geo import OutsideMap, latlong_to_tap, tap_to_latlong
from kiosk_core.refcodes import REF_ALPHABET
from kiosk_core.reports import MAX_DESCRIPTION, ReportDraft, ReportError

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def draft(**changes) -> ReportDraft:
    base = dict(
        service_code="lampa",
        description="Nie świeci latarnia przy ul. Polnej 3",
        lat=50.3,
        long=16.88,
    )
    return ReportDraft(**(base | changes))


@pytest.fixture
def db(tmp_path: Path):
    return open_store(tmp_path)


def test_saved_report_has_uuid_readable_code_and_token(db) -> None:
    saved = save_report(db, draft(), "rynek", "pl", NOW)
    assert len(saved.ref_code) == 7 and saved.ref_code[3] == "-"
    assert set(saved.ref_code.replace("-", "")) <= set(REF_ALPHABET)
    assert not set(saved.ref_code) & set("01OI")
    assert len(saved.status_token) >= 22
    (row,) = list_reports(db)
    assert row["uuid"] == saved.uuid
    assert row["state"] == "pending"
    assert row["kiosk_id"] == "rynek" and row["lang"] == "pl"
    assert row["created"] == "2026-11-21T12:00:00+00:00"


def test_the_same_draft_twice_is_one_report(db) -> None:
    d = draft()
    first = save_report(db, d, "rynek", "pl", NOW)
    second = save_report(db, d, "rynek", "pl", NOW + timedelta(seconds=1))
    assert first == second
    assert len(list_reports(db)) == 1


def test_codes_are_unique_per_kiosk(db) -> None:
    codes = {save_report(db, draft(), "rynek", "pl", NOW).ref_code for _ in range(300)}
    assert len(codes) == 300


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"description": ""}, "description_empty"),
        ({"description": "   \n\t  "}, "description_empty"),
        ({"description": "x" * (MAX_DESCRIPTION + 1)}, "description_too_long"),
        ({"service_code": ""}, "category_missing"),
        ({"lat": None, "long": None}, "location_missing"),
        ({"consent": True, "email": "jan@"}, "email_invalid"),
        ({"consent": True, "phone": "12"}, "phone_invalid"),
        ({"consent": True}, "contact_empty"),
        ({"address_string": " ", "lat": None, "long": None}, "address_empty"),
    ],
)
def test_bad_input_is_refused_with_a_code_and_nothing_stored(db, changes, code) -> None:
    with pytest.raises(ReportError) as info:
        save_report(db, draft(**changes), "rynek", "pl", NOW)
    assert info.value.code == code
    assert list_reports(db) == []


def test_text_is_cleaned_silently(db) -> None:
    decomposed = "Dziura w jezdni\u0301 przy szkole\x07\u202e 🚧 ".replace("Dziura", "Dziura")
    nfd = "Zgłaszam: Pan\u0303 latarnia"  # combining tilde, to be composed
    save_report(db, draft(description=decomposed), None, "pl", NOW)
    save_report(db, draft(description=nfd), None, "pl", NOW)
    rows = list_reports(db)
    texts = sorted(r["description"] for r in rows)
    assert "Dziura w jezdní przy szkole 🚧" in texts
    assert "Zgłaszam: Pañ latarnia" in texts


def test_contact_only_with_consent_and_hidden_by_default(db) -> None:
    save_report(db, draft(email="jan@example.org"), None, "pl", NOW)  # no consent: dropped
    save_report(
        db,
        draft(consent=True, first_name="Jan", email="Jan@Example.org", phone="+48 600 100 200"),
        None,
        "uk",
        NOW,
    )
    hidden = list_reports(db)
    assert all("email" not in r for r in hidden)
    full = list_reports(db, with_contact=True)
    assert sorted((r["email"] or "") for r in full) == ["", "Jan@example.org"]
    assert any(r["phone"] == "+48600100200" for r in full)


def test_address_instead_of_a_point(db) -> None:
    save_report(db, draft(lat=None, long=None, address_string="ul. Polna 3"), None, "pl", NOW)
    (row,) = list_reports(db)
    assert row["address_string"] == "ul. Polna 3" and row["lat"] is None


def test_delivery_state_machine_erases_personal_data(db) -> None:
    saved = save_report(db, draft(consent=True, email="jan@example.org"), None, "pl", NOW)
    assert [r["uuid"] for r in due_reports(db, NOW)] == [saved.uuid]
    assert outbox_depth(db) == 1
    mark_sending(db, saved.uuid)
    due = mark_retry(db, saved.uuid, "HTTP 503", NOW, random.Random(1))
    assert NOW <= due <= NOW + timedelta(seconds=30)
    assert due_reports(db, NOW - timedelta(seconds=1)) == []
    mark_sending(db, saved.uuid)
    mark_delivered(db, saved.uuid, "hub-42", NOW)
    (row,) = list_reports(db, with_contact=True)
    assert row["state"] == "delivered" and row["service_request_id"] == "hub-42"
    assert row["email"] is None and row["attempts"] == 2
    assert outbox_depth(db) == 0
    assert due_reports(db, NOW + timedelta(days=1)) == []


def test_a_refused_report_is_kept_whole_until_a_person_decides(db) -> None:
    contact = dict(consent=True, email="jan@example.org", first_name="Jan")
    saved = save_report(db, draft(**contact), None, "pl", NOW)
    mark_sending(db, saved.uuid)
    mark_attention(db, saved.uuid, "POST /reports: 409 another body under this uuid")
    mark_retry(db, saved.uuid, "late failure", NOW)  # a late answer does not move it
    (row,) = list_reports(db, with_contact=True)
    assert row["state"] == "attention" and row["last_error"].endswith(
        "another body under this uuid"
    )
    assert (row["email"], row["first_name"]) == ("jan@example.org", "Jan")
    # Not tried again by itself, and not counted as waiting to be sent.
    assert due_reports(db, NOW + timedelta(days=30)) == [] and outbox_depth(db) == 0
    assert attention_count(db) == 1
    (shown,) = attention_reports(db)
    assert (shown.ref_code, shown.service_code, shown.has_contact) == (
        saved.ref_code,
        "lampa",
        True,
    )
    assert "409" in shown.reason

    # Sent again at a person's word: due now, from a fresh count of attempts.
    assert retry_attention(db, NOW) == 1
    (row,) = list_reports(db, with_contact=True)
    assert (row["state"], row["attempts"], row["email"]) == ("pending", 0, "jan@example.org")
    assert [r["uuid"] for r in due_reports(db, NOW)] == [saved.uuid]
    assert retry_attention(db, NOW) == 0


def test_only_a_report_needing_attention_is_discarded_and_its_contact_erased(db) -> None:
    refused = save_report(db, draft(consent=True, phone="+48600100200"), None, "pl", NOW)
    waiting = save_report(db, draft(description="Druga latarnia"), None, "pl", NOW)
    mark_attention(db, refused.uuid, "POST /reports: 422 lat out of range")
    with pytest.raises(NotDiscardable, match="pending"):
        discard(db, waiting.ref_code, NOW)
    with pytest.raises(NotDiscardable, match="no report"):
        discard(db, "ZZZ-ZZZ", NOW)
    assert discard(db, refused.ref_code.lower(), NOW, note="by ewa").ref_code == refused.ref_code
    rows = {r["uuid"]: r for r in list_reports(db, with_contact=True)}
    gone = rows[refused.uuid]
    assert gone["state"] == "discarded" and gone["phone"] is None
    assert gone["description"] == "Nie świeci latarnia przy ul. Polnej 3"  # still to look up
    assert (
        gone["last_error"]
        == f"discarded {NOW.isoformat()} (by ewa): POST /reports: 422 lat out of range"
    )
    assert rows[waiting.uuid]["state"] == "pending"
    assert attention_count(db) == 0 and retry_attention(db, NOW) == 0


def test_backoff_grows_with_full_jitter() -> None:
    rng = random.Random(3)
    assert all(0 <= backoff_delay(1, rng) <= 30 for _ in range(100))
    assert max(backoff_delay(6, rng) for _ in range(200)) > 480
    assert all(backoff_delay(40, rng) <= 6 * 3600 for _ in range(100))


def test_status_url() -> None:
    assert status_url("https://hub.example.org/", "abc") == "https://hub.example.org/r/abc"
    assert status_url(None, "abc") is None


def test_map_taps_become_coordinates() -> None:
    area = MapImage(image="media/map.png", north=50.40, south=50.20, west=16.70, east=17.00)
    assert tap_to_latlong(area, 0, 0) == (50.40, 16.70)
    assert tap_to_latlong(area, 1, 1) == (50.20, 17.00)
    assert tap_to_latlong(area, 0.5, 0.25) == (50.35, 16.85)
    assert latlong_to_tap(area, 50.35, 16.85) == pytest.approx((0.5, 0.25))
    with pytest.raises(OutsideMap):
        tap_to_latlong(area, 1.01, 0.5)


def test_reports_command(db, tmp_path: Path) -> None:
    save_report(db, draft(consent=True, email="jan@example.org"), "rynek", "pl", NOW)
    out = CliRunner().invoke(main, ["reports", "--data", str(tmp_path), "--json"]).output
    assert "jan@example.org" not in out and "lampa" in out
    out = (
        CliRunner()
        .invoke(main, ["reports", "--data", str(tmp_path), "--json", "--with-contact"])
        .output
    )
    assert "jan@example.org" in out
    table = CliRunner().invoke(main, ["reports", "--data", str(tmp_path)]).output
    assert "pending" in table and "lampa" in table


def test_reports_command_sends_again_and_discards_at_an_administrators_word(
    db, tmp_path: Path
) -> None:
    first = save_report(db, draft(consent=True, email="jan@example.org"), "rynek", "pl", NOW)
    second = save_report(db, draft(description="Ławka"), "rynek", "pl", NOW)
    for saved in (first, second):
        mark_attention(db, saved.uuid, "POST /reports: 409 another body under this uuid")
    cli = CliRunner()
    table = cli.invoke(main, ["reports", "--data", str(tmp_path)]).output
    assert "attention: POST /reports: 409 another body" in table
    assert "2 report(s), 2 needing attention" in table
    # Discarding asks first; no answer, nothing happens.
    asked = cli.invoke(main, ["reports", "--data", str(tmp_path), "--discard", first.ref_code])
    assert asked.exit_code == 1 and f"Discard report {first.ref_code}?" in asked.output
    assert attention_count(db) == 2
    done = cli.invoke(
        main, ["reports", "--data", str(tmp_path), "--discard", first.ref_code], input="y\n"
    )
    assert done.exit_code == 0 and f"Discarded {first.ref_code}" in done.output
    again = cli.invoke(
        main, ["reports", "--data", str(tmp_path), "--discard", first.ref_code, "--yes"]
    )
    assert again.exit_code == 1 and "discarded, not in need of attention" in again.output
    done = cli.invoke(main, ["reports", "--data", str(tmp_path), "--retry"])
    assert "1 report(s) will be sent to the hub again" in done.output
    assert (tmp_path / "sync-now").exists()  # the agent is woken for it
    states = {r["uuid"]: r["state"] for r in list_reports(db)}
    assert states == {first.uuid: "discarded", second.uuid: "pending"}
