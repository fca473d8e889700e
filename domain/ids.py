"""Tracking ids: short, unambiguous, safe to read over the phone, and the root of workflow ids.

A tracking id is a city's three letters, "-", and 11 Crockford base32 characters: 10 that
name the case and a check character (Damm's algorithm over GF(32)), e.g. BLR-7K3M9QX2ABN (15
characters, so it fits an SMS). The check catches every single mistyped character (city
code included) and every swap of two neighbouring characters in the city code or after the
"-". Ids made before the check character existed have 10 characters and no check; they stay
valid everywhere.
"""

from __future__ import annotations

import hashlib
import re
import secrets

# Crockford base32: no I, L, O, U, so a citizen reading it aloud cannot confuse 1/I or 0/O.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_POINT = {c: i for i, c in enumerate(_ALPHABET)}
# The city's letters enter the check too, as code points A=0 … Z=25 (all below 32, distinct),
# so a body valid for BLR is, with the same check character, not valid for DEL.
_CITY_POINT = {chr(ord("A") + i): i for i in range(26)}
_BODY_LEN = 10  # the characters that name the case; a new id adds one check character
_LEGACY_LEN = _BODY_LEN
_CHECKED_LEN = _BODY_LEN + 1
# The canonical form: a city's three letters, "-", 10 Crockford base32 digits and (since the
# check character) an 11th, the check; the pattern cannot test the check, is_tracking_id does.
# The pattern is for OpenAPI (ECMA-262) too; in Python use `fullmatch`, since there `$` also
# matches before a final newline.
TRACKING_ID_PATTERN = "^[A-Z]{3}-[0-9A-HJKMNP-TV-Z]{10,11}$"
TRACKING_ID_RE = re.compile(TRACKING_ID_PATTERN)
# What a path may carry: what parse_tracking_id reads in a URL, i.e. either case, Crockford's
# aliases (O for 0, I and L for 1; never U), 10 or 11 characters, and optional hyphens (one
# at most before each character). Bounded: at most 25 characters.
TRACKING_ID_PATH_PATTERN = "^[A-Za-z]{3}(?:-?[0-9A-TV-Za-tv-z]){10,11}$"
TRACKING_ID_EXAMPLE = "BLR-7K3M9QX2ABN"  # a valid id, for messages and API descriptions
MISTYPED = "a character was mistyped: check the id on your SMS"
NOT_AN_ID = f"a tracking id looks like {TRACKING_ID_EXAMPLE}"
_CITY_CODE_RE = re.compile(r"[A-Z]{3}")
# Typed separators, dropped wherever they are: ASCII whitespace and hyphens.
_SEPARATORS = str.maketrans("", "", " \t\n\r\f\v-")
# Crockford's aliases, read in the part after the city code: O is 0, I and L are 1.
_ALIASES = str.maketrans("OIL", "011")
WORKFLOW_PREFIX = "complaint-"


def _encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(_BODY_LEN):
        number, rem = divmod(number, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def _times_x(value: int) -> int:
    """`value` times x in GF(32), the field of 5-bit numbers modulo x^5 + x^2 + 1."""
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value


def _check_character(city: str, body: str) -> str:
    """The Damm check character of a canonical city code and 10-character body.

    Damm's algorithm over the quasigroup a * b = x·a + b of GF(32), which is totally
    anti-symmetric: every single changed character and every swap of two neighbours (the
    check character included) leaves a non-zero remainder, so it is caught.
    """
    interim = 0
    for point in [_CITY_POINT[c] for c in city] + [_CODE_POINT[c] for c in body]:
        interim = _times_x(interim) ^ point
    return _ALPHABET[_times_x(interim)]  # x·interim + check = 0 in GF(32)


def _city(city_code: str) -> str:
    """The city part of a tracking id; ValueError unless it is three letters A–Z."""
    code = city_code.upper()
    if not city_code.isascii() or not _CITY_CODE_RE.fullmatch(code):  # "ſ".upper() is "S"
        raise ValueError(f"a city code is three letters A-Z, not {city_code!r}")
    return code


def _with_check(city: str, body: str) -> str:
    """The tracking id of a city and 10-character body, with its check character."""
    return f"{city}-{body}{_check_character(city, body)}"


def new_tracking_id(city_code: str) -> str:
    """A fresh random tracking id such as BLR-7K3M9QX2ABN (50 random bits and a check)."""
    return _with_check(_city(city_code), _encode(secrets.token_bytes(8)))


def derived_tracking_id(city_code: str, *parts: str) -> str:
    """A tracking id fixed by its inputs (caller + Idempotency-Key), so a retry maps to one case."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return _with_check(_city(city_code), _encode(digest[:8]))


def _checks(city: str, body: str) -> bool:
    """True for a 10-character (legacy) body, or an 11-character one whose check is right."""
    return len(body) == _LEGACY_LEN or body[-1] == _check_character(city, body[:-1])


def is_tracking_id(value: str) -> bool:
    """True for a tracking id in canonical form (no other characters, not even a newline)."""
    if TRACKING_ID_RE.fullmatch(value) is None:
        return False
    city, body = value.split("-")
    return _checks(city, body)


def _shape(text: str) -> tuple[str, str] | None:
    """The city code and body a person typed, canonical, if it has an id's shape, else None."""
    if not text.isascii():
        return None
    compact = text.translate(_SEPARATORS).upper()
    city, body = compact[:3], compact[3:].translate(_ALIASES)
    if not _CITY_CODE_RE.fullmatch(city) or len(body) not in (_LEGACY_LEN, _CHECKED_LEN):
        return None
    if not all(c in _CODE_POINT for c in body):
        return None
    return city, body


def parse_tracking_id(text: str) -> str | None:
    """The canonical tracking id a person typed or a path carried, or None if it is not one.

    ASCII whitespace and hyphens are dropped wherever they are, ASCII lower case is read as
    upper case, and after the city code Crockford's aliases are read (O as 0, I and L as 1):
    "blr 7k3m 9qx2 abn" is BLR-7K3M9QX2ABN. Nothing else is corrected (U is no digit), and an
    11-character id whose check character is wrong is refused, never guessed.
    """
    shape = _shape(text)
    if shape is None or not _checks(*shape):
        return None
    city, body = shape
    return f"{city}-{body}"


def check_failure(text: str) -> str | None:
    """Why a typed id is not a tracking id, in words for a citizen; None when it is one."""
    shape = _shape(text)
    if shape is None:
        return NOT_AN_ID
    return None if _checks(*shape) else MISTYPED


def workflow_id(tracking_id: str) -> str:
    """The Temporal workflow id of a complaint."""
    return f"{WORKFLOW_PREFIX}{tracking_id}"


# Row ids (officials, audit entries) are PostgreSQL `serial`, 32-bit: a larger number names
# no row, so the API and the workflow both refuse it before it reaches the database.
MAX_ROW_ID = 2**31 - 1


def is_row_id(value: int) -> bool:
    """True for an id a database row can have (1 to MAX_ROW_ID)."""
    return 1 <= value <= MAX_ROW_ID
