"""The spec's documents, in XML (xml.etree) and JSON, from one description of each.

A document is a tree of ordered fields (a dict, one element each, in the spec's order)
and of `Array`s (a container whose children are all one element: `services`/`service`).
XML comes out as the spec's examples; JSON follows the spec's Spark convention: an Array
is a JSON list even with one item, the root container is the list itself, and an empty
element is null.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from hub.reports.open311.requests import PublicRequest
from hub.reports.open311.services import Definition, Service
from hub.times import local

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot carry at all, even escaped (a kiosk report may hold one)."""
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


@dataclass(frozen=True)
class Array:
    item: str
    items: list


Node = dict[str, Any] | Array


def render(root: str, node: Node, fmt: str) -> tuple[bytes, str]:
    """(body, Content-Type) of a document in `fmt` (xml or json)."""
    if fmt == "json":
        body = json.dumps(_json(node), ensure_ascii=False, separators=(",", ":"))
        return body.encode(), FORMATS["json"]
    element = ET.Element(root)
    _fill(element, node)
    ET.indent(element)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode(), FORMATS["xml"]


def _fill(element: ET.Element, node: Any) -> None:
    if isinstance(node, Array):
        for item in node.items:
            _fill(ET.SubElement(element, node.item), item)
    elif isinstance(node, dict):
        for name, value in node.items():
            _fill(ET.SubElement(element, name), value)
    elif node is not None:
        element.text = _text(node)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return NOT_XML.sub("", str(value))


def _json(node: Any) -> Any:
    if isinstance(node, Array):
        return [_json(item) for item in node.items]
    if isinstance(node, dict):
        return {name: _json(value) for name, value in node.items()}
    return None if node == "" else node


def w3(moment: datetime | None, zone: tzinfo) -> str | None:
    """`2010-01-01T09:30:00+01:00`: the municipality's local time, its offset included."""
    return local(moment, zone).isoformat(timespec="seconds") if moment else None


# --- the documents -------------------------------------------------------------------------


def discovery(changeset: str, contact: str, key_service: str, url: str) -> tuple[str, Node]:
    endpoint = {
        "specification": SPECIFICATION,
        "url": url,
        "changeset": changeset,
        "type": "production",
        "formats": Array("format", ["text/xml", "application/json"]),
    }
    return "discovery", {
        "changeset": changeset,
        "contact": contact,
        "key_service": key_service,
        "endpoints": Array("endpoint", [endpoint]),
    }


def services(items: Iterable[Service]) -> tuple[str, Node]:
    rows = [
        {
            "service_code": s.service_code,
            "service_name": s.service_name,
            "description": s.description,
            "metadata": s.metadata,
            "type": s.type,
            "keywords": s.keywords,
            "group": s.group,
        }
        for s in items
    ]
    return "services", Array("service", rows)


def definition(d: Definition) -> tuple[str, Node]:
    attributes = [
        {
            "variable": a.variable,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.datatype_description,
            "order": a.order,
            "description": a.description,
            "values": Array("value", [{"key": k, "name": n} for k, n in a.values]),
        }
        for a in d.attributes
    ]
    return "service_definition", {
        "service_code": d.service_code,
        "attributes": Array("attribute", attributes),
    }


def created(
    service_request_id: str | None, token: str | None, notice: str, account_id: str | None
) -> tuple[str, Node]:
    """POST's answer: the id (realtime), or a token (batch), or neither (blackbox)."""
    row: dict[str, Any] = {}
    if service_request_id is not None:
        row["service_request_id"] = service_request_id
    if token is not None:
        row["token"] = token
    row["service_notice"] = notice
    row["account_id"] = account_id
    return "service_requests", Array("request", [row])


def requests(items: Iterable[PublicRequest], zone: tzinfo) -> tuple[str, Node]:
    rows = [
        {
            "service_request_id": r.service_request_id,
            "status": r.status,
            "status_notes": r.status_notes,
            "service_name": r.service_name,
            "service_code": r.service_code,
            "description": r.description,
            "agency_responsible": r.agency_responsible,
            "service_notice": None,
            "requested_datetime": w3(r.requested, zone),
            "updated_datetime": w3(r.updated, zone),
            "expected_datetime": None,
            "address": r.address,
            "address_id": None,
            "zipcode": None,
            "lat": r.lat,
            "long": r.long,
            "media_url": r.media_url,
            "device_id": r.device_id,
        }
        for r in items
    ]
    return "service_requests", Array("request", rows)


def token(service_request_id: str, token: str) -> tuple[str, Node]:
    row = {"service_request_id": service_request_id, "token": token}
    return "service_requests", Array("request", [row])


def errors(pairs: Iterable[tuple[int, str]]) -> tuple[str, Node]:
    rows = [{"code": code, "description": description} for code, description in pairs]
    return "errors", Array("error", rows)
