"""Envelope encryption for citizens' contact details: master keys, data keys, sealed fields.

Every citizen gets one random 256-bit data key. It is stored only *wrapped*: encrypted with
AES-256-GCM under the current master key, bound to its context (the citizen key row's id) and
to the master key's id. Each contact field is *sealed* with AES-256-GCM under the citizen's
data key, bound to the field name and the row, so a ciphertext copied to another column or
another row does not open. A *blind index* (a truncated HMAC-SHA-256 under a separate index key
that never rotates) lets the caller look rows up by a normalised value without decrypting.

Token formats (all base64url without padding; every nonce is 96 random bits):

- wrapped data key: ``"<master id>.<b64(nonce || ciphertext || tag)>"``
- sealed field:     ``"v1.<b64(nonce || ciphertext || tag)>"``
- blind index:      32 lowercase hex characters (the first 128 bits of the HMAC)

Master key rotation: `MasterKeys.with_new_key` adds a key and makes it current; tokens name
their master key, so old ones still unwrap; `rewrap` moves one onto the current key, and once
every token has moved, `MasterKeys.without_key` retires the old key.

Crypto-shredding: to erase a citizen (DPDP Act 2023, s. 12), the caller deletes the wrapped
data key. Once the wrapped key is gone, every field sealed under it is unreadable, both in the
database and in every backup of it, with no need to find and rewrite each copy. The caveat is
the wrapped key's own copies: a backup that still holds it (with a master key still in the
keyring) still opens that citizen's fields, until that backup expires or the master is retired.

This module is pure cryptography: no database, no network, no logging. No error message or
repr ever contains key material; every failure is a `SealingError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
MIN_INDEX_KEY_BYTES = 32
SEALED_PREFIX = "v1."
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_B64_TEXT = re.compile(r"[A-Za-z0-9_-]*={0,2}")
_WRAP_LABEL = b"civicops/wrap/v1"
_SEAL_LABEL = b"civicops/seal/v1"


class SealingError(ValueError):
    """Any failure to parse keys or to wrap, unwrap, seal or open; never carries key material."""


def _b64encode(raw: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str, *, canonical: bool = False) -> bytes | None:
    """Base64url with or without padding (canonical: only the unpadded spelling), else None."""
    if not isinstance(text, str) or not _B64_TEXT.fullmatch(text):
        return None
    body = text.rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None
    return None if canonical and _b64encode(raw) != text else raw


def _utf8(name: str, text: str) -> bytes:
    """UTF-8 bytes of `text`; a string that has none (a lone surrogate) is a SealingError."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise SealingError(f"{name} is not encodable as UTF-8") from None


def _aad(label: bytes, *parts: str) -> bytes:
    """Length-prefixed associated data, so no two different part lists encode alike."""
    out = bytearray(label)
    for part in parts:
        encoded = _utf8("a binding label", part)
        out += len(encoded).to_bytes(4, "big") + encoded
    return bytes(out)


def _check_label(name: str, value: object) -> str:
    """A non-empty string that binds a ciphertext (context, field or row)."""
    if not isinstance(value, str) or not value:
        raise SealingError(f"{name} must be a non-empty string")
    return value


def _check_data_key(data_key: object) -> bytes:
    """A data key is exactly 32 bytes."""
    if not isinstance(data_key, bytes) or len(data_key) != KEY_BYTES:
        raise SealingError(f"a data key must be {KEY_BYTES} bytes")
    return data_key


def _encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM with a fresh random nonce: nonce || ciphertext || tag."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _decrypt(key: bytes, blob: bytes, aad: bytes, what: str) -> bytes:
    """Open nonce || ciphertext || tag, raising SealingError on any failure."""
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise SealingError(f"{what} is too short")
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag:
        raise SealingError(f"{what} does not open: tampered, or wrong key or binding") from None


