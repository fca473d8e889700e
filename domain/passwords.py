"""Passwords of the people who sign in: scrypt hashes and the rules a password must meet.

Pure computation, no I/O (records/signin.py stores and checks them). A hash is
"scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>": the cost is read back from it, so stronger
settings can come later without breaking older hashes, within bounds that keep one check
from taking unbounded memory or time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache

PASSWORD_MIN = 10  # characters
PASSWORD_MAX = 200

# scrypt's cost: n=2**14, r=8 takes 16 MiB and some tens of milliseconds per hash.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_DKLEN = 32
SALT_BYTES = 16
MAX_MEMORY = 2**26  # bytes: a stored hash asking scrypt for more is malformed


class WeakPassword(ValueError):
    """A password the rules refuse; `.message` says why, in words for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _b64(raw: bytes) -> str:
    """Standard base64 (it has no "$", the hash format's separator)."""
    return base64.b64encode(raw).decode("ascii")


def _utf8(password: str) -> bytes:
    """The password's bytes; a lone surrogate (possible in JSON) is kept, not an error."""
    return password.encode("utf-8", "surrogatepass")


def hash_password(password: str) -> str:
    """An scrypt hash of `password`: "scrypt$16384$8$1$<salt b64>$<hash b64>"."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(
        _utf8(password), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=SCRYPT_DKLEN
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def password_matches(stored: str, password: str) -> bool:
    """True when `password` hashes to `stored` (constant-time); False for a malformed value.

    The cost parameters are read from `stored` (so stronger ones can come later), within
    bounds: a corrupted value cannot make one check take unbounded memory or time.
    """
    try:
        scheme, n_text, r_text, p_text, salt_text, digest_text = stored.split("$")
        n, r, p = int(n_text), int(r_text), int(p_text)
        if scheme != "scrypt" or not (2 <= n <= 2**20 and n & (n - 1) == 0):
            return False
        if not (1 <= r <= 32 and 1 <= p <= 16 and 128 * n * r <= MAX_MEMORY):
            return False
        salt = base64.b64decode(salt_text, validate=True)
        expected = base64.b64decode(digest_text, validate=True)
        if not salt or not 16 <= len(expected) <= 64:
            return False
        actual = hashlib.scrypt(
            _utf8(password),
            salt=salt,
            n=n,
            r=r,
            p=p,
            dklen=len(expected),
            maxmem=2 * MAX_MEMORY,
        )
    except (ValueError, TypeError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


@cache
def dummy_hash() -> str:
    """A hash no password matches, checked when an official has none (timing tells nothing)."""
    return hash_password(secrets.token_urlsafe(32))


def check_password_rules(password: str) -> None:
    """Raise WeakPassword, saying why, unless `password` is acceptable."""
    if len(password) > PASSWORD_MAX:
        raise WeakPassword(f"too long: at most {PASSWORD_MAX} characters")
    if password and not password.strip():
        raise WeakPassword("only spaces: a password needs other characters too")
    if len(password) < PASSWORD_MIN:
        raise WeakPassword(f"too short: at least {PASSWORD_MIN} characters")
