"""Open311 GeoReport v2, filing: POST requests (form-encoded, with an api_key), tokens, the
checks on every field and attribute, malformed, repeated and huge forms, the rate limit,
and routing to the department. Reading requests back: test_open311.py."""

from __future__ import annotations

import http.client
import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from sqlalchemy import select, update

from hub.accounts.tokens import token_hash
from hub.db import deliveries, tokens
from hub.settings import Smtp
from kiosk_core.refcodes import REF_ALPHABET
from tests.open311tools import (
    JURISDICTION,
    POSTED,
    POSTED_BATCH,
    REQUEST,
    TIMEOUT,
    Open311Hub,
    errors_of,
    json_of,
    open311_hub,
    tags,
    xml_of,
)

FORM = "application/x-www-form-urlencoded"
REF_CODE = re.compile(f"^[{REF_ALPHABET}]{{3}}-[{REF_ALPHABET}]{{3}}$")
CONTACT = {
    "email": "Anna.Nowak@Example.org",
    "phone": "+48 601 202 303",
    "first_name": "Anna",
    "last_name": "Nowak",
    "device_id": "phone-imei-3581234567",
}


@pytest.fixture
def o311(tmp_path: Path) -> Open311Hub:
    with open311_hub(tmp_path) as hub:
        yield hub


def refused(answer: requests.Response, status: int) -> list[str]:
    """The descriptions of an error list answered with `status`."""
    assert answer.status_code == status, answer.text
    found = errors_of(answer)
    assert {code for code, _ in found} == {status}
    return [description for _, description in found]


# --- filing -------------------------------------------------------------------------------------


def test_realtime_request_answers_its_id_and_is_stored(o311: Open311Hub) -> None:
    answer = o311.post(
        "xml",
        service_code="lampa",
        lat="50.2981",
        long="16.8772",
        address_string="ul. Polna 3, Jodłów Śląski",
        description="Lampa nie świeci\r\nod tygodnia.",
        media_url="https://img.example.org/lampa.jpg",
        account_id="konto-77",
        **{"attribute[pole]": "12/345"},
        **CONTACT,
    )
    assert answer.status_code == 200, answer.text
    root = xml_of(answer)
    assert root.tag == "service_requests"
    [request] = root
    assert request.tag == "request"
    assert tags(request) == POSTED
    rid = request.findtext("service_request_id")
    assert request.findtext("account_id") == "konto-77"

    [report] = o311.stored()
    assert str(report.id) == rid
    notice = request.findtext("service_notice")
    assert report.ref_code in notice and "Referat Gospodarki Komunalnej" in notice
    assert REF_CODE.match(report.ref_code)
    assert (report.source, report.client, report.kiosk_id) == ("open311", "Naprawmy To", None)
    assert report.service_code == "lampa" and report.status == "open" and report.lang == "pl"
    assert (report.lat, report.long) == (50.2981, 16.8772)
    assert report.description == "Lampa nie świeci\nod tygodnia."
    assert report.email == "Anna.Nowak@example.org"
    assert (report.phone, report.first_name, report.last_name) == (
        "+48 601 202 303",
        "Anna",
        "Nowak",
    )
    assert (report.device_id, report.account_id) == ("phone-imei-3581234567", "konto-77")
    assert report.media_url == "https://img.example.org/lampa.jpg"
    assert json.loads(report.attributes) == {"pole": "12/345"}
    assert len(report.status_token) >= 22 and len(report.open311_token) >= 22
    assert report.received == report.created

    # Read back by anyone: the public part only, without the phone's device id.
    for fmt in ("xml", "json"):
        shown = o311.get(f"requests/{rid}.{fmt}")
        assert shown.status_code == 200
        for secret in (*CONTACT.values(), "anna.nowak", report.status_token, "konto-77"):
            assert secret not in shown.text
    [public] = json_of(o311.get(f"requests/{rid}.json"))
    assert list(public)[: len(REQUEST)] == REQUEST
    assert public["device_id"] is None
    # The resident's words and photo wait for staff; the place is rough, without the address.
    assert (public["description"], public["media_url"], public["address"]) == (None, None, None)
    assert (public["lat"], public["long"]) == (50.298, 16.877)
    # The client that filed it reads back, with its api_key, all it sent (contact details
    # never: it has them, and nobody else may).
    for fmt in ("xml", "json"):
        own = o311.get(f"requests/{rid}.{fmt}", api_key=o311.key)
        for secret in (*CONTACT.values(), report.status_token, "konto-77"):
            assert secret not in own.text
    [own] = json_of(o311.get(f"requests/{rid}.json", api_key=o311.key))
    assert own["description"] == "Lampa nie świeci\nod tygodnia."
    assert own["media_url"] == "https://img.example.org/lampa.jpg"
    assert own["address"] == "ul. Polna 3, Jodłów Śląski"
    assert (own["lat"], own["long"]) == (50.2981, 16.8772)


