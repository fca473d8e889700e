"""Tracking ids: short, unambiguous, safe to read over the phone, and the root of workflow ids."""

from __future__ import annotations

import hashlib
import re
import secrets

# Crockford base32: no I, L, O, U, so a citizen reading it aloud cannot confuse 1/I or 0/O.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BODY_LEN = 10
TRACKING_ID_RE = re.compile(r"^[A-Z]{3}-[0-9A-HJKMNP-TV-Z]{10}$")
WORKFLOW_PREFIX = "complaint-"


def _encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(_BODY_LEN):
        number, rem = divmod(number, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_tracking_id(city_code: str) -> str:
    """A fresh random tracking id such as BLR-7K3M9QX2AB (50 random bits)."""
    return f"{city_code.upper()}-{_encode(secrets.token_bytes(8))}"


def derived_tracking_id(city_code: str, *parts: str) -> str:
    """A tracking id fixed by its inputs (caller + Idempotency-Key), so a retry maps to one case."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return f"{city_code.upper()}-{_encode(digest[:8])}"


def is_tracking_id(value: str) -> bool:
    """True for a syntactically valid tracking id."""
    return bool(TRACKING_ID_RE.match(value))


def workflow_id(tracking_id: str) -> str:
    """The Temporal workflow id of a complaint."""
    return f"{WORKFLOW_PREFIX}{tracking_id}"
