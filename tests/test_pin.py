"""The staff PIN: a scrypt hash in the configuration, a lock-out that survives a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.appliance.pin import (
    LOCK_SECONDS,
    MAX_FAILURES,
    MAX_LOCK_SECONDS,
    PinError,
    PinGate,
    check_hash_format,
    hash_pin,
    verify_pin,
)

FAST = 10  # 2^10 iterations: the tests check the logic, not the cost


def test_hash_is_salted_scrypt_in_phc_format_and_verifies() -> None:
    first, second = hash_pin("2468", log_n=FAST), hash_pin("2468", log_n=FAST)
    assert first.startswith("$scrypt$ln=10,r=8,p=1$")
    assert first != second  # a fresh salt each time
    assert "2468" not in first
    assert verify_pin("2468", first) and verify_pin("2468", second)
    assert not verify_pin("2469", first)
    assert check_hash_format(first) == first


def test_the_default_cost_is_a_modern_kdf_setting() -> None:
    assert hash_pin("1357").startswith("$scrypt$ln=15,")


@pytest.mark.parametrize("pin", ["123", "12a4", "1234567890123", "１２３４", ""])
def test_only_4_to_12_ascii_digits_make_a_pin(pin: str) -> None:
    with pytest.raises(PinError):
        hash_pin(pin, log_n=FAST)


@pytest.mark.parametrize("stored", ["1234", "$scrypt$ln=15$abc$def", "$argon2id$v=19$x$y", ""])
def test_a_malformed_hash_is_refused_and_never_matches(stored: str) -> None:
    with pytest.raises(PinError):
        check_hash_format(stored)
    assert not verify_pin("1234", stored)


def test_lock_out_after_repeated_failures_doubles_and_is_capped(tmp_path: Path) -> None:
    gate = PinGate(hash_pin("2468", log_n=FAST), tmp_path / "lockout.json")
    now = 1000.0
    for left in range(MAX_FAILURES - 1, 0, -1):
        attempt = gate.attempt("0000", now)
        assert not attempt.ok and attempt.locked_for == 0 and attempt.failures_left == left
    attempt = gate.attempt("0000", now)
    assert attempt.locked_for == LOCK_SECONDS
    # while locked even the right PIN is refused
    assert not gate.attempt("2468", now + 10).ok
    # after the lock, one more failure locks twice as long
    assert gate.attempt("0000", now + LOCK_SECONDS).locked_for == 2 * LOCK_SECONDS
    for _ in range(10):
        now += MAX_LOCK_SECONDS
        attempt = gate.attempt("0000", now)
    assert attempt.locked_for == MAX_LOCK_SECONDS
    now += MAX_LOCK_SECONDS
    assert gate.attempt("2468", now).ok
    assert gate.failures == 0


def test_the_lock_out_survives_a_restart_and_a_clock_set_back(tmp_path: Path) -> None:
    stored = hash_pin("2468", log_n=FAST)
    gate = PinGate(stored, tmp_path / "lockout.json")
    for _ in range(MAX_FAILURES):
        gate.attempt("1111", 5000.0)
    again = PinGate(stored, tmp_path / "lockout.json")  # the kiosk was restarted
    assert again.locked_for(5010.0) == LOCK_SECONDS - 10
    assert not again.attempt("2468", 5010.0).ok
    assert again.locked_for(0.0) == MAX_LOCK_SECONDS  # the clock went back: capped


def test_a_damaged_state_file_starts_afresh_and_no_hash_never_opens(tmp_path: Path) -> None:
    state = tmp_path / "lockout.json"
    state.write_text("{not json", encoding="utf-8")
    gate = PinGate(None, state)
    assert not gate.configured
    assert not gate.attempt("1234", 1.0).ok
