"""The manifest check: signature over the raw bytes first, then rollback and freeze."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.sync import manifest_check
from kiosk.sync.manifest_check import (
    ManifestRefused,
    check_manifest,
    trusted_time,
    verify_signature,
)
from kiosk_core.signature import signature_from_header

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
SHA = "ab" * 32


def manifest_body(version: int = 5, created: datetime = NOW, expires: datetime | None = ...):
    if expires is ...:
        expires = created + timedelta(days=7)
    data = {
        "format": 1,
        "version": version,
        "created": created.isoformat(),
        "expires": expires.isoformat() if expires else None,
        "files": [{"path": "content.json", "sha256": SHA, "size": 12}],
    }
    return json.dumps(data, indent=1).encode()


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def sign(key: Ed25519PrivateKey, body: bytes) -> str:
    return "ed25519=" + base64.b64encode(key.sign(body)).decode()


def test_a_signed_manifest_is_accepted(key) -> None:
    body = manifest_body()
    manifest = check_manifest(body, sign(key, body), public(key), 4, NOW)
    assert manifest.version == 5
    assert manifest.files[0].sha256 == SHA


def test_the_signature_covers_the_raw_bytes_not_the_parsed_json(key) -> None:
    body = manifest_body()
    same_json = json.dumps(json.loads(body)).encode()  # equal data, other bytes
    assert json.loads(same_json) == json.loads(body)
    with pytest.raises(ManifestRefused, match="signature does not match"):
        check_manifest(same_json, sign(key, body), public(key), None, None)


def test_a_tampered_body_is_refused_before_anything_is_parsed(key, monkeypatch) -> None:
    body = manifest_body(version=5)
    signature = sign(key, body)
    tampered = body.replace(b'"version": 5', b'"version": 9')
    assert tampered != body

    def must_not_parse(_body: bytes):
        raise AssertionError("parsed a manifest whose signature is bad")

    monkeypatch.setattr(manifest_check, "parse_manifest", must_not_parse)
    with pytest.raises(ManifestRefused, match="signature does not match"):
        check_manifest(tampered, signature, public(key), None, None)
    with pytest.raises(ManifestRefused, match="signature does not match"):
        check_manifest(b"{not json at all", signature, public(key), None, None)


def test_another_key_missing_or_malformed_signatures_are_refused(key) -> None:
    body = manifest_body()
    other = Ed25519PrivateKey.generate()
    with pytest.raises(ManifestRefused, match="does not match"):
        verify_signature(body, sign(other, body), public(key))
    with pytest.raises(ManifestRefused, match="no Kiosk-Signature"):
        verify_signature(body, None, public(key))
    with pytest.raises(ManifestRefused, match="not base64"):
        verify_signature(body, "ed25519=%%%", public(key))
    with pytest.raises(ManifestRefused, match="no ed25519 signature"):
        verify_signature(body, "rsa=AAAA", public(key))
    with pytest.raises(ManifestRefused, match="not 64"):
        verify_signature(body, "ed25519=" + base64.b64encode(b"short").decode(), public(key))


def test_the_signature_header_may_list_several_schemes(key) -> None:
    body = manifest_body()
    header = "future=AAAA, " + sign(key, body)
    assert signature_from_header(header) == key.sign(body)
    verify_signature(body, header, public(key))


def test_a_lower_version_is_refused_equal_and_higher_pass(key) -> None:
    for version, active, ok in [(4, 5, False), (1, 5, False), (5, 5, True), (6, 5, True)]:
        body = manifest_body(version=version)
        if ok:
            assert (
                check_manifest(body, sign(key, body), public(key), active, NOW).version == version
            )
        else:
            with pytest.raises(ManifestRefused, match="rollback"):
                check_manifest(body, sign(key, body), public(key), active, NOW)


def test_an_expired_manifest_is_refused(key) -> None:
    old = NOW - timedelta(days=10)
    body = manifest_body(version=9, created=old)  # expired three days before NOW
    with pytest.raises(ManifestRefused, match="expired"):
        check_manifest(body, sign(key, body), public(key), 5, NOW)
    # the same manifest was fine while the trusted time was still before its expiry
    assert check_manifest(body, sign(key, body), public(key), 5, old + timedelta(days=6))


def test_a_manifest_without_expiry_or_offset_is_refused(key) -> None:
    body = manifest_body(expires=None)
    with pytest.raises(ManifestRefused, match="no expiry"):
        check_manifest(body, sign(key, body), public(key), None, None)
    naive = manifest_body().replace(b"+00:00", b"")
    with pytest.raises(ManifestRefused, match="no UTC offset"):
        check_manifest(naive, sign(key, naive), public(key), None, None)


def test_a_signed_but_invalid_manifest_is_refused(key) -> None:
    for body in [b"[]", b"{", manifest_body().replace(b"content.json", b"../etc/passwd")]:
        with pytest.raises(ManifestRefused, match="not valid"):
            check_manifest(body, sign(key, body), public(key), None, None)


def test_last_trusted_time_never_goes_backwards(key) -> None:
    assert trusted_time(None) is None
    assert trusted_time(None, NOW) == NOW
    saved = NOW
    # the clock is reset at boot (no battery): the saved time stays
    saved = trusted_time(saved, datetime(2024, 1, 1, tzinfo=UTC))
    assert saved == NOW
    # an accepted manifest created later moves it forward
    later = NOW + timedelta(hours=3)
    saved = trusted_time(saved, NOW - timedelta(days=1), later)
    assert saved == later
    # an older created time (a republished release) does not move it back
    assert trusted_time(saved, NOW, NOW - timedelta(days=30)) == later


def test_a_replayed_manifest_is_refused_after_the_clock_is_reset(key) -> None:
    """Accepting a newer manifest raises the trusted time; an old one replayed to a kiosk whose
    clock went back to 2024 is still refused."""
    first = manifest_body(version=5, created=NOW - timedelta(days=9))
    newer = manifest_body(version=5, created=NOW)
    saved = None
    for body in (first, newer):
        manifest = check_manifest(body, sign(key, body), public(key), 5, saved)
        saved = trusted_time(saved, NOW - timedelta(days=9), manifest.created)
    reset_clock = datetime(2024, 1, 1, tzinfo=UTC)
    last_trusted = trusted_time(saved, reset_clock)
    assert last_trusted == NOW
    with pytest.raises(ManifestRefused, match="expired"):
        check_manifest(first, sign(key, first), public(key), 5, last_trusted)
