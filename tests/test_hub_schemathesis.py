"""Schemathesis generates requests from the hub's own OpenAPI document: none may end in a 5xx.

Run with each kind of caller (kiosk, staff, admin, Open311 client, nobody) so the generated
requests get past authentication into every route's own validation. Bounded in time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk_core.content.build import build_release
from tests.conftest import write_tree
from tests.hubtools import HubEnv, LiveServer, bearer

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
SECONDS_PER_CALLER = 12
"""Each caller's share of the suite's 30 minutes: the generator covers every route in it."""


@pytest.fixture
def live_hub(tmp_path):
    env = HubEnv.create(tmp_path / "hub")
    out = tmp_path / "release"
    build_release(write_tree(tmp_path / "src"), out)
    env.publish_release(out)
    with LiveServer(env.app) as live:
        yield env, live
    env.hub.close()


@pytest.mark.parametrize("caller", ["kiosk", "editor", "admin", "open311", "nobody"])
def test_no_generated_request_gets_a_server_error(live_hub, caller, tmp_path):
    env, live = live_hub
    if caller == "kiosk":
        headers = bearer(env.kiosk_token("rynek"))
    elif caller == "nobody":
        headers = {}
    else:
        headers = bearer(env.token(caller, name=f"schemathesis {caller}"))
    cmd = [
        str(SCHEMATHESIS),
        "run",
        f"{live.url}/openapi.json",
        "--checks",
        "not_a_server_error",
        "--max-time",
        str(SECONDS_PER_CALLER),
        "--max-examples",
        "25",
        "--workers",
        "2",
        "--seed",
        "20261122",
        "--request-timeout",
        "10",
        "--no-color",
        "--report-dir",
        str(tmp_path / "report"),
    ]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    run = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=SECONDS_PER_CALLER * 4,
        env=os.environ | {"SCHEMATHESIS_TELEMETRY": "false", "NO_COLOR": "1"},
    )
    report = run.stdout
    # Exit status 1 also covers schemathesis' own generator errors (it reports them as
    # "Runtime Error" and carries on); a 5xx from the hub is a "Server error" failure.
    assert "Server error" not in report, report[-8000:]
    assert run.returncode in (0, 1), report[-4000:] + run.stderr[-2000:]
    generated = re.search(r"(\d+) generated", report)
    assert generated and int(generated.group(1)) > 100, report[-4000:]
