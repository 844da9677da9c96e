"""Signing in to the staff pages: passwords, sessions, CSRF, rate limits, roles."""

from __future__ import annotations

import subprocess

import pytest
import requests
from sqlalchemy import select

from hub.db import sessions, users
from tests.hubtools import HUB_CLI, HubEnv, LiveServer
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
    from hub.users import set_disabled

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
