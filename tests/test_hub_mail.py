"""Reports by e-mail, against a real SMTP server (aiosmtpd) on 127.0.0.1: a new kiosk report
reaches its department once, whatever the mail server or the hub does; a resident who left an
e-mail hears about the answer in their own language."""

from __future__ import annotations

import email
import email.policy
import socket
import subprocess
import time
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from hub.accounts.users import add_user
from hub.db import deliveries, forward_targets, report_events, reports
from hub.reports.casework import set_answer, set_status
from hub.sending import deliveries as outbox
from hub.sending import mail, sender
from hub.settings import Smtp
from hub.times import iso
from kiosk_core.content.build import build_release
from tests.conftest import write_tree
from tests.hubtools import HUB_CLI, REPO, Clock, HubEnv, bearer, free_port, make_client

API = "/api/v1"
DEPARTMENT = "komunalny@example.org"
PUBLIC = "https://kiosk.probna.example"
T0 = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)


class Sink:
    """An SMTP handler that keeps every message, and refuses the recipients in `refuse`."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]


def start_smtp(port: int, sink: Sink) -> Controller:
    controller = Controller(sink, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    return controller


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def sink(smtp_port: int):
    sink = Sink()
    controller = start_smtp(smtp_port, sink)
    yield sink
    controller.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


def make_env(root: Path, smtp_port: int | None, clock: Clock, timeout: float = 5) -> HubEnv:
    smtp = None
    if smtp_port:
        sender = "Kioski Próbna <kioski@probna.example>"
        smtp = Smtp(host="127.0.0.1", port=smtp_port, timeout=timeout, sender=sender)
    env = HubEnv.create(root / "hub", smtp=smtp, public_url=PUBLIC, deliveries_interval=0)
    env.hub.clock = clock
    out = root / "release"
    build_release(write_tree(root / "src"), out)
    env.publish_release(out)
    return env


@pytest.fixture
def env(tmp_path: Path, smtp_port: int, clock: Clock):
    env = make_env(tmp_path, smtp_port, clock)
    yield env
    env.hub.close()


def report_body(**changes) -> dict:
    body = {
        "uuid": str(uuid.uuid4()),
        "ref_code": "7KQ-4XM",
        "status_token": uuid.uuid4().hex,
        "created": "2026-11-21T13:59:00+00:00",
        "lang": "pl",
        "service_code": "lampa",
        "description": "Nie świeci latarnia przy ul. Polnej 3 <b>od tygodnia</b>",
        "lat": 50.3012,
        "long": 16.8834,
        "address_string": "ul. Polna 3",
        "email": "jan@example.org",
        "phone": "+48600100200",
        "first_name": "Jan",
        "last_name": "Kowalski",
    }
    return body | changes


def post(env: HubEnv, body: dict, kiosk: str = "rynek") -> int:
    """Deliver a report as a kiosk does (over HTTP, with its token); returns the report id."""
    with make_client(env.app) as client:
        answer = client.post(
            f"{API}/reports",
            json=body,
            headers=bearer(env.kiosk_token(kiosk)) | {"Idempotency-Key": body["uuid"]},
        )
    assert answer.status_code in (200, 201), answer.text
    return int(answer.json()["service_request_id"])


def rows(env: HubEnv, table, *where):
    with env.hub.transaction(write=False) as conn:
        return conn.execute(select(table).where(*where).order_by(table.c.id)).all()


def text_of(message: EmailMessage, subtype: str = "plain") -> str:
    return message.get_body(preferencelist=(subtype,)).get_content().replace("\r\n", "\n")


def test_a_new_kiosk_report_is_emailed_once_to_its_department(env: HubEnv, sink: Sink) -> None:
    report_id = post(env, report_body())
    queued = rows(env, deliveries)
    assert [(d.channel, d.target, d.state) for d in queued] == [("email", DEPARTMENT, "pending")]
    assert sink.messages == []  # sent by the outbox, never inside the kiosk's request

    assert sender.run_due(env.hub) == 1
    assert len(sink.messages) == 1
    rcpt, message = sink.messages[0]
    assert rcpt == [DEPARTMENT]
    assert message["To"] == DEPARTMENT
    assert "kioski@probna.example" in message["From"]
    assert message["Subject"] == "Nowe zgłoszenie 7KQ-4XM: Nie świeci latarnia"
    assert message["Message-ID"] == mail.message_id(report_id, DEPARTMENT, env.hub.settings)
    plain = text_of(message)
    for expected in (
        "Numer zgłoszenia: 7KQ-4XM",
        "Kategoria: Nie świeci latarnia (Oświetlenie)",
        "Wydział: Referat Gospodarki Komunalnej",
        "Przyjęte: 21 listopada 2026, 15:00",  # 14:00 UTC in Warsaw
        "kiosk „Kiosk rynek” (rynek)",
        "Nie świeci latarnia przy ul. Polnej 3 <b>od tygodnia</b>",
        "Miejsce: ul. Polna 3",
        "Współrzędne: 50.301200, 16.883400",
        "https://www.openstreetmap.org/?mlat=50.301200&mlon=16.883400",
        "Kontakt do zgłaszającego: Jan Kowalski, jan@example.org, +48600100200",
        f"{PUBLIC}/admin/reports/{report_id}",
    ):
        assert expected in plain
    html = text_of(message, "html")
    assert "&lt;b&gt;od tygodnia&lt;/b&gt;" in html  # the resident's text is never markup
    assert "<b>od tygodnia</b>" not in html
    assert f'href="{PUBLIC}/admin/reports/{report_id}"' in html

    [sent] = rows(env, deliveries)
    assert (sent.state, sent.attempts, sent.last_error) == ("done", 1, None)
    events = rows(env, report_events, report_events.c.report_id == report_id)
    assert [(e.kind, e.note, e.actor) for e in events] == [("emailed", DEPARTMENT, None)]
    assert sender.run_due(env.hub) == 0
    assert len(sink.messages) == 1


def test_no_contact_given_means_none_in_the_mail(env: HubEnv, sink: Sink) -> None:
    post(env, report_body(email=None, phone=None, first_name=None, last_name=None))
    sender.run_due(env.hub)
    [(_, message)] = sink.messages
    plain = text_of(message)
    assert "Kontakt do zgłaszającego: nie podano" in plain
    assert "@example.org" not in plain.replace(DEPARTMENT, "")
    assert "+48" not in plain


def test_a_replayed_report_is_not_emailed_again(env: HubEnv, sink: Sink, tmp_path: Path) -> None:
    body = report_body()
    first = post(env, body)
    sender.run_due(env.hub)
    # Meanwhile the department got a new address: a replay must not route the report again.
    src = write_tree(tmp_path / "src2")
    categories = src / "report_categories.yaml"
    categories.write_text(
        categories.read_text(encoding="utf-8").replace(DEPARTMENT, "nowy@example.org"),
        encoding="utf-8",
    )
    build_release(src, tmp_path / "release2")
    env.publish_release(tmp_path / "release2")
    assert post(env, body) == first  # the kiosk did not hear the answer and sends it again
    assert post(env, dict(reversed(body.items()))) == first
    assert sender.run_due(env.hub) == 0
    assert len(sink.messages) == 1
    assert len(rows(env, deliveries)) == 1


def test_smtp_down_then_up_delivers_exactly_one_message(tmp_path: Path, clock: Clock) -> None:
    port = free_port()  # nothing listens here yet
    env = make_env(tmp_path, port, clock)
    try:
        post(env, report_body())
        assert sender.run_due(env.hub) == 1
        [waiting] = rows(env, deliveries)
        assert waiting.state == "pending"
        assert waiting.attempts == 1
        assert "cannot reach the mail server" in waiting.last_error
        retry_at = datetime.fromisoformat(waiting.next_attempt)
        assert clock.now < retry_at <= clock.now + outbox.BASE_BACKOFF
        assert sender.run_due(env.hub) == 0  # not due yet

        clock.advance(hours=1, seconds=1)
        sender.run_due(env.hub)  # still down: a second attempt, a longer wait
        [waiting] = rows(env, deliveries)
        assert (waiting.state, waiting.attempts) == ("pending", 2)

        sink = Sink()
        controller = start_smtp(port, sink)
        try:
            clock.advance(hours=1, seconds=1)
            assert sender.run_due(env.hub) == 1
            assert sender.run_due(env.hub) == 0
            clock.advance(hours=5)
            assert sender.run_due(env.hub) == 0
        finally:
            controller.stop()
        assert [rcpt for rcpt, _ in sink.messages] == [[DEPARTMENT]]
        [sent] = rows(env, deliveries)
        assert (sent.state, sent.attempts, sent.last_error) == ("done", 3, None)
    finally:
        env.hub.close()


def test_a_server_that_does_not_answer_is_a_retry(tmp_path: Path, clock: Clock) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never says hello
    env = make_env(tmp_path, silent.getsockname()[1], clock, timeout=0.5)
    try:
        post(env, report_body())
        started = time.monotonic()
        sender.run_due(env.hub)
        assert time.monotonic() - started < 5
        [waiting] = rows(env, deliveries)
        assert waiting.state == "pending"
        assert "did not answer in time" in waiting.last_error or "reach" in waiting.last_error
    finally:
        env.hub.close()
        silent.close()


def test_a_refused_recipient_fails_for_good_and_the_report_is_untouched(
    env: HubEnv, sink: Sink
) -> None:
    sink.refuse.add(DEPARTMENT)
    report_id = post(env, report_body())
    [before] = rows(env, reports)
    sender.run_due(env.hub)
    [failed] = rows(env, deliveries)
    assert failed.state == "failed"
    assert "550" in failed.last_error
    assert "User unknown" in failed.last_error
    assert rows(env, reports) == [before]
    assert rows(env, report_events, report_events.c.report_id == report_id) == []
    env.hub.clock.advance(days=2)
    assert sender.run_due(env.hub) == 0  # never tried again
    assert sink.messages == []


def test_a_crash_after_sending_repeats_the_same_message(env: HubEnv, sink: Sink) -> None:
    """The hub dies after the server took the message but before it wrote that down: the
    delivery is not lost, and its repeat carries the same Message-ID."""
    post(env, report_body())
    with env.hub.transaction() as conn:
        [claimed] = outbox.claim_due(conn, env.hub.now(), ["email"])
    with env.hub.transaction(write=False) as conn:
        report = conn.execute(select(reports)).first()
    assert isinstance(mail.deliver(env.hub, claimed, report), outbox.Done)
    # ... and here the hub dies: no outcome is recorded.
    assert sender.run_due(env.hub) == 0  # the claim's lease still holds
    env.hub.clock.advance(seconds=outbox.LEASE.total_seconds() + 1)
    assert sender.run_due(env.hub) == 1
    first, again = (m for _, m in sink.messages)
    assert first["Message-ID"] == again["Message-ID"]
    assert [d.state for d in rows(env, deliveries)] == ["done"]


def test_without_smtp_settings_nothing_is_queued(tmp_path: Path, clock: Clock) -> None:
    env = make_env(tmp_path, None, clock)
    try:
        post(env, report_body())
        assert rows(env, deliveries) == []
        assert sender.run_due(env.hub) == 0
    finally:
        env.hub.close()


def test_a_forwarded_category_also_queues_open311(env: HubEnv, sink: Sink) -> None:
    city = f"http://127.0.0.1:{free_port()}/open311/v2/"
    # Nothing listens there: the forward is refused at once and stays due for a retry.
    with env.hub.transaction() as conn:
        conn.execute(
            forward_targets.insert().values(
                service_code="lampa",
                endpoint=city,
                api_key="k",
                remote_service_code="001",
                enabled=True,
                created=iso(T0),
            )
        )
    post(env, report_body())
    post(env, report_body(service_code="idea"))
    queued = [(d.report_id, d.channel, d.target) for d in rows(env, deliveries)]
    assert queued == [
        (1, "email", DEPARTMENT),
        (1, "open311", city),
        (2, "email", "sekretariat@example.org"),
    ]
    sender.run_due(env.hub)
    states = {d.channel: d.state for d in rows(env, deliveries) if d.report_id == 1}
    # The mail went out; the city is unreachable, so its forward waits for the next round.
    assert states == {"email": "done", "open311": "pending"}


def staff(env: HubEnv, username: str = "anna"):
    with env.hub.transaction() as conn:
        return add_user(conn, username, "dobre-haslo-123", "staff", env.hub.now())


def test_the_resident_hears_of_the_answer_in_ukrainian(env: HubEnv, sink: Sink) -> None:
    resident = "olena@example.org"
    report_id = post(env, report_body(lang="uk", email=resident, ref_code="UA1-234"))
    sender.run_due(env.hub)
    anna = staff(env)
    answer = "Латарню відремонтуємо до п'ятниці.\nДякуємо за звернення!"
    with env.hub.transaction() as conn:
        set_answer(conn, report_id, answer, anna, env.hub.now(), notify=True)
        set_status(conn, report_id, "closed", anna, env.hub.now(), notify=True)
    assert sender.run_due(env.hub) == 0  # waits a moment, to send answer and closing as one
    env.hub.clock.advance(seconds=mail.NOTICE_GRACE.total_seconds())
    assert sender.run_due(env.hub) == 1
    notices = sink.to(resident)
    assert len(notices) == 1
    notice = notices[0]
    assert notice["Subject"] == "Ваше звернення UA1-234: Закрито"
    assert notice["Auto-Submitted"] == "auto-generated"
    body = text_of(notice)
    assert "Добрий день," in body
    assert "Стан: Закрито" in body
    assert answer in body
    with env.hub.transaction(write=False) as conn:
        token = conn.scalar(select(reports.c.status_token).where(reports.c.id == report_id))
    assert f"{PUBLIC}/r/{token}" in body
    assert "Gmina Próbna" in body  # the content has no Ukrainian name: Polish is the fallback
    assert len(sink.to(DEPARTMENT)) == 1

    # A later correction is a new notice, sent once.
    env.hub.clock.advance(days=1)
    with env.hub.transaction() as conn:
        set_answer(conn, report_id, answer + " Роботи завершено.", anna, env.hub.now(), notify=True)
    env.hub.clock.advance(minutes=5)
    assert sender.run_due(env.hub) == 1
    assert sender.run_due(env.hub) == 0
    assert len(sink.to(resident)) == 2
    assert "Роботи завершено." in text_of(sink.to(resident)[1])
    ids = {m["Message-ID"] for m in sink.to(resident)}
    assert len(ids) == 2


def test_no_notice_without_an_email_or_for_a_status_change_alone(env: HubEnv, sink: Sink) -> None:
    silent = post(env, report_body(email=None))
    bad = post(env, report_body(email="not an address"))
    talkative = post(env, report_body(lang="de", email="hans@example.org"))
    anna = staff(env)
    with env.hub.transaction() as conn:
        for report_id in (silent, bad, talkative):
            set_status(conn, report_id, "in_progress", anna, env.hub.now(), notify=True)
    with env.hub.transaction() as conn:
        for report_id in (silent, bad):
            set_answer(conn, report_id, "Wird erledigt.", anna, env.hub.now(), notify=True)
    env.hub.clock.advance(minutes=5)
    sender.run_due(env.hub)
    assert [rcpt for rcpt, _ in sink.messages] == [[DEPARTMENT]] * 3
    with env.hub.transaction() as conn:
        set_answer(conn, talkative, "Wird erledigt.", anna, env.hub.now(), notify=True)
    env.hub.clock.advance(minutes=5)
    sender.run_due(env.hub)
    [notice] = sink.to("hans@example.org")
    assert notice["Subject"] == "Ihre Meldung 7KQ-4XM: In Bearbeitung"


def test_the_servers_worker_sends_without_anyone_asking(
    tmp_path: Path, sink: Sink, smtp_port: int
) -> None:
    """The app's lifespan starts the delivery worker when deliveries_interval > 0."""
    env = HubEnv.create(
        tmp_path / "hub",
        smtp=Smtp(host="127.0.0.1", port=smtp_port, timeout=5),
        deliveries_interval=0.2,
    )
    out = tmp_path / "release"
    build_release(write_tree(tmp_path / "src"), out)
    env.publish_release(out)
    body = report_body()
    try:
        with make_client(env.app) as client:
            answer = client.post(
                f"{API}/reports",
                json=body,
                headers=bearer(env.kiosk_token("rynek")) | {"Idempotency-Key": body["uuid"]},
            )
            assert answer.status_code == 201
            deadline = time.monotonic() + 10
            while not sink.messages and time.monotonic() < deadline:
                time.sleep(0.05)
        assert [rcpt for rcpt, _ in sink.messages] == [[DEPARTMENT]]
    finally:
        env.hub.close()


def test_cli_deliver_once(env: HubEnv, sink: Sink, smtp_port: int) -> None:
    post(env, report_body())
    data = env.hub.settings.data_dir
    (data / "hub.toml").write_text(
        f'public_url = "{PUBLIC}"\n\n[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\n'
        'sender = "kioski@probna.example"\ntimeout = 5\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [*HUB_CLI, "deliver", "--once", "--data", str(data), *env.database_args()],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "1 delivery attempt(s); now pending 0, waiting 0, done 1, failed 0" in done.stdout
    assert [rcpt for rcpt, _ in sink.messages] == [[DEPARTMENT]]
    with env.hub.transaction(write=False) as conn:
        assert conn.scalar(select(func.count()).select_from(deliveries)) == 1
