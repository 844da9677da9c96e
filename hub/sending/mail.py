"""E-mail, the `email` channel of the outbox: a new report to its department, and a notice to
the resident when the town hall answers or closes their report.

A delivery's target says which: a plain address is the department's copy of a new report;
`<address>#answer-<event id>` is a notice to the resident, keyed by the report_events row
(the answer or closing) that prompted it, so each is sent once. Messages are composed when
they are sent, from the report as it is then: a notice that waited for a mail server carries
the latest status and answer.

Every message has a Message-ID made from the report id and the target, the same on every
attempt: if the hub dies after the server accepted a message but before it recorded that, the
message is sent again with the same Message-ID, and mail systems and people can recognise the
repeat (many mail programs show it once).

Errors: a server that cannot be reached, times out, or answers 4xx is tried again later (with
the outbox's backoff); a recipient refused with 5xx, or a message refused with 5xx, fails for
good, with the server's answer kept for staff.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as babel_datetime
from email_validator import EmailNotValidError, validate_email
from jinja2 import Environment
from sqlalchemy import Connection, Row, select

from hub.content.releases import municipality, report_categories
from hub.db import deliveries as deliveries_table
from hub.db import kiosks, reports
from hub.sending import deliveries
from hub.sending.deliveries import Done, Failed, Outcome, Retry
from hub.settings import Settings, Smtp
from hub.times import parse
from hub.translations import translator
from kiosk_core.content.model import LANGUAGES, ReportCategory, tr
from kiosk_core.i18n import N_

if TYPE_CHECKING:
    from hub.context import Hub

log = logging.getLogger(__name__)

CHANNEL = "email"
ANSWER_MARK = "#answer-"
NOTICE_GRACE = timedelta(minutes=2)
"""A resident's notice waits this long, so an answer and a closing made together (or an answer
corrected right after) reach them as one message."""

STATUS_NAMES = {
    "open": N_("Received"),
    "in_progress": N_("In progress"),
    "closed": N_("Closed"),
}
"""Each status as residents read it (on the status page and in notices)."""


def staff_url(settings: Settings, report_id: int) -> str:
    return f"{settings.public_url}/admin/reports/{report_id}"


def status_url(settings: Settings, status_token: str) -> str:
    """The public status page: the address the receipt's QR code holds."""
    return f"{settings.public_url}/r/{status_token}"


def map_url(lat: float, long: float) -> str:
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={long:.6f}#map=18/{lat:.6f}/{long:.6f}"
    )


def resident_target(address: str, event_id: int) -> str:
    return f"{address}{ANSWER_MARK}{event_id}"


def split_target(target: str) -> tuple[str, int | None]:
    """(address, event id) of a resident's notice; (address, None) for a department's copy.

    Unambiguous: '#' may appear in an address's local part, never after its '@'."""
    address, mark, event = target.rpartition(ANSWER_MARK)
    if mark and "@" in address and "@" not in event and event.isdigit():
        return address, int(event)
    return target, None


def message_id(report_id: int, target: str, settings: Settings) -> str:
    """The same for every attempt at the same delivery (see the module's docstring)."""
    digest = hashlib.sha256(f"{report_id}\n{target}".encode()).hexdigest()[:20]
    return f"<report-{report_id}.{digest}@{_mail_domain(settings)}>"


def _mail_domain(settings: Settings) -> str:
    if settings.smtp is not None:
        domain = parseaddr(settings.smtp.sender)[1].rpartition("@")[2]
        if domain:
            return domain
    return urlsplit(settings.public_url).hostname or "localhost"


# --- the department's copy of a new report -------------------------------------------------

_mail_env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)

DEPARTMENT_HTML = _mail_env.from_string("""\
<!DOCTYPE html>
<html lang="pl"><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family: sans-serif; line-height: 1.4; color: #1a1a1a;">
<p>{{ intro }}</p>
<table cellpadding="4" style="border-collapse: collapse;">
{% for label, value in facts %}
<tr><th align="left" valign="top">{{ label }}</th><td>{{ value }}</td></tr>
{% endfor %}
</table>
<h3>Opis</h3>
<p style="white-space: pre-wrap;">{{ description }}</p>
{% if place %}<p><strong>Miejsce:</strong> {{ place }}</p>{% endif %}
{% if coords %}<p><strong>Współrzędne:</strong> {{ coords }}
 (<a href="{{ map }}">mapa OpenStreetMap</a>)</p>{% endif %}
{% if media %}<p><strong>Zdjęcie:</strong> <a href="{{ media }}">{{ media }}</a></p>{% endif %}
<p><strong>Kontakt do zgłaszającego:</strong> {{ contact or no_contact }}</p>
<p><a href="{{ staff }}">Zmień status i opublikuj odpowiedź</a></p>
<p style="color: #555; font-size: small;">{{ footer }}</p>
</body></html>
""")

