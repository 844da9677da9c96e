"""A problem report as a resident fills it in, checked field by field.

Errors are codes, not sentences: the screen says them in the visitor's language. What a
visitor could not have done wrong (control characters, unnormalised Unicode) is mended
silently; what they can fix gets a clear message.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field

MAX_DESCRIPTION = 4000
"""Open311 GeoReport v2 limits a description to 4,000 characters."""
MIN_DESCRIPTION = 3
MAX_NAME = 100
MAX_ADDRESS = 250
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)
_PHONE = re.compile(r"^\+?[0-9]{7,15}$")


class ReportError(ValueError):
    """A field the visitor must correct; `code` names which message to show."""

    def __init__(self, code: str, field_name: str):
        super().__init__(code)
        self.code = code
        self.field = field_name


def clean_text(text: str) -> str:
    """NFC, no control or bidi-override characters, no runs of blank space."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(lines).strip()


def check_description(text: str) -> str:
    cleaned = clean_text(text)
    if len(cleaned) < MIN_DESCRIPTION:
        raise ReportError("description_empty", "description")
    if len(cleaned) > MAX_DESCRIPTION:
        raise ReportError("description_too_long", "description")
    return cleaned


def check_email(text: str) -> str | None:
    from email_validator import EmailNotValidError, validate_email

    cleaned = clean_text(text)
    if not cleaned:
        return None
    try:
        return validate_email(cleaned, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ReportError("email_invalid", "email") from exc


def check_phone(text: str) -> str | None:
    cleaned = clean_text(text)
    if not cleaned:
        return None
    compact = re.sub(r"[\s()./-]", "", cleaned)
    if not _PHONE.match(compact):
        raise ReportError("phone_invalid", "phone")
    return compact


def check_name(text: str) -> str | None:
    cleaned = clean_text(text).replace("\n", " ")
    if len(cleaned) > MAX_NAME:
        raise ReportError("name_too_long", "name")
    return cleaned or None


def check_address(text: str) -> str:
    cleaned = clean_text(text).replace("\n", " ")
    if len(cleaned) < MIN_DESCRIPTION:
        raise ReportError("address_empty", "address")
    if len(cleaned) > MAX_ADDRESS:
        raise ReportError("address_too_long", "address")
    return cleaned


def check_location(
    lat: float | None, long: float | None, address: str | None
) -> tuple[float | None, float | None, str | None]:
    """A point or a typed address (the address wins when both are given)."""
    if address is not None:
        return None, None, check_address(address)
    if lat is None or long is None:
        raise ReportError("location_missing", "location")
    return lat, long, None


def check_contact(
    first_name: str | None, last_name: str | None, email: str | None, phone: str | None
) -> dict[str, str | None]:
    """Contact details given with consent: at least one way to reach the resident."""
    contact = dict(
        first_name=check_name(first_name or ""),
        last_name=check_name(last_name or ""),
        email=check_email(email or ""),
        phone=check_phone(phone or ""),
    )
    if not any(contact.values()):
        raise ReportError("contact_empty", "contact")
    return contact


@dataclass
class ReportDraft:
    """What the form holds. `uuid` is fixed when the form opens: it is the idempotency key,
    so a double tap on Send or a retried delivery can never make two reports."""

    service_code: str = ""
    description: str = ""
    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    consent: bool = False
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    answers: dict[str, str | list[str]] = field(default_factory=dict)
    """Answers to the category's questions (kiosk_core.reportanswers checks them against
    the category as the visitor answers; here they are only cleaned)."""
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))

    def validated(self) -> ReportDraft:
        """A clean copy ready to store, or ReportError for the first field to correct."""
        if not self.service_code:
            raise ReportError("category_missing", "service_code")
        description = check_description(self.description)
        lat, long, address = check_location(self.lat, self.long, self.address_string)
        contact: dict[str, str | None] = dict(
            first_name=None, last_name=None, email=None, phone=None
        )
        if self.consent:
            contact = check_contact(self.first_name, self.last_name, self.email, self.phone)
        return ReportDraft(
            service_code=self.service_code,
            description=description,
            lat=lat,
            long=long,
            address_string=address,
            consent=self.consent,
            answers=clean_answers(self.answers),
            uuid=self.uuid,
            **contact,
        )


def clean_answers(answers: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
    """Answers as `clean_text` leaves text (a list's keys as they are), unanswered ones left
    out."""
    cleaned: dict[str, str | list[str]] = {}
    for code, answer in answers.items():
        if isinstance(answer, list):
            if answer:
                cleaned[code] = list(answer)
        elif clean_text(answer):
            cleaned[code] = clean_text(answer)
    return cleaned
