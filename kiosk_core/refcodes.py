"""Reference codes a resident reads off the thank-you screen or an e-mail: `7KQ-4XM`.

The kiosk gives one to each report it stores; the hub to each report filed through Open311.
"""

from __future__ import annotations

import random
import secrets

REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
"""No 0/O or 1/I: a code read aloud on the phone cannot be misheard as another."""
REF_LENGTH = 6


def new_ref_code(rng: random.Random | secrets.SystemRandom | None = None) -> str:
    """A short code like `7KQ-4XM`: 32^6, about a billion, so per-kiosk clashes are rare
    (and retried)."""
    rng = rng or secrets.SystemRandom()
    chars = "".join(rng.choice(REF_ALPHABET) for _ in range(REF_LENGTH))
    return f"{chars[:3]}-{chars[3:]}"
