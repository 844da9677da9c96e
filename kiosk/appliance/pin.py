"""The staff PIN: stored only as a scrypt hash, and locked out after repeated failures.

A PIN has few digits, so the hash alone would not stop someone who copied the SD card for
long; what it does is keep the PIN out of plain sight in /etc/kiosk/kiosk.toml and backups.
At the screen the lock-out is what protects it: after `MAX_FAILURES` wrong PINs in a row the
keypad refuses every attempt for a while, doubling with each further failure up to an hour.
The failure count is kept in a small file, so pulling the plug does not reset it.

Hash format (PHC string): `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`, base64 without padding.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

SCRYPT_LOG_N = 15
"""2^15 iterations, 32 MiB of memory: about 0.1 s on a Raspberry Pi 4."""
SCRYPT_R = 8
SCRYPT_P = 1
MIN_DIGITS = 4
MAX_DIGITS = 12
MAX_FAILURES = 5
LOCK_SECONDS = 60.0
MAX_LOCK_SECONDS = 3600.0

_PHC = re.compile(
    r"^\$scrypt\$ln=(?P<ln>\d{1,2}),r=(?P<r>\d{1,2}),p=(?P<p>\d{1,2})"
    r"\$(?P<salt>[A-Za-z0-9+/]{16,})\$(?P<hash>[A-Za-z0-9+/]{40,})$"
)


class PinError(ValueError):
    """Not a PIN that can be set, or not a hash that can be checked."""


def check_pin_format(pin: str) -> str:
    if not (pin.isascii() and pin.isdigit() and MIN_DIGITS <= len(pin) <= MAX_DIGITS):
        raise PinError(f"a PIN is {MIN_DIGITS} to {MAX_DIGITS} digits")
    return pin


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _scrypt(pin: str, salt: bytes, log_n: int, r: int, p: int) -> bytes:
    n = 1 << log_n
    return hashlib.scrypt(
        pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * r * n + (1 << 20), dklen=32
    )


def hash_pin(pin: str, log_n: int = SCRYPT_LOG_N) -> str:
    check_pin_format(pin)
    salt = secrets.token_bytes(16)
    digest = _scrypt(pin, salt, log_n, SCRYPT_R, SCRYPT_P)
    return f"$scrypt$ln={log_n},r={SCRYPT_R},p={SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_hash_format(stored: str) -> str:
    match = _PHC.match(stored)
    if not match or not 10 <= int(match["ln"]) <= 20:
        raise PinError("not a PIN hash made by `kiosk staff-pin` ($scrypt$ln=...)")
    return stored


def verify_pin(pin: str, stored: str) -> bool:
    """Constant-time comparison against a stored hash; a malformed hash never matches."""
    match = _PHC.match(stored)
    if not match:
        return False
    salt, expected = _unb64(match["salt"]), _unb64(match["hash"])
    actual = _scrypt(pin, salt, int(match["ln"]), int(match["r"]), int(match["p"]))
    return hmac.compare_digest(actual, expected)


@dataclass
class Attempt:
    ok: bool
    locked_for: float = 0.0
    """Seconds until the next attempt is allowed (0 unless locked)."""
    failures_left: int = MAX_FAILURES


class PinGate:
    """Checks PINs against one hash and enforces the lock-out, persisted in `state_file`."""

    def __init__(self, stored_hash: str | None, state_file: Path | None = None):
        self.stored_hash = stored_hash
        self.state_file = state_file
        self.failures = 0
        self.locked_until = 0.0
        self._load()

    @property
    def configured(self) -> bool:
        return bool(self.stored_hash)

    def locked_for(self, now: float) -> float:
        # Capped: a clock set back (the first NTP sync after boot) must not lock for days.
        return min(MAX_LOCK_SECONDS, max(0.0, self.locked_until - now))

    def attempt(self, pin: str, now: float) -> Attempt:
        """Check `pin` at wall-clock time `now`; while locked, not even a right PIN passes."""
        left = self.locked_for(now)
        if left > 0:
            return Attempt(False, left, 0)
        if self.stored_hash and verify_pin(pin, self.stored_hash):
            self.failures = 0
            self.locked_until = 0.0
            self._save()
            return Attempt(True)
        self.failures += 1
        if self.failures >= MAX_FAILURES:
            doublings = self.failures - MAX_FAILURES
            self.locked_until = now + min(MAX_LOCK_SECONDS, LOCK_SECONDS * 2**doublings)
        self._save()
        return Attempt(False, self.locked_for(now), max(0, MAX_FAILURES - self.failures))

    def _load(self) -> None:
        if self.state_file is None:
            return
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
            self.failures = int(data["failures"])
            self.locked_until = float(data["locked_until"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no file yet, or a damaged one: start counting afresh

    def _save(self) -> None:
        if self.state_file is None:
            return
        data = json.dumps({"failures": self.failures, "locked_until": self.locked_until})
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        try:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(data, encoding="utf-8")
            os.replace(tmp, self.state_file)
        except OSError:
            pass  # a read-only disk must not open the gate: the count stays in memory
