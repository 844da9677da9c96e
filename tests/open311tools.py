"""Helpers for the Open311 tests: a live hub whose report categories ask questions, and the
GeoReport v2 spec's documents as element names in order (wiki.open311.org/GeoReport_v2)."""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests
from sqlalchemy import select

from hub.db import reports
from hub.times import iso
from kiosk_core.content.build import build_release
from tests.conftest import write_tree
from tests.hubtools import HubEnv, LiveServer

PUBLIC_URL = "https://www.kiosk.jodlow.example"
JURISDICTION = "kiosk.jodlow.example"
TIMEOUT = 20

# The spec's response fields, in the order of its examples.
SERVICE = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
DEFINITION = ["service_code", "attributes"]
ATTRIBUTE = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
VALUE = ["key", "name"]
POSTED = ["service_request_id", "service_notice", "account_id"]
POSTED_BATCH = ["token", "service_notice", "account_id"]
TOKEN = ["service_request_id", "token"]
REQUEST = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
EXTENSIONS = ["device_id"]
"""Ours, after the spec's fields: the kiosk a report was filed at."""
ERROR = ["code", "description"]
DISCOVERY = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT = ["specification", "url", "changeset", "type", "formats"]
W3_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")

CATEGORIES = """\
- service_code: lampa
  name: {pl: Nie świeci latarnia, en: Street lamp out, de: Laterne defekt, uk: Не світить ліхтар}
  group: {pl: Oświetlenie, en: Lighting}
  description: {pl: Lampa nie świeci lub mruga., en: A lamp is out or flickering.}
  department: {pl: Referat Gospodarki Komunalnej, en: Municipal Services Section}
  department_email: komunalny@example.org
  keywords: {pl: [latarnia, lampa], en: [street light, lamp]}
  attributes:
    - code: note
      datatype: string
      variable: false
      description: {pl: Numer słupa jest na tabliczce., en: The pole number is on a plate.}
    - code: pole
      datatype: string
      description: {pl: Numer słupa, en: Pole number}
      datatype_description: {pl: np. 12/345, en: e.g. 12/345}
- service_code: smieci
  name: {pl: Dzikie wysypisko, en: Illegal dump}
  group: {pl: Czystość, en: Cleanliness}
  department: {pl: Referat Ochrony Środowiska, en: Environment Section}
  department_email: srodowisko@example.org
  attributes:
    - code: kind
      datatype: singlevaluelist
      required: true
      order: 1
      description: {pl: "Jakie odpady?", en: "What kind of waste?"}
      values:
        - {key: tyres, name: {pl: Opony, en: Tyres}}
        - {key: rubble, name: {pl: Gruz, en: Rubble}}
    - code: extras
      datatype: multivaluelist
      order: 3
      description: {pl: "Co jeszcze?", en: "Anything else?"}
      values:
        - {key: smell, name: {pl: Odór, en: Smell}}
        - {key: water, name: {pl: Blisko wody, en: Near water}}
        - {key: fire, name: {pl: Dym, en: Smoke}}
    - code: bags
      datatype: number
      order: 2
      description: {pl: "Ile worków?", en: "How many bags?"}
    - code: seen
      datatype: datetime
      order: 4
      description: {pl: "Kiedy je zauważono?", en: "When was it seen?"}
    - code: details
      datatype: text
      order: 5
      description: {pl: Szczegóły, en: Details}
- service_code: idea
  name: {pl: Pomysł dla miasta, en: An idea for the town}
  group: {pl: Pomysły, en: Ideas}
  department: {pl: Sekretariat Burmistrza, en: Mayor's Office}
  department_email: sekretariat@example.org
  type: batch
- service_code: anonim
  name: {pl: Anonimowa uwaga}
  group: {pl: Inne}
  department: {pl: Sekretariat}
  department_email: sekretariat@example.org
  type: blackbox
- service_code: dozynki
  name: {pl: Uwagi do dożynek 2020}
  group: {pl: Inne}
  department: {pl: Sekretariat}
  department_email: sekretariat@example.org
  valid_until: 2020-09-30T00:00:00+02:00
"""
"""Realtime, batch and blackbox services; every attribute datatype; one category that is
no longer offered."""


