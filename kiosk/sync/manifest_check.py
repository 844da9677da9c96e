"""Whether to trust a manifest from the hub: signature first, then rollback and freeze.

Pure functions, in the protocol's order. The signature is checked over the raw bytes before
anything is parsed, so a forged body never reaches a JSON parser. A signed manifest is still
refused when its version is lower than the active release's (an attacker replaying an old
release) or when it expired before the kiosk's *last trusted time* (an attacker freezing the
kiosk on stale content). That time is the latest of the kiosk's clock and every `created` it has
accepted; it is saved and never moves backwards, so a kiosk whose clock is reset at boot
still refuses what it refused before.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.content.manifest import Manifest
from kiosk.validation import validate_json

SIGNATURE_HEADER = "Kiosk-Signature"
SIGNATURE_SCHEME = "ed25519"


class ManifestRefused(Exception):
    """A manifest the kiosk must not install; the message says why."""


def signature_from_header(value: str | None) -> bytes:
    """The raw signature from `ed25519=<base64>` (other schemes in the list are skipped)."""
    if not value:
        raise ManifestRefused(f"the manifest has no {SIGNATURE_HEADER} header")
    for part in value.split(","):
        scheme, _, encoded = part.strip().partition("=")
        if scheme.strip().lower() != SIGNATURE_SCHEME:
            continue
        try:
            raw = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ManifestRefused("the manifest signature is not base64") from exc
        if len(raw) != 64:
            raise ManifestRefused(f"the manifest signature has {len(raw)} bytes, not 64")
        return raw
    raise ManifestRefused(f"the manifest has no {SIGNATURE_SCHEME} signature")


def verify_signature(body: bytes, header: str | None, public_key: bytes) -> None:
    """ManifestRefused unless `header` holds a valid signature of `body` by `public_key`."""
    signature = signature_from_header(header)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, body)
    except InvalidSignature as exc:
        raise ManifestRefused("the manifest signature does not match the hub's key") from exc
    except ValueError as exc:
        raise ManifestRefused(f"the pinned hub key is unusable: {exc}") from exc


def parse_manifest(body: bytes) -> Manifest:
    try:
        manifest = validate_json(Manifest, body)
    except ValueError as exc:
        raise ManifestRefused(f"the manifest is not valid: {exc}") from exc
    for name in ("created", "expires"):
        moment = getattr(manifest, name)
        if moment is not None and moment.tzinfo is None:
            raise ManifestRefused(f"the manifest's {name} time has no UTC offset")
    if manifest.expires is None:
        raise ManifestRefused("the manifest has no expiry time")
    return manifest


def trusted_time(saved: datetime | None, *moments: datetime | None) -> datetime | None:
    """The new last trusted time: the latest of the saved one and `moments`, never earlier."""
    known = [m for m in (saved, *moments) if m is not None]
    return max(known) if known else None


def check_manifest(
    body: bytes,
    signature_header: str | None,
    public_key: bytes,
    active_version: int | None,
    last_trusted: datetime | None,
) -> Manifest:
    """The parsed manifest if the kiosk may act on it, else ManifestRefused.

    `last_trusted` is the saved last trusted time already brought up to the kiosk's clock
    (see `trusted_time`). An equal version passes: the caller has nothing to install then.
    """
    verify_signature(body, signature_header, public_key)
    manifest = parse_manifest(body)
    if active_version is not None and manifest.version < active_version:
        raise ManifestRefused(
            f"the manifest's version {manifest.version} is lower than the active release's "
            f"{active_version} (rollback refused)"
        )
    assert manifest.expires is not None
    if last_trusted is not None and manifest.expires < last_trusted:
        raise ManifestRefused(
            f"the manifest expired at {manifest.expires.isoformat()}, before the last trusted "
            f"time {last_trusted.isoformat()} (stale content refused)"
        )
    return manifest