def test_request_in_another_language_gets_its_notice_in_it(o311: Open311Hub) -> None:
    answer = o311.post("json", service_code="lampa", lat="50.3", long="16.9", locale="en")
    [request] = json_of(answer)
    assert list(request) == POSTED
    assert request["service_notice"].startswith("Report no. ")
    assert "Municipal Services Section" in request["service_notice"]
    assert request["account_id"] is None
    assert o311.stored()[0].lang == "en"


def test_batch_request_answers_a_token_and_tokens_gives_its_id(o311: Open311Hub) -> None:
    answer = o311.post("xml", service_code="idea", address_string="Rynek", description="Fontanna")
    [request] = xml_of(answer)
    assert tags(request) == POSTED_BATCH
    token = request.findtext("token")
    [report] = o311.stored()
    assert token == report.open311_token
    [found] = xml_of(o311.get(f"tokens/{token}.xml"))
    assert (found.tag, tags(found)) == ("request", ["service_request_id", "token"])
    assert found.findtext("service_request_id") == str(report.id)
    assert found.findtext("token") == token
    assert json_of(o311.get(f"tokens/{token}.json")) == [
        {"service_request_id": str(report.id), "token": token}
    ]
    # A blackbox service answers neither an id nor a token.
    [blind] = json_of(o311.post("json", service_code="anonim", address_string="Rynek"))
    assert list(blind) == ["service_notice", "account_id"]
    assert len(o311.stored()) == 2


def test_attribute_answers_of_every_datatype(o311: Open311Hub) -> None:
    data = [
        ("api_key", o311.key),
        ("service_code", "smieci"),
        ("address_string", "Las za cmentarzem"),
        ("attribute[kind]", "tyres"),
        ("attribute[bags]", "3.5"),
        ("attribute[extras][]", "smell"),
        ("attribute[extras][]", "water"),
        ("attribute[extras][]", "smell"),
        ("attribute[seen]", "2026-11-20T08:30:00+01:00"),
        ("attribute[details]", "Dwie sterty\r\nprzy drodze"),
    ]
    answer = o311.post("json", data=data)
    assert answer.status_code == 200, answer.text
    assert json.loads(o311.stored()[0].attributes) == {
        "kind": "tyres",
        "bags": "3.5",
        "extras": ["smell", "water"],
        "seen": "2026-11-20T08:30:00+01:00",
        "details": "Dwie sterty\nprzy drodze",
    }


def test_wrong_attribute_answers_are_all_listed_and_nothing_stored(o311: Open311Hub) -> None:
    data = [
        ("api_key", o311.key),
        ("service_code", "smieci"),
        ("address_string", "Las"),
        ("attribute[bags]", "kilka"),
        ("attribute[extras][]", "gold"),
        ("attribute[seen]", "wczoraj"),
        ("attribute[details]", "x" * 4001),
        ("attribute[colour]", "red"),
        ("attribute[", "x"),
    ]
    for fmt in ("xml", "json"):
        found = refused(o311.post(fmt, data=data), 400)
        assert len(found) == 7, found
        text = " | ".join(found)
        assert "attribute[kind] is required (Jakie odpady?)" in text
        assert "attribute[bags] must be a number" in text
        assert "attribute[extras]: 'gold' is not one of smell, water, fire" in text
        assert "attribute[seen] must be an ISO 8601 date and time" in text
        assert "attribute[details] is too long" in text
        assert "attribute[colour] is not asked by service smieci" in text
        assert "malformed field name 'attribute['" in text
    base = [("api_key", o311.key), ("service_code", "smieci"), ("address_string", "Las")]
    two = base + [("attribute[kind]", "tyres"), ("attribute[kind]", "rubble")]
    assert refused(o311.post("json", data=two), 400) == ["attribute[kind] takes one value, not 2"]
    informs = {"attribute[note]": "123"}
    info = refused(o311.post("json", service_code="lampa", address_string="Rynek", **informs), 400)
    assert info == ["attribute[note] only informs and takes no answer"]
    assert o311.stored() == []


