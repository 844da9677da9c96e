"""A real `kiosk-hub serve` against what an upload can do to it (issue 15, item 6): a YAML
alias bomb in an uploaded content tree gets a clear 4xx at once (it took 67 s and 4.3 GB, and
a deeper one a 500, 6 GB and 25 minutes deaf to SIGTERM), and a hub busy with a long publish
ends within seconds of SIGTERM, leaving nothing of its half-built upload once a hub starts.

The hubs run with their address space limited, so that the unfixed code fails these tests
instead of taking the machine's memory.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import requests

from tests.conftest import write_tree
from tests.hubtools import HUB_CLI, HubProcess, run
from tests.test_content_limits import alias_bomb
from tests.test_web_releases import problems_of
from tests.webtools import sign_in, upload_content, zip_tree

LIMITED = ["prlimit", f"--as={3 * 1024**3}", "--"]
STOPS_WITHIN = 12.0
"""Seconds from SIGTERM to the end of the process: hub.serving.EXIT_DEADLINE and a margin."""
PASSWORD = "Anna-Hasło-2026!"


def admin_session(hub: HubProcess) -> requests.Session:
    subprocess.run(
        [*HUB_CLI, "user", "add", "anna", "--role", "admin", "--password-stdin"]
        + ["--data", str(hub.data)],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    return sign_in(hub.url, "anna", PASSWORD)


def test_an_uploaded_alias_bomb_is_answered_with_its_line_at_once(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src")
    (src / "services" / "bomb.yaml").write_text(alias_bomb(10))
    with HubProcess(tmp_path, prefix=LIMITED) as hub:
        anna = admin_session(hub)
        began = time.monotonic()
        answer = upload_content(anna, hub.url, zip_tree(src))
        took = time.monotonic() - began
        assert answer.status_code == 422
        [problem] = problems_of(answer.text)
        assert "services/bomb.yaml" in problem and "7" in problem, problem
        assert "services/bomb.yaml, wiersz 7" in problem  # the page speaks Polish
        assert "po rozwinięciu odwołań (*nazwa)" in problem, problem
        assert took < 10
        assert requests.get(f"{hub.url}/api/v1/health", timeout=5).ok
    assert "Traceback" not in hub.log_path.read_text()


def many_cards(n: int, first: int) -> str:
    return "".join(
        f"- id: karta-{first + i}\n  category: dokumenty\n"
        f"  title: {{pl: Karta numer {i}, en: Card number {i}}}\n"
        f"  summary: {{pl: Opis karty {i} w urzędzie}}\n"
        for i in range(n)
    )


def test_a_hub_busy_publishing_ends_within_seconds_of_sigterm(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src")
    for part in range(3):  # three files of 4 MB: a minute or more of building
        (src / "services" / f"many-{part}.yaml").write_text(many_cards(30_000, part * 30_000))
    data = zip_tree(src)
    hub = HubProcess(tmp_path, prefix=LIMITED)
    try:
        anna = admin_session(hub)
        answers: list = []
        upload = threading.Thread(
            target=lambda: answers.append(_try(upload_content, anna, hub.url, data)), daemon=True
        )
        upload.start()
        deadline = time.monotonic() + 60
        while not any(hub.data.glob("**/upload.*/src/content/services/many-2.yaml")):
            assert time.monotonic() < deadline, "the upload was never unpacked"
            assert upload.is_alive(), answers
            time.sleep(0.05)
        time.sleep(1)  # building now: reading YAML, validating cards
        asked = time.monotonic()
        hub.proc.send_signal(signal.SIGTERM)
        try:
            hub.proc.wait(timeout=STOPS_WITHIN + 10)
        except subprocess.TimeoutExpired:
            raise AssertionError("the hub was still running 22 s after SIGTERM") from None
        took = time.monotonic() - asked
        upload.join(timeout=30)
    finally:
        hub.stop()
    assert took <= STOPS_WITHIN, took
    assert answers and answers[0] != 303  # not published
    # Whatever the interrupted build left in the scratch folder is gone once a hub starts.
    run([*HUB_CLI, "kiosk", "list", "--data", str(hub.data)])
    assert not list(hub.data.glob("**/upload.*"))


def _try(upload, *args) -> int | str:
    try:
        return upload(*args).status_code
    except requests.RequestException as exc:
        return type(exc).__name__
