"""A notice verifier written from docs/notice-format.md alone, as a third party would write it.

It imports the standard library and `cryptography` only, never CivicOps code (a test checks
this), so a notice it accepts is verifiable by anyone who reads the document. Section
numbers below refer to that document.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MARKER = b"%CivicOps-Notice-Signature\n"
MAX_SECTION = 270_336
MAX_ENVELOPE = 262_144
ENVELOPE_MEMBERS = {
    "format",
    "alg",
    "notice_id",
    "key_id",
    "payload",
    "payload_sha256",
    "content_sha256",
    "signature",
    "qr_signature",
}
WHITESPACE = b" \t\n\r\x0b\x0c"
ID_CHARS = set(string.ascii_letters + string.digits + "-")
B64_CHARS = set(string.ascii_letters + string.digits + "-_")


class Rejected(ValueError):
    """The notice (or QR string) is not valid; the message says which check failed."""


@dataclass(frozen=True)
class Key:
    """One JWK: the public key and whether it was revoked (section 3)."""

    kid: str
    public_key: Ed25519PublicKey
    revoked: bool


@dataclass(frozen=True)
class QrString:
    """The five parts of a compact QR string (section 6)."""

    notice_id: str
    key_id: str
    digest: bytes
    signature: bytes


def canonical(value: Any) -> bytes:
    """Canonical JSON (section 4): the Python call the document names."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def b64(text: Any, size: int, what: str) -> bytes:
    """Canonical unpadded base64url of exactly `size` bytes (section 1)."""
    if not isinstance(text, str) or not text or not set(text) <= B64_CHARS:
        raise Rejected(f"{what} is not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise Rejected(f"{what} is not base64url") from None
    if len(data) != size or base64.urlsafe_b64encode(data).rstrip(b"=").decode() != text:
        raise Rejected(f"{what} is not the canonical base64url of {size} bytes")
    return data


def is_id(text: Any) -> bool:
    """1–64 of A-Z a-z 0-9 and '-' (sections 2 and 6)."""
    return isinstance(text, str) and 1 <= len(text) <= 64 and set(text) <= ID_CHARS


def load_jwks(jwks: dict[str, Any]) -> dict[str, Key]:
    """The Ed25519 keys of a JWKS, by kid; other key types are ignored (section 3)."""
    keys = {}
    for jwk in jwks["keys"]:
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        raw = b64(jwk["x"], 32, "x")
        revoked = jwk.get("status") == "revoked" or jwk.get("revoked_at") is not None
        keys[jwk["kid"]] = Key(jwk["kid"], Ed25519PublicKey.from_public_bytes(raw), revoked)
    return keys


def qr_message(notice_id: str, key_id: str, digest: bytes) -> bytes:
    """What the QR signature covers (section 5)."""
    return b"|".join([b"civicops-notice-qr-v1", notice_id.encode(), key_id.encode(), digest])


def document_message(digest: bytes, content_sha256: bytes) -> bytes:
    """What the document signature covers (section 5)."""
    return b"|".join([b"civicops-notice-doc-v1", digest, content_sha256])


def check_signature(key: Key, signature: bytes, message: bytes, what: str) -> None:
    """Ed25519 (RFC 8032) or Rejected."""
    try:
        key.public_key.verify(signature, message)
    except InvalidSignature:
        raise Rejected(f"the {what} does not verify") from None


def usable_key(keys: dict[str, Key], kid: str) -> Key:
    """The published, unrevoked key of this kid (section 3)."""
    key = keys.get(kid)
    if key is None:
        raise Rejected(f"key {kid} is not published")
    if key.revoked:
        raise Rejected(f"key {kid} is revoked")
    return key


def parse_qr(text: str) -> QrString:
    """Read a QR string, compact or URL form (section 6)."""
    text = text.strip()
    if len(text) > 2048:
        raise Rejected("QR string longer than 2048 characters")
    if "://" in text:
        values = parse_qs(urlsplit(text).query).get("qr")
        if not values:
            raise Rejected("QR URL without a qr parameter")
        text = values[0].strip()
    parts = text.split(".")
    if len(parts) != 5 or parts[0] != "CVN1":
        raise Rejected("not CVN1.<id>.<id>.<digest>.<signature>")
    if not (is_id(parts[1]) and is_id(parts[2])):
        raise Rejected("QR ids are malformed")
    return QrString(parts[1], parts[2], b64(parts[3], 32, "digest"), b64(parts[4], 64, "sig"))


def verify_qr(text: str, keys: dict[str, Key]) -> QrString:
    """A QR string whose signature verifies under a usable key, or Rejected."""
    qr = parse_qr(text)
    key = usable_key(keys, qr.key_id)
    check_signature(key, qr.signature, qr_message(qr.notice_id, qr.key_id, qr.digest), "QR sig")
    return qr


def _digits(data: bytes, start: int) -> tuple[int, int]:
    """The number of 1–10 decimal digits at `start`, and the position after it."""
    end = start
    while end < len(data) and data[end : end + 1].isdigit():
        end += 1
    if not 1 <= end - start <= 10:
        raise Rejected("a number in the trailer is malformed")
    return int(data[start:end]), end


def _first_number(tail: bytes, key: bytes, then: bytes = b"") -> int:
    """The number after the first `key` in the trailer, followed by `then`."""
    at = tail.find(key)
    if at < 0:
        raise Rejected(f"trailer has no {key!r}")
    value, end = _digits(tail, at + len(key))
    if not tail.startswith(then, end):
        raise Rejected(f"trailer {key!r} is malformed")
    return value


def _skip_whitespace(data: bytes, at: int) -> int:
    """The first position at or after `at` that is not PDF whitespace."""
    while at < len(data) and data[at] in WHITESPACE:
        at += 1
    return at


def _hex_string(tail: bytes, at: int) -> int:
    """The position after `<hex>` starting at `at`."""
    if not tail.startswith(b"<", at):
        raise Rejected("trailer /ID is malformed")
    end = at + 1
    while end < len(tail) and tail[end : end + 1] in b"0123456789abcdefABCDEF":
        end += 1
    if end == at + 1 or not tail.startswith(b">", end):
        raise Rejected("trailer /ID is malformed")
    return end + 1


def _trailer_values(content: bytes) -> tuple[int, int, int, bytes, int]:
    """N, R, I, ID and P from the signed content's trailer (section 7)."""
    window = content[-4096:]
    at = window.rfind(b"trailer")
    if at < 0:
        raise Rejected("no trailer at the end of the signed content")
    tail = window[at:]
    size = _first_number(tail, b"/Size ")
    root = _first_number(tail, b"/Root ", b" 0 R")
    info = _first_number(tail, b"/Info ", b" 0 R")
    at = tail.find(b"/ID")
    if at < 0:
        raise Rejected("trailer has no /ID")
    start = _skip_whitespace(tail, at + 3)
    if not tail.startswith(b"[", start):
        raise Rejected("trailer /ID is malformed")
    end = _hex_string(tail, _skip_whitespace(tail, _hex_string(tail, start + 1)))
    if not tail.startswith(b"]", end):
        raise Rejected("trailer /ID is malformed")
    doc_id = tail[start : end + 1]
    at = tail.find(b"startxref")
    if at < 0:
        raise Rejected("trailer has no startxref")
    digits = _skip_whitespace(tail, at + 9)
    if digits == at + 9:
        raise Rejected("startxref is malformed")
    prev, _ = _digits(tail, digits)
    return size, root, info, doc_id, prev


def build_section(content: bytes, envelope: bytes) -> bytes:
    """The signature section for this signed content and envelope bytes (section 7)."""
    size, root, info, doc_id, prev = _trailer_values(content)
    opening = b"\n" + str(root).encode() + b" 0 obj\n<<"
    start = content.find(opening)
    end = content.find(b">>\nendobj\n", start + len(opening)) if start >= 0 else -1
    if end < 0:
        raise Rejected("no catalog in the signed content")
    catalog = content[start + len(opening) : end]
    if b"/Names" in catalog:
        raise Rejected("the catalog already has /Names")
    name = b"civicops-signature.json"
    objects = [
        (
            size,
            b"<< /Type /EmbeddedFile /Subtype /application#2Fjson /Length "
            + str(len(envelope)).encode()
            + b" >>\nstream\n"
            + envelope
            + b"\nendstream",
        ),
        (
            size + 1,
            b"<< /Type /Filespec /F (" + name + b") /UF (" + name + b") /AFRelationship /Data "
            b"/Desc (CivicOps notice signature) /EF << /F " + str(size).encode() + b" 0 R >> >>",
        ),
        (
            root,
            b"<<"
            + catalog.rstrip(WHITESPACE)
            + b" /Names << /EmbeddedFiles << /Names [("
            + name
            + b") "
            + str(size + 1).encode()
            + b" 0 R] >> >>\n>>",
        ),
    ]
    section = MARKER
    offset = {}
    for number, body in objects:
        offset[number] = len(content) + len(section)
        section += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(content) + len(section)
    entry = "{:010d} 00000 n \n".format
    lines = [
        "xref\n0 1\n0000000000 65535 f \n",
        f"{root} 1\n",
        entry(offset[root]),
        f"{size} 2\n",
        entry(offset[size]),
        entry(offset[size + 1]),
        "trailer\n",
        f"<< /Size {size + 2} /Root {root} 0 R /Info {info} 0 R /ID {doc_id.decode()} ",
        f"/Prev {prev} >>\n",
        f"startxref\n{xref}\n%%EOF\n",
    ]
    return section + "".join(lines).encode()


def _depth(value: Any) -> int:
    """How deeply a decoded JSON value nests (an object or array is one level)."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _read_envelope(data: bytes, at: int) -> dict[str, Any]:
    """Steps 1–2 of section 8: the envelope object after the marker at `at`."""
    line_end = data.find(b"\n", at + len(MARKER))
    header_end = data.find(b"\nstream\n", line_end) if line_end >= 0 else -1
    if header_end < 0:
        raise Rejected("signature section is damaged")
    number = data[at + len(MARKER) : line_end]
    header = data[line_end + 1 : header_end]
    prefix = b"<< /Type /EmbeddedFile /Subtype /application#2Fjson /Length "
    if not number.endswith(b" 0 obj") or not header.startswith(prefix):
        raise Rejected("signature section is damaged")
    length = header[len(prefix) :].removesuffix(b" >>")
    if not length.isdigit() or len(length) > 10 or int(length) > MAX_ENVELOPE:
        raise Rejected("envelope length is damaged")
    start = header_end + len(b"\nstream\n")
    try:
        envelope = json.loads(data[start : start + int(length)].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Rejected("envelope is not JSON") from None
    if not isinstance(envelope, dict) or _depth(envelope) > 8:
        raise Rejected("envelope is not an object nested at most 8 deep")
    return envelope


def verify_pdf(data: bytes, keys: dict[str, Key]) -> dict[str, Any]:
    """Every step of section 8; the envelope of a valid notice, or Rejected."""
    if not data.startswith(b"%PDF-"):
        raise Rejected("not a PDF")
    at = data.rfind(MARKER, max(0, len(data) - MAX_SECTION))
    if at < 0:
        raise Rejected("not a signed notice")
    envelope = _read_envelope(data, at)
    content = data[:at]
    if data[at:] != build_section(content, canonical(envelope)):  # step 3
        raise Rejected("bytes outside the signed content were changed")
    if set(envelope) != ENVELOPE_MEMBERS:  # step 4
        raise Rejected("envelope members are wrong")
    if envelope["format"] != "civicops-notice-signature/1" or envelope["alg"] != "Ed25519":
        raise Rejected("unknown envelope format or algorithm")
    notice_id, key_id, payload = envelope["notice_id"], envelope["key_id"], envelope["payload"]
    if not (is_id(notice_id) and is_id(key_id) and isinstance(payload, dict)):
        raise Rejected("envelope ids or payload malformed")
    digest = b64(envelope["payload_sha256"], 32, "payload_sha256")
    content_sha256 = b64(envelope["content_sha256"], 32, "content_sha256")
    signature = b64(envelope["signature"], 64, "signature")
    qr_signature = b64(envelope["qr_signature"], 64, "qr_signature")
    key = usable_key(keys, key_id)  # step 5
    if payload.get("notice_id") != notice_id or payload.get("key_id") != key_id:  # step 6
        raise Rejected("the payload names another notice or key")
    if hashlib.sha256(canonical(payload)).digest() != digest:  # step 7
        raise Rejected("payload digest differs")
    if hashlib.sha256(content).digest() != content_sha256:  # step 8
        raise Rejected("content digest differs")
    check_signature(key, signature, document_message(digest, content_sha256), "document sig")
    check_signature(key, qr_signature, qr_message(notice_id, key_id, digest), "QR signature")
    return envelope


def verify_notice(pdf: bytes, qr_text: str, keys: dict[str, Key]) -> dict[str, Any]:
    """A PDF and its QR string, both valid and naming the same notice and digest."""
    envelope = verify_pdf(pdf, keys)
    qr = verify_qr(qr_text, keys)
    if qr.notice_id != envelope["notice_id"] or qr.digest != b64(
        envelope["payload_sha256"], 32, "payload_sha256"
    ):
        raise Rejected("the QR string belongs to another notice")
    return envelope