NO_CONTACT = "nie podano (zgłoszenie anonimowe)"
FOOTER = (
    "Wiadomość wysłana automatycznie przez centrum kiosków. Nie odpowiadaj na nią: "
    "odpowiedź dla mieszkańca publikuje się na stronie zgłoszenia (link powyżej)."
)


@dataclass(frozen=True)
class Source:
    """Where a report came from, in words."""

    kiosk: str | None
    client: str | None

    def words(self) -> str:
        if self.kiosk:
            return f"kiosk {self.kiosk}"
        return f"aplikacja Open311: {self.client or 'nieznana'}"


def department_message(
    report: Row,
    category: ReportCategory | None,
    source: Source,
    settings: Settings,
    target: str,
) -> EmailMessage:
    """The new report as its department reads it (Polish), plain text and HTML."""
    tz = ZoneInfo(settings.timezone)
    name = tr(category.name, "pl") if category else report.service_code
    subject = f"Nowe zgłoszenie {report.ref_code}: {name}"
    received = parse(report.received)
    facts = [
        ("Numer zgłoszenia", report.ref_code),
        ("Kategoria", f"{name} ({tr(category.group, 'pl')})" if category else name),
    ]
    if category:
        facts.append(("Wydział", tr(category.department, "pl")))
    facts += [
        ("Przyjęte", f"{babel_datetime(received, 'd MMMM y, HH:mm', tzinfo=tz, locale='pl')}"),
        ("Źródło", source.words()),
        ("Język zgłaszającego", Locale("pl").languages.get(report.lang, report.lang)),
    ]
    coords = map_link = None
    if report.lat is not None and report.long is not None:
        coords = f"{report.lat:.6f}, {report.long:.6f}"
        map_link = map_url(report.lat, report.long)
    contact = _contact(report)
    staff = staff_url(settings, report.id)
    intro = "Do Waszego wydziału wpłynęło nowe zgłoszenie mieszkańca."
    lines = [intro, ""]
    lines += [f"{label}: {value}" for label, value in facts]
    lines += ["", "Opis:", report.description, ""]
    if report.address_string:
        lines.append(f"Miejsce: {report.address_string}")
    if coords:
        lines += [f"Współrzędne: {coords}", f"Mapa: {map_link}"]
    if report.media_url:
        lines.append(f"Zdjęcie: {report.media_url}")
    lines += [
        f"Kontakt do zgłaszającego: {contact or NO_CONTACT}",
        "",
        "Zmień status i opublikuj odpowiedź:",
        staff,
        "",
        "-- ",
        FOOTER,
    ]
    html = DEPARTMENT_HTML.render(
        subject=subject,
        intro=intro,
        facts=facts,
        description=report.description,
        place=report.address_string,
        coords=coords,
        map=map_link,
        media=report.media_url,
        contact=contact,
        no_contact=NO_CONTACT,
        staff=staff,
        footer=FOOTER,
    )
    message = _message(settings, report.id, target, target, subject, "\n".join(lines))
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message


def _contact(report: Row) -> str | None:
    """The resident's details, only those they gave (with consent, at the kiosk)."""
    name = " ".join(p for p in (report.first_name, report.last_name) if p)
    parts = [p for p in (name, report.email, report.phone) if p]
    return ", ".join(parts) or None


# --- the resident's notice of an answer ------------------------------------------------------


def resident_message(
    report: Row,
    category: ReportCategory | None,
    town: dict[str, str],
    settings: Settings,
    target: str,
    address: str,
) -> EmailMessage:
    """A short notice in the report's language: the status, the public answer, the link."""
    lang = report.lang if report.lang in LANGUAGES else "pl"

    def _(message: str) -> str:
        return translator.gettext(message, lang)

    status = _(STATUS_NAMES.get(report.status, report.status))
    name = tr(category.name, lang) if category else report.service_code
    subject = _("Your report %(code)s: %(status)s") % {"code": report.ref_code, "status": status}
    lines = [
        _("Hello,"),
        "",
        _("there is news about your report %(code)s (%(category)s).")
        % {"code": report.ref_code, "category": name},
        "",
        _("Status: %(status)s") % {"status": status},
    ]
    if report.status_notes:
        lines += ["", _("Answer from the town hall:"), report.status_notes]
    lines += [
        "",
        _("Follow your report here:"),
        status_url(settings, report.status_token),
        "",
        "-- ",
        tr(town, lang) if town else _("Town hall"),
        _("This message was sent automatically; replies to it are not read."),
    ]
    return _message(settings, report.id, target, address, subject, "\n".join(lines))