@dataclass(frozen=True, repr=False)
class MasterKeys:
    """The master keyring (id -> 32-byte AES key), its current id and the blind-index key."""

    current: str
    keys: Mapping[str, bytes]
    index_key: bytes

    def __post_init__(self) -> None:
        keys = dict(self.keys)
        if not keys:
            raise SealingError("the master keyring is empty")
        for n, (key_id, key) in enumerate(keys.items(), start=1):
            if not isinstance(key_id, str) or not ID_PATTERN.fullmatch(key_id):
                raise SealingError(f"master key {n} has an invalid id (want {ID_PATTERN.pattern})")
            if not isinstance(key, bytes) or len(key) != KEY_BYTES:
                got = len(key) if isinstance(key, bytes) else "not bytes"
                raise SealingError(f"master key {key_id!r} must be {KEY_BYTES} bytes, got {got}")
        if self.current not in keys:
            shown = repr(self.current) if ID_PATTERN.fullmatch(str(self.current)) else "id"
            raise SealingError(f"current master {shown} is not among {sorted(keys)}")
        index = self.index_key
        if not isinstance(index, bytes) or len(index) < MIN_INDEX_KEY_BYTES:
            got = len(index) if isinstance(index, bytes) else "not bytes"
            least = MIN_INDEX_KEY_BYTES
            raise SealingError(f"the index key must be at least {least} bytes, got {got}")
        object.__setattr__(self, "keys", MappingProxyType(keys))

    def __repr__(self) -> str:
        return f"MasterKeys(current={self.current!r}, keys={sorted(self.keys)}, index_key=<hidden>)"

    @classmethod
    def parse(cls, spec: str, current: str, index_key: str) -> MasterKeys:
        """Read `"id1:b64,id2:b64"`, the current id and the base64url index key from settings."""
        pairs: list[tuple[str, str]] = []
        for n, entry in enumerate((spec or "").split(","), start=1):
            key_id, sep, text = entry.partition(":")
            if not sep or not text.strip():
                raise SealingError(f"master key entry {n} is not 'id:base64url-key'")
            pairs.append((key_id.strip(), text.strip()))
        return cls._build(pairs, (current or "").strip(), index_key)

    @classmethod
    def _build(cls, pairs: list[tuple[str, str]], current: str, index_key: str) -> MasterKeys:
        """Decode (id, base64url key) pairs and the index key; __post_init__ checks the rest."""
        keys: dict[str, bytes] = {}
        for n, (key_id, text) in enumerate(pairs, start=1):
            if not ID_PATTERN.fullmatch(key_id):
                raise SealingError(f"master key {n} has an invalid id (want {ID_PATTERN.pattern})")
            if key_id in keys:
                raise SealingError(f"master key id {key_id!r} appears more than once")
            raw = _b64decode(text)
            if raw is None:
                raise SealingError(f"master key {key_id!r} is not valid base64url")
            keys[key_id] = raw
        index_raw = _b64decode((index_key or "").strip())
        if index_raw is None:
            raise SealingError("the index key is not valid base64url")
        return cls(current=current, keys=keys, index_key=index_raw)

    @classmethod
    def generate(cls, key_id: str = "m1") -> MasterKeys:
        """A fresh keyring: one random master key (current) and a random index key."""
        return cls(
            current=key_id,
            keys={key_id: os.urandom(KEY_BYTES)},
            index_key=os.urandom(MIN_INDEX_KEY_BYTES),
        )

    def to_json(self) -> str:
        """The keyring as JSON, key material included: write it only to a private file."""
        document = {
            "current": self.current,
            "keys": {key_id: _b64encode(key) for key_id, key in sorted(self.keys.items())},
            "index_key": _b64encode(self.index_key),
        }
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> MasterKeys:
        """Read a keyring written by `to_json`; errors name the problem, never the keys."""
        try:
            document = json.loads(text)
        except (json.JSONDecodeError, TypeError, UnicodeDecodeError):
            raise SealingError("the keyring is not valid JSON") from None
        if not isinstance(document, dict) or set(document) != {"current", "keys", "index_key"}:
            raise SealingError("the keyring must have exactly 'current', 'keys' and 'index_key'")
        keys, current, index_key = document["keys"], document["current"], document["index_key"]
        if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
            raise SealingError("the keyring's 'keys' must map ids to base64url strings")
        if not isinstance(current, str) or not isinstance(index_key, str):
            raise SealingError("the keyring's 'current' and 'index_key' must be strings")
        return cls._build(list(keys.items()), current, index_key)

    def with_new_key(self, key_id: str) -> MasterKeys:
        """This keyring plus a fresh random key `key_id`, which becomes current."""
        if key_id in self.keys:
            raise SealingError(f"master key id {key_id!r} already exists")
        keys = {**self.keys, key_id: os.urandom(KEY_BYTES)}
        return MasterKeys(current=key_id, keys=keys, index_key=self.index_key)

    def without_key(self, key_id: str) -> MasterKeys:
        """This keyring less `key_id` (retire it once nothing is wrapped under it)."""
        if key_id not in self.keys:
            raise SealingError(f"master key id {key_id!r} is not in the keyring")
        if key_id == self.current:
            raise SealingError(f"master key {key_id!r} is current and cannot be removed")
        keys = {k: v for k, v in self.keys.items() if k != key_id}
        return MasterKeys(current=self.current, keys=keys, index_key=self.index_key)


