"""Signing in to the staff pages: passwords, sessions, CSRF, rate limits, roles."""

from __future__ import annotations

import subprocess
from collections import Counter
from dataclasses import replace

import pytest
import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import select

from hub.app import create_app
from hub.context import Hub
from hub.db import sessions, sign_in_failures, users
from tests.hubtools import HUB_CLI, Clock, HubEnv, LiveServer
from tests.webtools import csrf_of, sign_in


@pytest.fixture
def env(tmp_path):
    env = HubEnv.create(tmp_path / "hub")
    yield env
    env.hub.close()


@pytest.fixture
def live(env):
    with LiveServer(env.app) as server:
        yield server


def test_a_staff_page_sends_strangers_to_sign_in_and_back(env, live):
    password = env.user("anna", "staff", display_name="Anna Nowak")
    answer = requests.get(f"{live.url}/admin/", allow_redirects=False, timeout=10)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/admin/"

    page = requests.get(f"{live.url}/login", timeout=10)
    assert "Zaloguj się" in page.text and 'lang="pl"' in page.text

    session = sign_in(live.url, "anna", password)
    cookie = next(c for c in session.cookies if c.name == "hub_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    start = session.get(f"{live.url}/admin/", allow_redirects=False, timeout=10)
    assert start.status_code == 303 and start.headers["location"] == "/admin/reports"


def test_wrong_password_is_refused_in_polish_and_stored_hashed(env, live):
    password = env.user("anna")
    session = requests.Session()
    token = csrf_of(session.get(f"{live.url}/login", timeout=10).text)
    answer = session.post(
        f"{live.url}/login",
        data={"username": "anna", "password": password + "x", "csrf": token},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 401
    assert "Błędna nazwa użytkownika lub hasło." in answer.text
    assert "hub_session" not in session.cookies
    with env.hub.transaction(write=False) as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar()
    assert stored.startswith("$argon2id$") and password not in stored


def test_sign_in_without_the_forms_token_is_refused(env, live):
    password = env.user("anna")
    answer = requests.post(
        f"{live.url}/login",
        data={"username": "anna", "password": password, "csrf": "forged"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 403
    assert "hub_session" not in answer.cookies


def test_guessing_is_slowed_down_even_for_the_right_password(env, live):
    password = env.user("anna")
    attempts = env.hub.settings.sign_in_attempts
    session = requests.Session()
    for _ in range(attempts):
        token = csrf_of(session.get(f"{live.url}/login", timeout=10).text)
        wrong = {"username": "anna", "password": "zgadywane-haslo", "csrf": token}
        assert session.post(f"{live.url}/login", data=wrong, timeout=10).status_code == 401
    token = csrf_of(session.get(f"{live.url}/login", timeout=10).text)
    right = {"username": "anna", "password": password, "csrf": token}
    answer = session.post(f"{live.url}/login", data=right, allow_redirects=False, timeout=10)
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) > 0
    assert "Zbyt wiele nieudanych prób" in answer.text


def test_sign_out_needs_the_form_and_ends_the_session(env, live):
    password = env.user("anna")
    session = sign_in(live.url, "anna", password)
    forged = session.post(f"{live.url}/logout", data={"csrf": "x"}, allow_redirects=False)
    assert forged.status_code == 403
    still = session.get(f"{live.url}/admin/", allow_redirects=False)
    assert still.headers["location"] == "/admin/reports"
    # Every staff page's sign-out form carries the session's own token.
    with env.hub.transaction(write=False) as conn:
        token = conn.execute(select(sessions.c.csrf)).scalar()
    out = session.post(f"{live.url}/logout", data={"csrf": token}, allow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    with env.hub.transaction(write=False) as conn:
        assert conn.execute(select(sessions)).all() == []
    gone = session.get(f"{live.url}/admin/", allow_redirects=False)
    assert gone.headers["location"].startswith("/login")


def test_next_never_leaves_the_site(env, live):
    password = env.user("anna")
    session = requests.Session()
    token = csrf_of(session.get(f"{live.url}/login", timeout=10).text)
    answer = session.post(
        f"{live.url}/login",
        data={"username": "anna", "password": password, "csrf": token, "next": "//evil.example/"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.headers["location"] == "/admin/"


def test_disabled_accounts_cannot_sign_in_and_lose_their_sessions(env, live):
    from hub.accounts.users import set_disabled

    password = env.user("anna")
    session = sign_in(live.url, "anna", password)
    with env.hub.transaction() as conn:
        set_disabled(conn, "anna", True, env.hub.now())
    gone = session.get(f"{live.url}/admin/", allow_redirects=False)
    assert gone.headers["location"].startswith("/login")
    fresh = requests.Session()
    token = csrf_of(fresh.get(f"{live.url}/login", timeout=10).text)
    answer = fresh.post(
        f"{live.url}/login",
        data={"username": "anna", "password": password, "csrf": token},
        timeout=10,
    )
    assert answer.status_code == 401


def test_cli_creates_accounts_and_refuses_weak_passwords(env):
    data = ["--data", str(env.hub.settings.data_dir), *env.database_args()]
    weak = subprocess.run(
        [*HUB_CLI, "user", "add", "jan", "--role", "staff", "--password-stdin", *data],
        input="krotkie\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert weak.returncode == 1
    assert "at least 10 characters" in weak.stderr
    made = subprocess.run(
        [
            *HUB_CLI,
            "user",
            "add",
            "jan",
            "--role",
            "admin",
            "--name",
            "Jan Kowalski",
            "--password-stdin",
            *data,
        ],
        input="długie hasło ratusza\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    listed = subprocess.run(
        [*HUB_CLI, "user", "list", *data], capture_output=True, text=True, timeout=60
    )
    assert "jan\tadmin\tactive\tJan Kowalski\tall" in listed.stdout


# --- slowing down guessing without locking anybody out --------------------------------------


class FromAddress(HTTPAdapter):
    """Connections from this local address (127.0.0.0/8 is all loopback on Linux): another
    computer, as far as the hub can tell."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def browser_at(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def attempt(session: requests.Session, url: str, username: str, password: str):
    token = csrf_of(session.get(f"{url}/login", timeout=10).text)
    return session.post(
        f"{url}/login",
        data={"username": username, "password": password, "csrf": token},
        allow_redirects=False,
        timeout=10,
    )


def test_a_stranger_guessing_cannot_lock_the_real_person_out(env, live):
    env.hub.clock = Clock()  # the attack takes no time at all: no wait runs out meanwhile
    password = env.user("anna")
    attacker = browser_at("127.0.0.2")
    answers = Counter(
        attempt(attacker, live.url, "anna", f"zgadywane-{n}").status_code for n in range(30)
    )
    assert answers[401] == env.hub.settings.sign_in_attempts and answers[429] > 0
    # Anna at her own desk, right after the attack: her password is looked at, and it works.
    anna = browser_at("127.0.0.3")
    assert attempt(anna, live.url, "anna", password).status_code == 303
    assert anna.get(f"{live.url}/admin/reports", allow_redirects=False).status_code == 200
    # The attacker is still held back.
    assert attempt(attacker, live.url, "anna", password).status_code == 429


def test_guessing_from_one_address_waits_longer_each_time(env, live):
    clock = env.hub.clock = Clock()
    password = env.user("anna")
    guesser = browser_at("127.0.0.4")
    for n in range(env.hub.settings.sign_in_attempts):
        assert attempt(guesser, live.url, "anna", f"zle-{n}").status_code == 401
    waits = []
    for n in range(5):
        early = attempt(guesser, live.url, "anna", password)  # not even looked at
        assert early.status_code == 429
        waits.append(int(early.headers["retry-after"]))
        clock.advance(seconds=waits[-1])
        assert attempt(guesser, live.url, "anna", f"znowu-zle-{n}").status_code == 401
    assert waits == [5, 10, 20, 40, 80]
    # After waiting, the right password works and the failures of that name are forgotten.
    clock.advance(minutes=15)
    assert attempt(guesser, live.url, "anna", password).status_code == 303
    assert attempt(guesser, live.url, "anna", "jeszcze-raz-zle").status_code == 401
    # Trying other names from one address does not start the waits afresh for each name.
    env.hub.settings = replace(env.hub.settings, sign_in_address_attempts=3)
    other = browser_at("127.0.0.6")
    for name in ("bartek", "celina", "dorota"):
        assert attempt(other, live.url, name, "cokolwiek-1").status_code == 401
    assert attempt(other, live.url, "edyta", "cokolwiek-1").status_code == 429


def test_the_counts_are_kept_in_the_database_for_every_hub_process(env, live):
    """Two hub processes' worth of app on one database (as with several workers): guesses
    through one count in the other."""
    password = env.user("anna")
    other_hub = Hub.open(env.hub.settings)
    other_hub.clock = env.hub.clock = Clock()  # one clock: no wait runs out meanwhile
    try:
        with LiveServer(create_app(env.hub.settings, other_hub)) as other:
            guesser = browser_at("127.0.0.5")
            for n in range(env.hub.settings.sign_in_attempts):
                server = (live, other)[n % 2]
                assert attempt(guesser, server.url, "anna", f"zle-{n}").status_code == 401
            assert attempt(guesser, other.url, "anna", password).status_code == 429
            assert attempt(guesser, live.url, "anna", password).status_code == 429
    finally:
        other_hub.close()
    with env.hub.transaction(write=False) as conn:
        rows = dict(conn.execute(select(sign_in_failures.c.key, sign_in_failures.c.failures)).all())
    assert rows["user:anna@127.0.0.5"] == env.hub.settings.sign_in_attempts
