"""Open311 GeoReport v2, reading: discovery, services, service definitions, requests and
their windows, filters and pages, in XML and JSON, against the spec's field lists; every
error answered as the spec's error list. Filing requests: test_open311_post.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import update

from hub.db import reports
from kiosk_core.content.model import LANGUAGES
from kiosk_core.content.problems import ContentError
from kiosk_core.content.source import load_source
from tests.conftest import SAMPLE_CONTENT, write_tree
from tests.hubtools import bearer, report_body
from tests.open311tools import (
    ATTRIBUTE,
    CATEGORIES,
    DEFINITION,
    DISCOVERY,
    ENDPOINT,
    EXTENSIONS,
    JURISDICTION,
    PUBLIC_URL,
    REQUEST,
    SERVICE,
    TIMEOUT,
    VALUE,
    W3_DATETIME,
    Open311Hub,
    errors_of,
    json_of,
    open311_hub,
    tags,
    xml_of,
)

WARSAW = ZoneInfo("Europe/Warsaw")
PERSONAL = ("jan.kowalski@example.org", "+48600100200", "Jan", "Kowalski", "secret-status-token")


@pytest.fixture
def o311(tmp_path: Path) -> Open311Hub:
    with open311_hub(tmp_path) as hub:
        yield hub


def ids_of(response: requests.Response) -> list[str]:
    if response.headers["Content-Type"].startswith("text/xml"):
        root = xml_of(response)
        assert root.tag == "service_requests"
        return [r.findtext("service_request_id") for r in root]
    return [r["service_request_id"] for r in json_of(response)]


# --- discovery and services ------------------------------------------------------------------


def test_discovery_names_this_endpoint_in_xml_and_json(o311: Open311Hub) -> None:
    root = xml_of(o311.get("discovery.xml"))
    assert root.tag == "discovery"
    assert tags(root) == DISCOVERY
    assert "urzad@example.org" in root.findtext("contact")
    assert "--role open311" in root.findtext("key_service")
    [endpoint] = root.find("endpoints")
    assert endpoint.tag == "endpoint"
    assert tags(endpoint) == ENDPOINT
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == f"{PUBLIC_URL}/open311/v2"
    assert endpoint.findtext("type") == "production"
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert W3_DATETIME.match(root.findtext("changeset"))

    doc = json_of(o311.get("discovery.json"))
    assert list(doc) == DISCOVERY
    assert list(doc["endpoints"][0]) == ENDPOINT
    assert doc["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert doc["changeset"] == root.findtext("changeset")


def test_services_list_the_offered_categories_with_the_spec_fields(o311: Open311Hub) -> None:
    root = xml_of(o311.get("services.xml"))
    assert root.tag == "services"
    assert {s.tag for s in root} == {"service"}
    for service in root:
        assert tags(service) == SERVICE
    by_code = {s.findtext("service_code"): s for s in root}
    # The category whose validity ended is not offered.
    assert list(by_code) == ["lampa", "smieci", "idea", "anonim"]
    lamp = by_code["lampa"]
    assert lamp.findtext("service_name") == "Nie świeci latarnia"
    assert lamp.findtext("description") == "Lampa nie świeci lub mruga."
    assert lamp.findtext("keywords") == "latarnia, lampa"
    assert lamp.findtext("group") == "Oświetlenie"
    assert [by_code[c].findtext("metadata") for c in by_code] == ["true", "true", "false", "false"]
    assert [by_code[c].findtext("type") for c in by_code] == [
        "realtime",
        "realtime",
        "batch",
        "blackbox",
    ]

    listed = json_of(o311.get("services.json"))
    assert [list(s) for s in listed] == [SERVICE] * 4
    assert [s["metadata"] for s in listed] == [True, True, False, False]
    assert listed[0]["service_name"] == "Nie świeci latarnia"
    # An empty element in XML is null in JSON (the spec's Spark convention).
    assert by_code["idea"].findtext("description") == ""
    assert listed[2]["description"] is None


def test_services_in_the_language_asked_for(o311: Open311Hub) -> None:
    english = json_of(o311.get("services.json", locale="en"))
    assert english[0]["service_name"] == "Street lamp out"
    assert english[0]["keywords"] == "street light, lamp"
    assert english[0]["group"] == "Lighting"
    german = json_of(o311.get("services.json", locale="de-AT"))
    assert german[0]["service_name"] == "Laterne defekt"
    assert german[0]["group"] == "Oświetlenie"  # no German given: Polish
    assert json_of(o311.get("services.json", locale=""))[0]["service_name"].startswith("Nie")
    wrong = o311.get("services.json", locale="fr")
    assert wrong.status_code == 400
    [(code, description)] = errors_of(wrong)
    assert code == 400 and "locale 'fr'" in description


def test_service_definition_lists_attributes_in_their_order(o311: Open311Hub) -> None:
    root = xml_of(o311.get("services/smieci.xml"))
    assert root.tag == "service_definition"
    assert tags(root) == DEFINITION
    assert root.findtext("service_code") == "smieci"
    attributes = root.find("attributes")
    assert {a.tag for a in attributes} == {"attribute"}
    for attribute in attributes:
        assert tags(attribute) == ATTRIBUTE
    assert [a.findtext("code") for a in attributes] == ["kind", "bags", "extras", "seen", "details"]
    assert [a.findtext("order") for a in attributes] == ["1", "2", "3", "4", "5"]
    kind = attributes[0]
    assert kind.findtext("datatype") == "singlevaluelist"
    assert kind.findtext("required") == "true"
    assert kind.findtext("variable") == "true"
    assert kind.findtext("description") == "Jakie odpady?"
    values = kind.find("values")
    assert {v.tag for v in values} == {"value"}
    assert [tags(v) for v in values] == [VALUE, VALUE]
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
        ("tyres", "Opony"),
        ("rubble", "Gruz"),
    ]
    assert len(attributes[1].find("values")) == 0

    doc = json_of(o311.get("services/smieci.json", locale="en"))
    assert list(doc) == DEFINITION
    assert [list(a) for a in doc["attributes"]] == [ATTRIBUTE] * 5
    kind = doc["attributes"][0]
    assert kind["required"] is True and kind["variable"] is True and kind["order"] == 1
    assert kind["description"] == "What kind of waste?"
    assert kind["values"] == [
        {"key": "tyres", "name": "Tyres"},
        {"key": "rubble", "name": "Rubble"},
    ]
    assert doc["attributes"][1]["values"] == []

    lamp = json_of(o311.get("services/lampa.json"))["attributes"]
    assert [(a["code"], a["variable"], a["order"]) for a in lamp] == [
        ("note", False, 1),
        ("pole", True, 2),
    ]
    assert lamp[1]["datatype_description"] == "np. 12/345"
    assert lamp[0]["datatype_description"] is None
    # A service with no questions has an empty definition.
    assert json_of(o311.get("services/idea.json"))["attributes"] == []


def test_unknown_or_withdrawn_service_is_404(o311: Open311Hub) -> None:
    for code in ("nie-ma", "dozynki"):
        for fmt in ("xml", "json"):
            answer = o311.get(f"services/{code}.{fmt}")
            assert answer.status_code == 404
            [(status, description)] = errors_of(answer)
            assert status == 404 and code in description


# --- requests: what anyone may read ------------------------------------------------------------


def test_kiosk_report_shows_its_kiosk_as_device_id_and_nothing_personal(o311: Open311Hub) -> None:
    kiosk = o311.env.kiosk_token("rynek")
    report = report_body(
        status_token="secret-status-token-from-kiosk",
        address_string="ul. Rynek 5",
        email="jan.kowalski@example.org",
        phone="+48600100200",
        first_name="Jan",
        last_name="Kowalski",
    )
    api = o311.url.replace("/open311/v2", "/api/v1")
    headers = bearer(kiosk) | {"Idempotency-Key": report["uuid"]}
    filed = requests.post(f"{api}/reports", json=report, headers=headers, timeout=TIMEOUT)
    assert filed.status_code == 201, filed.text
    rid = filed.json()["service_request_id"]
    window = {"start_date": "2026-11-20T00:00:00Z", "end_date": "2026-11-22T00:00:00Z"}

    for path in (f"requests/{rid}.xml", "requests.xml"):
        answer = o311.get(path, **window)
        root = xml_of(answer)
        [request] = root
        assert request.tag == "request"
        assert tags(request) == REQUEST + EXTENSIONS
        assert request.findtext("service_request_id") == rid
        assert request.findtext("device_id") == "rynek"
        assert request.findtext("status") == "open"
        assert request.findtext("service_name") == "Nie świeci latarnia"
        assert request.findtext("agency_responsible") == "Referat Gospodarki Komunalnej"
        # By default the category keeps the description (until staff publish it) and the
        # typed address from the public, and shows the place to about 100 m.
        assert request.findtext("address") == ""
        assert request.findtext("description") == ""
        # Filed at 14:00 UTC in November: 15:00 in Warsaw, with its offset.
        assert request.findtext("requested_datetime") == "2026-11-21T15:00:00+01:00"
        assert W3_DATETIME.match(request.findtext("updated_datetime"))
        assert request.findtext("expected_datetime") == ""
        assert float(request.findtext("lat")) == 50.3
        for secret in (*PERSONAL, "secret-status-token-from-kiosk"):
            assert secret not in answer.text

    for path in (f"requests/{rid}.json", "requests.json"):
        answer = o311.get(path, **window)
        [request] = json_of(answer)
        assert list(request) == REQUEST + EXTENSIONS
        assert request["device_id"] == "rynek"
        assert request["lat"] == 50.3 and request["long"] == 16.88
        assert request["requested_datetime"] == "2026-11-21T15:00:00+01:00"
        assert request["expected_datetime"] is None
        for secret in (*PERSONAL, "secret-status-token-from-kiosk"):
            assert secret not in answer.text


def test_answer_status_and_update_time_are_shown(o311: Open311Hub) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    done = o311.add_report(now - timedelta(days=3))
    busy = o311.add_report(now - timedelta(days=2))
    with o311.env.hub.transaction() as conn:
        conn.execute(
            update(reports)
            .where(reports.c.id == done)
            .values(
                status="closed",
                status_notes="Lampę wymieniono.",
                updated="2026-01-05T09:00:00+00:00",
                closed="2026-01-05T09:00:00+00:00",
            )
        )
        conn.execute(update(reports).where(reports.c.id == busy).values(status="in_progress"))
    closed = json_of(o311.get(f"requests/{done}.json"))[0]
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "Lampę wymieniono."
    assert closed["updated_datetime"] == "2026-01-05T10:00:00+01:00"
    working = xml_of(o311.get(f"requests/{busy}.xml"))[0]
    # Open311 knows open and closed only: in progress is open.
    assert working.findtext("status") == "open"
    assert working.findtext("status_notes") == ""
    received = (now - timedelta(days=2)).astimezone(WARSAW).isoformat()
    assert working.findtext("updated_datetime") == received


def test_default_query_is_the_last_90_days_and_at_most_1000(o311: Open311Hub) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    old = o311.add_reports([now - timedelta(days=91), now - timedelta(days=200)])
    recent = o311.add_reports([now - timedelta(minutes=10 * i) for i in range(1, 1006)])
    default = ids_of(o311.get("requests.xml"))
    # Newest first: the 1000 most recent; nothing older than 90 days.
    assert default == [str(i) for i in recent[:1000]]
    assert ids_of(o311.get("requests.json")) == default
    rest = ids_of(o311.get("requests.json", page=2))
    assert rest == [str(i) for i in recent[1000:]]
    assert not {str(i) for i in old} & set(default + rest)


def test_dates_choose_the_window_and_may_span_90_days_at_most(o311: Open311Hub) -> None:
    a, b, c = o311.add_reports(
        [
            datetime(2026, 3, 1, 12, tzinfo=UTC),
            datetime(2026, 4, 15, 12, tzinfo=UTC),
            datetime(2026, 7, 1, 12, tzinfo=UTC),
        ]
    )
    span = {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-05-01T00:00:00+02:00"}
    assert ids_of(o311.get("requests.json", **span)) == [str(b), str(a)]
    # Only a start: the 90 days after it; only an end: the 90 days before it.
    assert ids_of(o311.get("requests.json", start_date="2026-04-01T00:00:00Z")) == [str(b)]
    assert ids_of(o311.get("requests.json", end_date="2026-07-02T00:00:00Z")) == [str(c), str(b)]
    # A time without an offset is the municipality's; "+02:00" sent unencoded becomes " 02:00".
    local = {"start_date": "2026-03-01T13:30:00", "end_date": "2026-05-01"}
    assert ids_of(o311.get("requests.json", **local)) == [str(b)]
    raw = requests.get(
        f"{o311.url}/requests.json?start_date=2026-03-01T13:00:00+01:00"
        "&end_date=2026-03-01T14:00:00+01:00",
        timeout=TIMEOUT,
    )
    assert ids_of(raw) == [str(a)]

    for params, words in (
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"}, "90 days"),
        ({"start_date": "2026-04-02T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}, "earlier"),
        ({"start_date": "yesterday"}, "not a W3C date"),
        ({"end_date": "2026-13-01T00:00:00Z"}, "not a W3C date"),
        ({"start_date": "x" * 5000}, "too long"),
        ({"status": "pending"}, "open or closed"),
    ):
        for fmt in ("xml", "json"):
            answer = o311.get(f"requests.{fmt}", **params)
            assert answer.status_code == 400, params
            [(code, description)] = errors_of(answer)
            assert code == 400 and words in description, description


def test_filters_by_service_code_and_status(o311: Open311Hub) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    lamp_open = o311.add_report(now - timedelta(hours=4))
    lamp_busy = o311.add_report(now - timedelta(hours=3), status="in_progress")
    idea_closed = o311.add_report(now - timedelta(hours=2), service_code="idea", status="closed")
    dump_open = o311.add_report(now - timedelta(hours=1), service_code="smieci")

    def found(**params) -> list[int]:
        return [int(i) for i in ids_of(o311.get("requests.json", **params))]

    assert found(status="open") == [dump_open, lamp_busy, lamp_open]
    assert found(status="closed") == [idea_closed]
    assert found(status="open,closed") == found()
    assert found(status=["closed", "open"]) == found()
    assert found(service_code="lampa") == [lamp_busy, lamp_open]
    assert found(service_code="lampa,idea", status="closed") == [idea_closed]
    assert found(service_code="nie-ma") == []


def test_service_request_id_overrides_every_other_filter(o311: Open311Hub) -> None:
    now = datetime.now(UTC)
    old = o311.add_report(now - timedelta(days=400), status="closed")
    new = o311.add_report(now - timedelta(days=1))
    asked = f"{new},{old},999999"
    answer = o311.get("requests.xml", service_request_id=asked, status="open", service_code="x")
    assert ids_of(answer) == [str(new), str(old)]
    assert ids_of(o311.get("requests.json", service_request_id=[str(old), str(new)])) == [
        str(old),
        str(new),
    ]
    bad = o311.get("requests.json", service_request_id=f"{new},DROP TABLE")
    assert bad.status_code == 400
    assert "'DROP TABLE'" in errors_of(bad)[0][1]
    many = ",".join(str(i) for i in range(1, 1002))
    assert o311.get("requests.xml", service_request_id=many).status_code == 400


def test_pages_of_requests(o311: Open311Hub) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    made = o311.add_reports([now - timedelta(hours=h) for h in range(1, 8)])
    newest_first = [str(i) for i in made]
    pages = [ids_of(o311.get("requests.json", page=p, page_size=3)) for p in (1, 2, 3, 4)]
    assert pages == [newest_first[:3], newest_first[3:6], newest_first[6:], []]
    assert ids_of(o311.get("requests.xml", page_size=3)) == newest_first[:3]
    empty = o311.get("requests.xml", page=9)
    assert xml_of(empty).tag == "service_requests" and len(xml_of(empty)) == 0
    for params in ({"page": "0"}, {"page": "x"}, {"page_size": "1001"}, {"page_size": "-1"}):
        answer = o311.get("requests.json", **params)
        assert answer.status_code == 400
        assert "whole number" in errors_of(answer)[0][1]
    twice = o311.get("requests.json", page=["1", "2"])
    assert twice.status_code == 400
    assert "more than once" in errors_of(twice)[0][1]


def test_unknown_request_token_and_resource_are_404(o311: Open311Hub) -> None:
    for path in ("requests/999999", "requests/abc", "tokens/nie-ma-takiego"):
        for fmt in ("xml", "json"):
            answer = o311.get(f"{path}.{fmt}")
            assert answer.status_code == 404, path
            [(code, description)] = errors_of(answer)
            assert code == 404 and "was not found" in description
    for path in ("nothing.json", "services", "services.html", "requests/1.csv"):
        answer = o311.get(path)
        assert answer.status_code == 404
        assert errors_of(answer)[0][0] == 404
    wrong_method = requests.delete(f"{o311.url}/requests.json", timeout=TIMEOUT)
    assert wrong_method.status_code == 405
    assert errors_of(wrong_method) == [(405, "DELETE is not allowed on /open311/v2/requests.json")]


def test_only_our_jurisdiction_is_served(o311: Open311Hub) -> None:
    for given in (JURISDICTION, "www.KIOSK.jodlow.example", ""):
        assert o311.get("services.xml", jurisdiction_id=given).status_code == 200
    for path in ("services.xml", "services/lampa.json", "requests.json", "requests/1.xml"):
        answer = o311.get(path, jurisdiction_id="sfgov.org")
        assert answer.status_code == 404, path
        [(code, description)] = errors_of(answer)
        assert code == 404 and "jurisdiction_id 'sfgov.org' was not found" in description


def test_text_xml_cannot_carry_is_left_out_of_xml_only(o311: Open311Hub) -> None:
    rid = o311.add_report(
        datetime.now(UTC), description="Lampa\x01 mruga\x0b od wczoraj", description_public=True
    )
    assert xml_of(o311.get(f"requests/{rid}.xml"))[0].findtext("description") == (
        "Lampa mruga od wczoraj"
    )
    assert json_of(o311.get(f"requests/{rid}.json"))[0]["description"] == (
        "Lampa\x01 mruga\x0b od wczoraj"
    )


# --- attributes in the content ----------------------------------------------------------------


def test_sample_categories_ask_translated_questions() -> None:
    categories = load_source(SAMPLE_CONTENT).content.report_categories
    asking = {c.service_code: c.attributes for c in categories if c.attributes}
    assert set(asking) == {"latarnia", "dzikie-wysypisko"}
    [pole] = asking["latarnia"]
    assert pole.datatype == "string" and pole.required
    [kind] = asking["dzikie-wysypisko"]
    assert kind.datatype == "singlevaluelist" and kind.required and len(kind.values) >= 3
    for attribute in (pole, kind):
        assert set(attribute.description) == set(LANGUAGES)
        for value in attribute.values:
            assert set(value.name) == set(LANGUAGES), value.key


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        (
            "    - {code: a, datatype: singlevaluelist, description: Co}\n",
            "a singlevaluelist attribute needs values to choose from",
        ),
        (
            "    - {code: a, datatype: string, description: Co, values: [{key: x, name: X}]}\n",
            "a string attribute takes no values",
        ),
        (
            "    - {code: a, datatype: string, description: Co}\n"
            "    - {code: a, datatype: text, description: Gdzie}\n",
            "two attributes have the same code",
        ),
        (
            "    - {code: a, datatype: string, description: Co, order: 2}\n"
            "    - {code: b, datatype: text, description: Gdzie}\n",
            "two attributes have the same order",
        ),
        (
            "    - {code: 'a[0]', datatype: string, description: Co}\n",
            "should match pattern",
        ),
        (
            "    - {code: a, datatype: colour, description: Co}\n",
            "datatype",
        ),
        (
            "    - {code: a, datatype: string, description: Co, variable: no, required: yes}\n",
            "cannot be required",
        ),
        (
            "    - code: a\n      datatype: multivaluelist\n      description: Co\n"
            "      values: [{key: x, name: X}, {key: x, name: Y}]\n",
            "two values have the same key",
        ),
    ],
)
def test_content_check_refuses_wrong_attributes(tmp_path: Path, attributes, message) -> None:
    src = write_tree(tmp_path / "src")
    first = CATEGORIES.split("- service_code: smieci")[0].split("  attributes:")[0]
    (src / "report_categories.yaml").write_text(
        first + "  attributes:\n" + attributes, encoding="utf-8"
    )
    with pytest.raises(ContentError) as info:
        load_source(src)
    found = [str(p) for p in info.value.problems]
    assert any("report_categories.yaml" in p and message in p for p in found), found