@dataclass
class Open311Hub:
    env: HubEnv
    url: str
    """The endpoint: …/open311/v2"""
    key: str
    """An api_key (an `open311` token named "Naprawmy To")."""

    def get(self, path: str, **params) -> requests.Response:
        return requests.get(f"{self.url}/{path}", params=params, timeout=TIMEOUT)

    def post(self, fmt: str = "json", data=None, **fields) -> requests.Response:
        """POST requests.{fmt}, form-encoded; `data` (a list of pairs) for repeated fields."""
        body = data if data is not None else {"api_key": self.key} | fields
        return requests.post(f"{self.url}/requests.{fmt}", data=body, timeout=TIMEOUT)

    def stored(self) -> list:
        with self.env.hub.transaction(write=False) as conn:
            return conn.execute(select(reports).order_by(reports.c.id)).all()

    def add_reports(self, times: list[datetime], **fields) -> list[int]:
        """Kiosk reports stored directly (for windows and paging), with contact details,
        one per creation time; returns their ids."""
        ids = []
        with self.env.hub.transaction() as conn:
            for created in times:
                values = {
                    "kiosk_id": None,
                    "uuid": str(uuid.uuid4()),
                    "body_sha256": "0" * 64,
                    "received": iso(created),
                    "created": iso(created),
                    "ref_code": "ABC-234",
                    "status_token": "secret-status-token-1234",
                    "lang": "pl",
                    "service_code": "lampa",
                    "description": "Nie świeci lampa",
                    "lat": 50.3,
                    "long": 16.88,
                    "email": "jan.kowalski@example.org",
                    "phone": "+48600100200",
                    "first_name": "Jan",
                    "last_name": "Kowalski",
                    "status": "open",
                    "source": "kiosk",
                } | fields
                ids.append(conn.execute(reports.insert().values(**values)).inserted_primary_key[0])
        return ids

    def add_report(self, created: datetime, **fields) -> int:
        return self.add_reports([created], **fields)[0]


@contextmanager
def open311_hub(root: Path, **settings) -> Iterator[Open311Hub]:
    """A live hub (uvicorn on 127.0.0.1) with CATEGORIES published and one api_key."""
    settings = {"public_url": PUBLIC_URL, "deliveries_interval": 0} | settings
    env = HubEnv.create(root / "hub", **settings)
    src = write_tree(root / "src")
    (src / "report_categories.yaml").write_text(CATEGORIES, encoding="utf-8")
    build_release(src, root / "release")
    env.publish_release(root / "release")
    key = env.token("open311", name="Naprawmy To")
    try:
        with LiveServer(env.app) as server:
            yield Open311Hub(env, f"{server.url}/open311/v2", key)
    finally:
        env.hub.close()


def xml_of(response: requests.Response) -> ET.Element:
    """The parsed XML answer, after checking what the spec requires of its bytes."""
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8", response.headers
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def json_of(response: requests.Response):
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content.decode("utf-8"))


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def errors_of(response: requests.Response) -> list[tuple[int, str]]:
    """(code, description) of an error list, in XML or JSON, checked for the spec's shape."""
    if response.headers["Content-Type"].startswith("text/xml"):
        root = xml_of(response)
        assert root.tag == "errors"
        assert root, "an error list has at least one error"
        found = []
        for error in root:
            assert error.tag == "error"
            assert tags(error) == ERROR
            found.append((int(error.findtext("code")), error.findtext("description")))
        return found
    body = json_of(response)
    assert isinstance(body, list) and body
    for error in body:
        assert list(error) == ERROR
        assert isinstance(error["code"], int) and isinstance(error["description"], str)
    return [(e["code"], e["description"]) for e in body]