def test_api_key_missing_wrong_revoked_or_of_another_role_is_403(o311: Open311Hub) -> None:
    staff = o311.env.token("editor")
    revoked = o311.env.token("open311", name="Stara aplikacja")
    with o311.env.hub.transaction() as conn:
        conn.execute(
            update(tokens)
            .where(tokens.c.hash == token_hash(revoked))
            .values(revoked="2026-01-01T00:00:00+00:00")
        )
    fields = {"service_code": "lampa", "lat": "50.3", "long": "16.9"}
    cases = [({}, "was not provided"), ({"api_key": ""}, "was not provided")]
    cases += [({"api_key": k}, "invalid api_key") for k in ("nope", staff, revoked, "k" * 300)]
    for key, words in cases:
        for fmt in ("xml", "json"):
            answer = requests.post(f"{o311.url}/requests.{fmt}", data=fields | key, timeout=20)
            [description] = refused(answer, 403)
            assert words in description
    assert o311.stored() == []


def test_service_code_and_jurisdiction_are_checked(o311: Open311Hub) -> None:
    place = {"lat": "50.3", "long": "16.9"}
    assert refused(o311.post("xml", **place), 400) == ["service_code was not provided"]
    assert refused(o311.post("json", service_code="", **place), 400) == [
        "service_code was not provided"
    ]
    for code in ("nie-ma", "dozynki"):
        [description] = refused(o311.post("json", service_code=code, **place), 404)
        assert f"service_code '{code}' was not found" in description
    other = o311.post("xml", service_code="lampa", jurisdiction_id="sfgov.org", **place)
    assert "jurisdiction_id 'sfgov.org' was not found" in refused(other, 404)[0]
    assert o311.stored() == []
    ours = o311.post("xml", service_code="lampa", jurisdiction_id=JURISDICTION, **place)
    assert ours.status_code == 200


def test_a_location_is_required(o311: Open311Hub) -> None:
    cases = [
        ({}, "a location is required: lat and long, address_string or address_id"),
        ({"lat": "50.3"}, "lat and long must be sent together"),
        ({"lat": "91", "long": "16.9"}, "lat must be a number from -90 to 90"),
        ({"lat": "50.3", "long": "nan"}, "long must be a number from -180 to 180"),
        ({"lat": "50,3", "long": "16.9"}, "lat must be a number"),
        ({"address_string": "ul. Polna 3\nJodłów"}, "address_string contains control"),
        ({"address_string": "x" * 251}, "address_string is too long"),
    ]
    for fields, words in cases:
        found = refused(o311.post("json", service_code="lampa", **fields), 400)
        assert any(words in f for f in found), (fields, found)
    assert o311.stored() == []
    assert o311.post("xml", service_code="lampa", address_id="A-1234").status_code == 200
    both = o311.post("xml", service_code="lampa", address_string="Polna 3", address_id="A-9")
    assert both.status_code == 200
    assert [r.address_string for r in o311.stored()] == [
        "address_id A-1234",
        "Polna 3; address_id A-9",
    ]


def test_contact_and_text_fields_are_checked(o311: Open311Hub) -> None:
    place = {"service_code": "lampa", "lat": "50.3", "long": "16.9"}
    cases = [
        ({"email": "nie-email"}, "email is not a valid e-mail address"),
        ({"phone": "zadzwoń"}, "phone must be a phone number"),
        ({"phone": "1" * 33}, "phone is too long"),
        ({"media_url": "ftp://example.org/a.jpg"}, "media_url must be an http or https URL"),
        ({"media_url": "javascript:alert(1)"}, "media_url must be an http or https URL"),
        ({"first_name": "A" * 101}, "first_name is too long (101 characters; at most 100)"),
        ({"last_name": "Nowak\x00"}, "last_name contains control characters"),
        ({"device_id": "d" * 101}, "device_id is too long"),
        ({"account_id": "a\tb\nc"}, "account_id contains control characters or line breaks"),
        ({"description": "x" * 4001}, "description is too long (4001 characters; at most 4000)"),
        ({"description": "zła\x07lampa"}, "description contains control characters"),
    ]
    for fields, words in cases:
        found = refused(o311.post("json", **place, **fields), 400)
        assert any(words in f for f in found), (fields, found)
    # Every problem at once, not one per try.
    assert len(refused(o311.post("xml", **place, email="x", phone="y", media_url="z"), 400)) == 3
    assert o311.stored() == []
    longest = o311.post("json", **place, description="ż" * 4000, email="")
    assert longest.status_code == 200, longest.text
    [report] = o311.stored()
    assert len(report.description) == 4000 and report.email is None


