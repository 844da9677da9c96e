"""The signature of a release manifest, as the hub sends it and a kiosk checks it.

The hub signs the manifest's raw bytes with its Ed25519 key (hub/content/signing.py keeps the
key) and sends the signature in a header, `Kiosk-Signature: ed25519=<base64>`. A kiosk verifies it
over exactly the bytes it received, with the public key it pinned when it was enrolled, before
anything parses them (kiosk/sync/manifest_check.py; docs/protocol.md).
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SIGNATURE_HEADER = "Kiosk-Signature"
SCHEME = "ed25519"
SIGNATURE_BYTES = 64


class SignatureError(ValueError):
    """A signature that is missing, malformed or not made by the key; the message says which."""


def header_value(signature: bytes) -> str:
    """The header's value for a raw signature: `ed25519=<base64>`."""
    return f"{SCHEME}={base64.b64encode(signature).decode()}"


def signature_from_header(value: str | None) -> bytes:
    """The raw signature from `ed25519=<base64>` (other schemes in the list are skipped)."""
    if not value:
        raise SignatureError(f"the manifest has no {SIGNATURE_HEADER} header")
    for part in value.split(","):
        scheme, _, encoded = part.strip().partition("=")
        if scheme.strip().lower() != SCHEME:
            continue
        try:
            raw = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SignatureError("the manifest signature is not base64") from exc
        if len(raw) != SIGNATURE_BYTES:
            raise SignatureError(
                f"the manifest signature has {len(raw)} bytes, not {SIGNATURE_BYTES}"
            )
        return raw
    raise SignatureError(f"the manifest has no {SCHEME} signature")


def verify(body: bytes, header: str | None, public_key: bytes) -> None:
    """SignatureError unless `header` holds a signature of exactly `body` by `public_key`
    (the 32 raw bytes of an Ed25519 public key)."""
    signature = signature_from_header(header)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, body)
    except InvalidSignature as exc:
        raise SignatureError("the manifest signature does not match the hub's key") from exc
    except ValueError as exc:
        raise SignatureError(f"the pinned hub key is unusable: {exc}") from exc
