"""Tracking ids: short, unambiguous, safe to read over the phone, and the root of workflow ids."""

from __future__ import annotations

import hashlib
import re
import secrets

# Crockford base32: no I, L, O, U, so a citizen reading it aloud cannot confuse 1/I or 0/O.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BODY_LEN = 10
# The canonical form: a city's three letters, "-", ten Crockford base32 digits. The pattern is
# for OpenAPI (ECMA-262) too; in Python use `fullmatch`, since there `$` also matches before a
# final newline. `parse_tracking_id` also takes lower case and surrounding whitespace.
TRACKING_ID_PATTERN = "^[A-Z]{3}-[0-9A-HJKMNP-TV-Z]{10}$"
TRACKING_ID_RE = re.compile(TRACKING_ID_PATTERN)
# What a path may carry: the same, in either case (parse_tracking_id upper-cases it).
TRACKING_ID_PATH_PATTERN = "^[A-Za-z]{3}-[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{10}$"
_CITY_CODE_RE = re.compile(r"[A-Z]{3}")
_TYPED_SPACE = " \t\n\r\f\v"
WORKFLOW_PREFIX = "complaint-"


def _encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(_BODY_LEN):
        number, rem = divmod(number, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def _city(city_code: str) -> str:
    """The city part of a tracking id; ValueError unless it is three letters A–Z."""
    code = city_code.upper()
    if not city_code.isascii() or not _CITY_CODE_RE.fullmatch(code):  # "ſ".upper() is "S"
        raise ValueError(f"a city code is three letters A-Z, not {city_code!r}")
    return code


def new_tracking_id(city_code: str) -> str:
    """A fresh random tracking id such as BLR-7K3M9QX2AB (50 random bits)."""
    return f"{_city(city_code)}-{_encode(secrets.token_bytes(8))}"


def derived_tracking_id(city_code: str, *parts: str) -> str:
    """A tracking id fixed by its inputs (caller + Idempotency-Key), so a retry maps to one case."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return f"{_city(city_code)}-{_encode(digest[:8])}"


def is_tracking_id(value: str) -> bool:
    """True for a tracking id in canonical form (no other characters, not even a newline)."""
    return TRACKING_ID_RE.fullmatch(value) is not None


def parse_tracking_id(text: str) -> str | None:
    """The canonical tracking id a person typed or a path carried, or None if it is not one.

    Surrounding ASCII whitespace is dropped and ASCII lower case read as upper case; nothing
    else is corrected (an O is not read as a 0), so a near miss is refused, never guessed.
    """
    value = text.strip(_TYPED_SPACE)
    if not value.isascii():
        return None
    value = value.upper()
    return value if is_tracking_id(value) else None


def workflow_id(tracking_id: str) -> str:
    """The Temporal workflow id of a complaint."""
    return f"{WORKFLOW_PREFIX}{tracking_id}"


# Row ids (officials, audit entries) are PostgreSQL `serial`, 32-bit: a larger number names
# no row, so the API and the workflow both refuse it before it reaches the database.
MAX_ROW_ID = 2**31 - 1


def is_row_id(value: int) -> bool:
    """True for an id a database row can have (1 to MAX_ROW_ID)."""
    return 1 <= value <= MAX_ROW_ID
