"""Ed25519 signing of manifests; kiosks pin the public key when they are enrolled.

The signature's format (the `Kiosk-Signature` header, verifying) is kiosk_core.signature,
which kiosks check with; this module keeps the hub's key.

The private key lives in DATA/signing.key (PKCS#8 PEM, mode 0600), created once by
`kiosk-hub init` and never overwritten: replacing it would orphan every enrolled kiosk.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk_core import signature


class SigningKeyError(Exception):
    """The signing key is missing or unreadable; the message says what to do."""


class Signer:
    def __init__(self, private_key: Ed25519PrivateKey):
        self._key = private_key
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.public_key = base64.b64encode(raw).decode()
        """The 32-byte raw public key, base64: what a kiosk pins."""

    @classmethod
    def generate(cls, path: Path) -> Signer:
        """Create a new key at `path`; refuses to replace one that exists."""
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        return cls(key)

    @classmethod
    def load(cls, path: Path) -> Signer:
        try:
            key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
        except FileNotFoundError as exc:
            raise SigningKeyError(f"no signing key at {path}: run `kiosk-hub init` first") from exc
        except (OSError, ValueError) as exc:
            raise SigningKeyError(f"cannot read the signing key {path}: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError(f"{path} is not an Ed25519 private key")
        return cls(key)

    def sign(self, data: bytes) -> str:
        """The base64 signature over exactly `data`."""
        return base64.b64encode(self._key.sign(data)).decode()

    def header(self, data: bytes) -> str:
        """The `Kiosk-Signature` header value: `ed25519=<base64 signature>`."""
        return signature.header_value(self._key.sign(data))


def verify(public_key_b64: str, data: bytes, header_or_signature: str) -> bool:
    """Whether the signature (bare base64 or a `ed25519=` header value) is over `data`."""
    value = header_or_signature.strip()
    if not value.startswith(f"{signature.SCHEME}="):
        value = f"{signature.SCHEME}={value}"
    try:
        signature.verify(data, value, base64.b64decode(public_key_b64, validate=True))
    except ValueError:  # SignatureError is one, as is a public key that is not base64
        return False
    return True
