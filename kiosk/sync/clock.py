"""What the agent knows about the machine's clock and how long it has been up.

A Raspberry Pi has no battery-backed clock (a Pi 5 only with an added battery): after a power
cut it boots with the time it last saved and only learns the real time from NTP. So:

- `timedatectl show -p NTPSynchronized --value` says `yes` once systemd-timesyncd (or chrony)
  has set the clock; that is the answer where it exists;
- where it does not (a container, a development machine, another init system) the clock is
  *assumed* synchronised: marking every statistic of such a machine as suspect would help no one.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

PROC_UPTIME = Path("/proc/uptime")
_STARTED = time.monotonic()


def ntp_synchronised() -> bool | None:
    """True/False from timedatectl, None when it cannot tell."""
    exe = shutil.which("timedatectl")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, "show", "-p", "NTPSynchronized", "--value"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    answer = done.stdout.strip().lower()
    if done.returncode != 0 or answer not in ("yes", "no"):
        return None
    return answer == "yes"


def clock_synchronised() -> bool:
    """Whether the wall clock can be trusted; unknown counts as yes (see the module doc)."""
    return ntp_synchronised() is not False


def uptime() -> float:
    """Seconds since the machine booted, or since this process started if that is unknown."""
    try:
        return float(PROC_UPTIME.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _STARTED
