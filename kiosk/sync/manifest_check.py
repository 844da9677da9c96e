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

from datetime import datetime

from kiosk_core import signature
from kiosk_core.content.manifest import Manifest
from kiosk_core.validation import validate_json


class ManifestRefused(Exception):
    """A manifest the kiosk must not install; the message says why."""


def verify_signature(body: bytes, header: str | None, public_key: bytes) -> None:
    """ManifestRefused unless `header` holds a valid signature of `body` by `public_key`."""
    try:
        signature.verify(body, header, public_key)
    except signature.SignatureError as exc:
        raise ManifestRefused(str(exc)) from exc


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