def new_data_key() -> bytes:
    """A fresh random 256-bit AES data key for one citizen."""
    return os.urandom(KEY_BYTES)


def _split_wrapped(wrapped: str) -> tuple[str, bytes]:
    """Split `"<master id>.<b64>"` into the id and the blob, or raise SealingError."""
    if not isinstance(wrapped, str):
        raise SealingError("a wrapped data key must be a string")
    key_id, sep, body = wrapped.partition(".")
    blob = _b64decode(body, canonical=True) if sep else None
    if not ID_PATTERN.fullmatch(key_id) or blob is None:
        raise SealingError("a wrapped data key must be '<master id>.<base64url>'")
    return key_id, blob


def wrap(master: MasterKeys, data_key: bytes, *, context: str) -> str:
    """Encrypt a data key under the current master key, bound to `context` and the master id."""
    key = _check_data_key(data_key)
    aad = _aad(_WRAP_LABEL, master.current, _check_label("context", context))
    return f"{master.current}.{_b64encode(_encrypt(master.keys[master.current], key, aad))}"


def unwrap(master: MasterKeys, wrapped: str, *, context: str) -> bytes:
    """Decrypt a wrapped data key under the master key its token names."""
    key_id, blob = _split_wrapped(wrapped)
    if key_id not in master.keys:
        raise SealingError(f"master key {key_id!r} is not in the keyring")
    aad = _aad(_WRAP_LABEL, key_id, _check_label("context", context))
    return _check_data_key(_decrypt(master.keys[key_id], blob, aad, "the wrapped data key"))


def rewrap(master: MasterKeys, wrapped: str, *, context: str) -> str:
    """Move a wrapped data key onto the current master key (checked; unchanged if already so)."""
    data_key = unwrap(master, wrapped, context=context)
    if _split_wrapped(wrapped)[0] == master.current:
        return wrapped
    return wrap(master, data_key, context=context)


def seal(data_key: bytes, plaintext: str, *, field: str, row: str) -> str:
    """Encrypt one field's text under a data key, bound to the field name and the row."""
    key = _check_data_key(data_key)
    if not isinstance(plaintext, str):
        raise SealingError("only text can be sealed")
    aad = _aad(_SEAL_LABEL, _check_label("field", field), _check_label("row", row))
    return SEALED_PREFIX + _b64encode(_encrypt(key, _utf8("the plaintext", plaintext), aad))


def seal_optional(data_key: bytes, value: str | None, *, field: str, row: str) -> str | None:
    """Seal `value`, passing None through (an absent field stays absent)."""
    return None if value is None else seal(data_key, value, field=field, row=row)


def open_sealed(data_key: bytes, token: str, *, field: str, row: str) -> str:
    """Decrypt a sealed field; the field name and row must be the ones it was sealed for."""
    key = _check_data_key(data_key)
    aad = _aad(_SEAL_LABEL, _check_label("field", field), _check_label("row", row))
    if not isinstance(token, str) or not token.startswith(SEALED_PREFIX):
        raise SealingError(f"a sealed field must start with {SEALED_PREFIX!r}")
    blob = _b64decode(token[len(SEALED_PREFIX) :], canonical=True)
    if blob is None:
        raise SealingError("a sealed field's body is not canonical base64url")
    try:
        return _decrypt(key, blob, aad, "the sealed field").decode("utf-8")
    except UnicodeDecodeError:
        raise SealingError("the sealed field is not UTF-8 text") from None


def open_optional(data_key: bytes, token: str | None, *, field: str, row: str) -> str | None:
    """Open `token`, passing None through."""
    return None if token is None else open_sealed(data_key, token, field=field, row=row)


def blind_index(master: MasterKeys, kind: str, normalised_value: str) -> str:
    """A stable lookup tag: HMAC-SHA-256(index key, kind NUL value), first 32 hex characters."""
    if not isinstance(kind, str) or not kind or "\x00" in kind:
        raise SealingError("a blind index kind must be a non-empty string without NUL")
    if not isinstance(normalised_value, str):
        raise SealingError("a blind index value must be a string")
    message = _utf8("the blind index input", kind + "\x00" + normalised_value)
    return hmac.new(master.index_key, message, hashlib.sha256).hexdigest()[:32]