def test_malformed_repeated_and_huge_forms(o311: Open311Hub) -> None:
    url = f"{o311.url}/requests.json"
    good = {"api_key": o311.key, "service_code": "lampa", "lat": "50.3", "long": "16.9"}
    as_json = requests.post(url, json=good, timeout=TIMEOUT)
    assert "application/x-www-form-urlencoded" in refused(as_json, 400)[0]
    multipart = requests.post(url, files={"x": ("a.txt", b"1")}, data=good, timeout=TIMEOUT)
    assert "not 'multipart/form-data'" in refused(multipart, 400)[0]
    body = urlencode(good).encode()
    for raw, words in (
        (body + b"&description=%FF%FE", "not UTF-8"),
        (body + b"&description=\xc5", "not UTF-8"),
        (body + b"&description", "malformed"),
        (body + b"&" + b"&".join(b"f%d=1" % i for i in range(200)), "too many fields"),
    ):
        answer = requests.post(url, data=raw, headers={"Content-Type": FORM}, timeout=TIMEOUT)
        assert any(words in d for d in refused(answer, 400)), raw[-40:]
    huge = requests.post(url, data=good | {"description": "x" * 300_000}, timeout=TIMEOUT)
    assert "too large" in refused(huge, 413)[0]
    twice = list(good.items()) + [("service_code", "idea")]
    assert refused(o311.post("xml", data=twice), 400) == [
        "service_code was given more than once, with different values"
    ]
    assert o311.stored() == []
    # The same value twice is no contradiction; unknown fields are ignored.
    same = list(good.items()) + [("service_code", "lampa"), ("colour", "red")]
    assert o311.post("json", data=same).status_code == 200
    # api_key and jurisdiction_id may also come in the query string.
    query = requests.post(
        f"{url}?api_key={o311.key}&jurisdiction_id={JURISDICTION}",
        data={"service_code": "lampa", "address_string": "Rynek"},
        timeout=TIMEOUT,
    )
    assert query.status_code == 200, query.text
    assert len(o311.stored()) == 2


def test_new_request_is_routed_to_its_department(tmp_path: Path) -> None:
    smtp = Smtp(host="127.0.0.1", port=2525, sender="kioski@example.org")
    with open311_hub(tmp_path, smtp=smtp) as o311:
        answer = o311.post(
            "json", service_code="smieci", address_string="Las", **{"attribute[kind]": "rubble"}
        )
        assert answer.status_code == 200, answer.text
        [report] = o311.stored()
        with o311.env.hub.transaction(write=False) as conn:
            queued = conn.execute(
                select(deliveries.c.channel, deliveries.c.target, deliveries.c.state).where(
                    deliveries.c.report_id == report.id
                )
            ).all()
    assert [tuple(q) for q in queued] == [("email", "srodowisko@example.org", "pending")]


# --- the rate limit -----------------------------------------------------------------------------


def post_from(address: str, url: str, fields: dict) -> tuple[int, dict, bytes]:
    """POST from a given loopback address (127.0.0.x), as another client would."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=TIMEOUT, source_address=(address, 0)
    )
    try:
        conn.request("POST", parts.path, body=urlencode(fields), headers={"Content-Type": FORM})
        response = conn.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, response.read()
    finally:
        conn.close()


def test_new_requests_are_limited_per_address_and_per_api_key(tmp_path: Path) -> None:
    with open311_hub(tmp_path, open311_posts_per_minute=3) as o311:
        other_key = o311.env.token("open311", name="Inna aplikacja")
        url = f"{o311.url}/requests.xml"
        fields = {"service_code": "lampa", "lat": "50.3", "long": "16.9"}
        mine, theirs = fields | {"api_key": o311.key}, fields | {"api_key": other_key}

        # From one address: three tries a minute, good or bad; the fourth waits.
        assert post_from("127.0.0.1", url, mine)[0] == 200
        assert post_from("127.0.0.1", url, fields | {"api_key": "zły"})[0] == 403
        assert post_from("127.0.0.1", url, mine | {"lat": "x"})[0] == 400
        status, headers, body = post_from("127.0.0.1", url, theirs)
        assert status == 429
        assert 1 <= int(headers["retry-after"]) <= 60
        assert b"<code>429</code>" in body and b"too many new requests from 127.0.0.1" in body

        # From other addresses one key still files at most three a minute (its refused
        # request above counts: the key was good).
        assert post_from("127.0.0.2", url, mine)[0] == 200
        status, _headers, body = post_from("127.0.0.3", url, mine)
        assert status == 429 and b"too many new requests with this api_key" in body
        assert post_from("127.0.0.3", url, theirs)[0] == 200
        assert len(o311.stored()) == 3

        # A minute later both may file again; reading is never limited.
        later = o311.env.hub.now() + timedelta(seconds=61)
        o311.env.hub.clock = lambda: later
        assert post_from("127.0.0.1", url, mine)[0] == 200
        for _ in range(5):
            assert o311.get("requests.xml").status_code == 200