def _message(
    settings: Settings, report_id: int, target: str, to: str, subject: str, text: str
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = _one_line(subject)
    message["From"] = settings.smtp.sender if settings.smtp else "kiosk-hub@localhost"
    message["To"] = to
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = message_id(report_id, target, settings)
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable: 7-bit safe for any server, still readable for Polish text.
    message.set_content(text, cte="quoted-printable")
    return message


def _one_line(text: str) -> str:
    """A header value: no line breaks or other control characters (they would end it)."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def queue_resident_notice(conn: Connection, report_id: int, event_id: int, now: datetime) -> bool:
    """Queue a notice of this answer or closing to the resident, if they left an e-mail.

    A notice still waiting to be sent is not doubled: it is composed when sent, so it will
    carry this change too. Returns whether a new notice was queued."""
    email = conn.scalar(select(reports.c.email).where(reports.c.id == report_id))
    address = valid_address(email)
    if address is None:
        if email:
            log.warning("report %s: the resident's e-mail %r is not valid", report_id, email)
        return False
    waiting = conn.execute(
        select(deliveries_table.c.id).where(
            deliveries_table.c.report_id == report_id,
            deliveries_table.c.channel == CHANNEL,
            deliveries_table.c.state == "pending",
            deliveries_table.c.target.like(f"%{ANSWER_MARK}%"),
        )
    ).first()
    if waiting is not None:
        return False
    target = resident_target(address, event_id)
    return deliveries.enqueue(conn, report_id, CHANNEL, target, now, now + NOTICE_GRACE)


def valid_address(email: str | None) -> str | None:
    """The address in its normal form, or None if it cannot receive mail as written."""
    if not email or not email.strip():
        return None
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


# --- sending ---------------------------------------------------------------------------------


def send(smtp: Smtp, message: EmailMessage, recipient: str, helo: str) -> None:
    """Hand one message for one recipient to the configured server; raises what smtplib
    raises (see `classify`)."""
    context = ssl.create_default_context()
    if smtp.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            smtp.host, smtp.port, local_hostname=helo, timeout=smtp.timeout, context=context
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, local_hostname=helo, timeout=smtp.timeout)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=context)
        if smtp.user:
            client.login(smtp.user, smtp.password or "")
        envelope_from = parseaddr(smtp.sender)[1] or smtp.sender
        client.send_message(message, from_addr=envelope_from, to_addrs=[recipient])


def classify(exc: Exception) -> Outcome:
    """What an error means for the delivery: try again later, or give up (5xx refusals)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = list(exc.recipients.values())
        code, text = answers[0] if answers else (0, b"")
        error = f"recipient refused: {code} {_text(text)}"
        return Failed(error) if code >= 500 else Retry(error)
    if isinstance(exc, smtplib.SMTPDataError):
        error = f"message refused: {exc.smtp_code} {_text(exc.smtp_error)}"
        return Failed(error) if exc.smtp_code >= 500 else Retry(error)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return Failed(f"the mail server cannot take this message: {exc}")
    if isinstance(exc, smtplib.SMTPResponseException):
        # Sender refused, authentication, HELO, STARTTLS: the hub's settings or the server,
        # not this message: keep trying while someone fixes it.
        return Retry(f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}")
    if isinstance(exc, socket.timeout | TimeoutError):
        return Retry(f"the mail server did not answer in time: {exc}")
    if isinstance(exc, smtplib.SMTPException | OSError):
        return Retry(f"cannot reach the mail server: {type(exc).__name__}: {exc}")
    raise exc


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _helo_name(settings: Settings) -> str:
    """The name the hub greets the server with (socket.getfqdn can hang on a bad resolver)."""
    host = urlsplit(settings.public_url).hostname or "localhost"
    try:
        return f"[{ipaddress.ip_address(host)}]"
    except ValueError:
        return host


def deliver(hub: Hub, delivery: Row, report: Row) -> Outcome:
    """The outbox handler of the `email` channel."""
    settings = hub.settings
    if settings.smtp is None:
        return Retry("e-mail is not configured: add [smtp] to hub.toml")
    address, event_id = split_target(delivery.target)
    with hub.transaction(write=False) as conn:
        category = report_categories(conn, hub.blobs).get(report.service_code)
        if event_id is None:
            kiosk = None
            if report.kiosk_id:
                name = conn.scalar(select(kiosks.c.name).where(kiosks.c.id == report.kiosk_id))
                kiosk = f"„{name}” ({report.kiosk_id})" if name else report.kiosk_id
            message = department_message(
                report, category, Source(kiosk, report.client), settings, delivery.target
            )
        else:
            town = municipality(conn, hub.blobs)
            message = resident_message(report, category, town, settings, delivery.target, address)
    try:
        send(settings.smtp, message, address, _helo_name(settings))
    except Exception as exc:
        return classify(exc)
    return Done(event=("emailed", address))
