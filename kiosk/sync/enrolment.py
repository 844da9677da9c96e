"""Enrolment: trade a one-time token for this kiosk's identity, token and the hub's key.

Everything the hub answers is kept in `DATA/enrolment.json`, readable by its owner only: the
bearer token is a secret, and the public key pinned here is what every manifest must be signed
with from now on. Enrolling again (with a new one-time token) replaces it whole.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk_core.durable import write_private

if TYPE_CHECKING:  # the HTTP client only to enrol: the kiosk's screen reads enrolment at start
    from kiosk.sync.client import HubClient

ENROLMENT_FILE = "enrolment.json"


class EnrolmentError(Exception):
    """The kiosk is not enrolled, or enrolling failed; the message says why."""


@dataclass(frozen=True)
class Enrolment:
    hub_url: str
    kiosk_id: str
    kiosk_token: str
    public_key: str
    """The hub's Ed25519 public key, base64 of its 32 raw bytes."""
    groups: list[str] = field(default_factory=list)
    location: dict | None = None

    def public_key_bytes(self) -> bytes:
        return _decode_key(self.public_key)


def _decode_key(text: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise EnrolmentError("the hub's public key is not base64") from exc
    if len(raw) != 32:
        raise EnrolmentError(f"the hub's public key has {len(raw)} bytes, not 32 (Ed25519)")
    return raw


def _from_answer(hub_url: str, data: object) -> Enrolment:
    if not isinstance(data, dict):
        raise EnrolmentError("the hub's enrolment answer is not a JSON object")
    try:
        enrolment = Enrolment(
            hub_url=hub_url.rstrip("/"),
            kiosk_id=str(data["kiosk_id"]),
            kiosk_token=str(data["kiosk_token"]),
            public_key=str(data["public_key"]),
            groups=[str(g) for g in data.get("groups") or []],
            location=data.get("location"),
        )
    except KeyError as exc:
        raise EnrolmentError(f"the hub's enrolment answer lacks {exc.args[0]!r}") from exc
    enrolment.public_key_bytes()
    return enrolment


def enroll(
    hub_url: str, one_time_token: str, data_dir: Path, client: HubClient | None = None
) -> Enrolment:
    """POST /enroll with the one-time token and keep the answer; EnrolmentError on failure."""
    from kiosk.sync.client import HubClient, HubError

    client = client or HubClient(hub_url)
    try:
        answer = client.request("POST", "/enroll", json_body={"token": one_time_token})
        enrolment = _from_answer(hub_url, answer.json())
    except HubError as exc:
        if exc.status == 401:
            raise EnrolmentError(
                "the hub refused the enrolment token: it is wrong, expired or already used "
                "(ask for a new one with `kiosk-hub kiosk add`)"
            ) from exc
        raise EnrolmentError(f"enrolment failed: {exc}") from exc
    save_enrolment(data_dir, enrolment)
    return enrolment


def save_enrolment(data_dir: Path, enrolment: Enrolment) -> Path:
    """Write enrolment.json atomically, mode 0600 from its first byte."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / ENROLMENT_FILE
    text = json.dumps(asdict(enrolment), ensure_ascii=False, indent=1) + "\n"
    write_private(path, text.encode("utf-8"))
    return path


def load_enrolment(data_dir: Path) -> Enrolment:
    path = Path(data_dir) / ENROLMENT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EnrolmentError(
            f"this kiosk is not enrolled ({path} is missing): run `kiosk enroll`"
        ) from exc
    except (OSError, ValueError) as exc:
        raise EnrolmentError(f"{path} cannot be read: {exc}") from exc
    if not isinstance(data, dict) or "hub_url" not in data:
        raise EnrolmentError(f"{path} is not an enrolment file")
    return _from_answer(data["hub_url"], data)
