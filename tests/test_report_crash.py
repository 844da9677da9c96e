"""Crash test: kill -9 the real app at random moments around Send, 50 times.

Every report whose thank-you screen appeared must be in the database afterwards, and the
database must pass PRAGMA integrity_check.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import write_tree

CHILD = """
import sys
from kivy.clock import Clock
from kiosk.ui.app import KioskApp

app = KioskApp(content=sys.argv[1], data_dir=sys.argv[2], size=(1280, 800))

def send_one(_dt):
    app.go("report")
    screen = app.manager.current_screen
    screen.draft.service_code = "lampa"
    screen.description = "Nie świeci latarnia przy szkole"
    screen.choose_location("here")
    screen.go_step("review")
    print("SEND", flush=True)
    screen.send()
    if app.manager.current == "receipt":
        # one write: unbuffered (PYTHONUNBUFFERED), print() writes word by word, and a kill
        # between the words would leave a line without its code
        sys.stdout.write(f"THANKS {app.manager.current_screen.ref_code}\\n")
        sys.stdout.flush()
    Clock.schedule_once(send_one, 0)

app.bind(on_start=lambda *a: Clock.schedule_once(send_one, 0) and None)
app.run()
"""

KILLS = 50


def test_kill_9_around_send_loses_no_acknowledged_report(display, tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src")
    data = tmp_path / "data"
    rng = random.Random(int(os.environ.get("CRASH_SEED", "2026")))
    thanked: set[str] = set()
    for _ in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(src), str(data)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        sends_before_kill = rng.randint(1, 4)
        sends = 0
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("THANKS"):
                thanked.add(line.split()[1])
            elif line.startswith("SEND"):
                sends += 1
                if sends == sends_before_kill:
                    time.sleep(rng.uniform(0, 0.02))  # somewhere in or just after Send
                    os.kill(proc.pid, signal.SIGKILL)
                    break
        rest, _ = proc.communicate(timeout=30)
        thanked.update(line.split()[1] for line in rest.splitlines() if line.startswith("THANKS"))
        assert proc.returncode == -signal.SIGKILL
    conn = sqlite3.connect(data / "kiosk.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {row[0] for row in conn.execute("SELECT ref_code FROM reports")}
    assert thanked, "no report ever reached its thank-you screen"
    assert thanked <= stored, f"acknowledged but lost: {thanked - stored}"
    print(f"{KILLS} kills: {len(thanked)} thanked, {len(stored)} stored")
