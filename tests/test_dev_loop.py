"""The quick development loop: the core tests alone, where there is no display at all."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO


def test_core_tests_run_without_a_display_a_browser_or_a_server() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = str(REPO)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "core", "-q", "-p", "no:cacheprovider"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    summary = run.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
    assert int(summary.split(" passed")[0].split()[-1]) >= 200, summary
    assert "deselected" not in summary, "other test files were collected (imported) too"
